import { type ContainerState } from './types';

/** Docker's zero time (`0001-01-01T00:00:00Z`) means "never": undefined. */
export function validTime(t: string | null | undefined): string | undefined {
  return t && !t.startsWith('0001-') ? t : undefined;
}

/** The short human status the model shows for a container (inspect has none of its own). */
export function statusText(state: ContainerState, startedAt: string | undefined, exitCode: number | undefined): string {
  if (state === 'running') {
    return validTime(startedAt) ? `Up since ${startedAt}` : 'Up';
  }
  if (state === 'exited') {
    return `Exited (${exitCode ?? '?'})`;
  }
  return state;
}
