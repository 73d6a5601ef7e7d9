import { type Services } from '../host/services';
import { runNodeAction } from './nodeAction';

/** "WA Cluster: Restart Node": restarts one node (tree context menu, or a pick in the palette); see nodeAction.ts. */
export function restartNode(services: Services, arg?: unknown): Promise<void> {
  return runNodeAction(services, 'restart', arg);
}
