import { type Translate, english } from '../util/translate';
import { type ClusterNode, type ClusterSnapshot } from './types';

/**
 * What the user may do to one node (Start, Stop, Restart, Recreate) and what it will cost, as
 * plain data: the tree's context menu, the palette's node picker and the confirmation before a
 * failover all read these decisions; the commands in src/commands only ask, show and run Compose.
 */

export type NodeAction = 'start' | 'stop' | 'restart' | 'recreate';
export const NODE_ACTIONS: readonly NodeAction[] = ['start', 'stop', 'restart', 'recreate'];

/**
 * The actions a node offers. Only a Compose service can be acted on (a node seen only in
 * /v1/health runs elsewhere). A running container can be stopped, restarted and recreated; a
 * stopped one, or a declared service that was never created, can be started (and recreated).
 */
export function nodeActions(node: ClusterNode): NodeAction[] {
  if (node.service === undefined) {
    return [];
  }
  const c = node.container;
  if (!c) {
    return ['start'];
  }
  if (c.state === 'running' || c.state === 'restarting') {
    return ['stop', 'restart', 'recreate'];
  }
  return ['start', 'recreate'];
}

/**
 * The Compose arguments of an action on one service. Start of a container that exists is
 * `start` (nothing is re-read); a never-created service needs `up -d`; Recreate rebuilds the
 * container from the compose file without touching its dependencies.
 */
export function composeArgs(action: NodeAction, node: ClusterNode): string[] {
  const service = node.service ?? node.name;
  switch (action) {
    case 'start':
      return node.container ? ['start', service] : ['up', '-d', '--no-deps', service];
    case 'stop':
      return ['stop', service];
    case 'restart':
      return ['restart', service];
    case 'recreate':
      return ['up', '-d', '--no-deps', '--force-recreate', service];
  }
}

/** What stopping (or restarting) a node costs the cluster, said before it happens. */
export interface ActionImpact {
  /** `failover`: a spare takes over; `outage`: traffic (or cluster management) pauses. */
  readonly kind: 'failover' | 'outage';
  readonly question: string;
  readonly detail: string;
  /** The button that goes ahead ("Stop", "Restart"). */
  readonly goOn: string;
}

/** The default `unhealthy_interval` (wa-api.md §2.8): how long a silent shard owner keeps its shard. */
export const DEFAULT_UNHEALTHY_INTERVAL_S = 30;

const isRunning = (n: ClusterNode): boolean => n.container?.state === 'running';

/**
 * Whether Stop or Restart of this node needs a word first: the coreapp that owns a shard (a spare
 * takes over after `unhealthy_interval`, or the shard's messages wait when there is no spare),
 * or the primary master (a secondary takes the lease, or registration, shard changes and
 * failover pause). Any other node: undefined, it just happens.
 */
export function actionImpact(
  snapshot: ClusterSnapshot,
  node: ClusterNode,
  action: NodeAction,
  t: Translate = english,
  unhealthyIntervalS = DEFAULT_UNHEALTHY_INTERVAL_S,
): ActionImpact | undefined {
  if (action === 'start' || !isRunning(node)) {
    return undefined;
  }
  const goOn = action === 'stop' ? t('Stop') : action === 'restart' ? t('Restart') : t('Recreate');
  const verb = action === 'stop' ? t('Stop {0}?', node.name) : t('{0} {1}?', goOn, node.name);
  const others = snapshot.nodes.filter((n) => n.name !== node.name && isRunning(n));
  if (node.shardOwner) {
    const spares = others.filter((n) => n.standby && (n.reportedRole === 'coreapp' || n.kind === 'coreapp'));
    if (spares.length > 0) {
      return {
        kind: 'failover',
        question: verb,
        detail: t(
          '{0} owns a shard: after about {1} s without an answer (unhealthy_interval) the spare {2} takes it over; until then messages for that shard wait.',
          node.name,
          unhealthyIntervalS,
          spares.map((s) => s.name).join(', '),
        ),
        goOn,
      };
    }
    return {
      kind: 'outage',
      question: verb,
      detail:
        action === 'stop'
          ? t(
              '{0} owns a shard and there is no spare coreapp: messages for that shard are not delivered until it (or another coreapp) runs again.',
              node.name,
            )
          : t(
              '{0} owns a shard and there is no spare coreapp: messages for that shard wait until it is back (a brief outage).',
              node.name,
            ),
      goOn,
    };
  }
  if (node.role === 'primary_master') {
    const secondaries = others.filter((n) => n.role === 'secondary_master');
    if (secondaries.length > 0) {
      return {
        kind: 'failover',
        question: verb,
        detail: t(
          '{0} is the primary master: {1} takes over the master lease; registration, shard changes and failover pause meanwhile.',
          node.name,
          secondaries.map((s) => s.name).join(', '),
        ),
        goOn,
      };
    }
    return {
      kind: 'outage',
      question: verb,
      detail: t(
        '{0} is the primary master and no other master runs: registration, shard changes and failover are unavailable until it is back (traffic keeps flowing).',
        node.name,
      ),
      goOn,
    };
  }
  return undefined;
}

/** How long the user's own action keeps its consequences quiet: the stop itself, then a failover. */
export function expectedQuietMs(
  impact: ActionImpact | undefined,
  unhealthyIntervalS = DEFAULT_UNHEALTHY_INTERVAL_S,
): number {
  // A failover shows up after unhealthy_interval plus a heartbeat or two and a health poll.
  return impact ? (unhealthyIntervalS + 60) * 1000 : 30_000;
}
