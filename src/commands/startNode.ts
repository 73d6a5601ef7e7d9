import { type Services } from '../host/services';
import { runNodeAction } from './nodeAction';

/** "WA Cluster: Start Node": starts one node (tree context menu, or a pick in the palette); see nodeAction.ts. */
export function startNode(services: Services, arg?: unknown): Promise<void> {
  return runNodeAction(services, 'start', arg);
}
