import { type Services } from '../host/services';
import { runNodeAction } from './nodeAction';

/** "WA Cluster: Stop Node": stops one node (tree context menu, or a pick in the palette); see nodeAction.ts. */
export function stopNode(services: Services, arg?: unknown): Promise<void> {
  return runNodeAction(services, 'stop', arg);
}
