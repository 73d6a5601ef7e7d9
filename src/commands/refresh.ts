import type { ClusterTreeProvider } from '../views/clusterTreeProvider';

/** "WA Cluster: Refresh": re-reads the workspace and the cluster now. */
export function refresh(tree: ClusterTreeProvider): void {
  tree.refresh();
}
