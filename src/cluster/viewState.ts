import { type DockerError } from '../docker/errors';
import { type ClusterSnapshot } from './types';

/** What the nodes view shows: its welcome content when there is nothing to list, else the tree. */
export const ViewStates = {
  noCompose: 'noCompose',
  dockerUnreachable: 'dockerUnreachable',
  ready: 'ready',
} as const;
export type ViewState = (typeof ViewStates)[keyof typeof ViewStates];

export interface ViewStateInput {
  /** How many clusters the workspace has. */
  readonly clusters: number;
  /** Why the Docker endpoint setting is unusable (no client could be made). */
  readonly endpointProblem: DockerError | undefined;
  /** The latest snapshot of each cluster (undefined: none yet). */
  readonly snapshots: readonly (ClusterSnapshot | undefined)[];
}

/** The view state and the Docker problem kind that pick the welcome content (package.json `viewsWelcome`). */
export function chooseViewState(input: ViewStateInput): { state: ViewState; dockerProblem: string } {
  const problem =
    input.snapshots.map((s) => s?.engine.problem?.kind).find((k) => k !== undefined) ??
    input.endpointProblem?.kind ??
    '';
  if (input.clusters === 0) {
    return { state: ViewStates.noCompose, dockerProblem: problem };
  }
  const dockerDown =
    input.endpointProblem !== undefined ||
    input.snapshots.some((s) => s !== undefined && !s.engine.reachable && s.engine.problem !== undefined);
  // Docker down but something known (the API answers): the tree still has something to say.
  const nothingKnown = input.snapshots.every(
    (s) => s === undefined || s.nodes.every((n) => n.container === null && n.healthKey === undefined),
  );
  return {
    state: dockerDown && nothingKnown ? ViewStates.dockerUnreachable : ViewStates.ready,
    dockerProblem: problem,
  };
}
