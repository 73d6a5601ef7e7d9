import type { ClusterSessions } from '../host/clusterSessions';

/** "WA Cluster: Refresh": re-reads the workspace's compose files and every cluster's state now. */
export function refresh(sessions: ClusterSessions): Promise<void> {
  return sessions.refresh();
}
