import type { Services } from '../host/services';

/** "WA Cluster: Refresh": re-reads the workspace's compose files and every cluster's state now. */
export function refresh({ sessions }: Services): Promise<void> {
  return sessions.refresh();
}
