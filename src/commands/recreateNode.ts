import { type Services } from '../host/services';
import { runNodeAction } from './nodeAction';

/** "WA Cluster: Recreate Node": recreates one node (tree context menu, or a pick in the palette); see nodeAction.ts. */
export function recreateNode(services: Services, arg?: unknown): Promise<void> {
  return runNodeAction(services, 'recreate', arg);
}
