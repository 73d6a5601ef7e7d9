import type { Services } from '../host/services';

/** "WA Cluster: Show Extension Log": reveals the extension's output channel. */
export function showLog({ log }: Services): void {
  log.show();
}
