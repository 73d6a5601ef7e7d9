/** Every id the extension contributes, in one place; a unit test checks it against package.json. */
export const EXTENSION_ID = 'wa-cluster.wa-cluster';

export const Commands = {
  refresh: 'waCluster.refresh',
  showLog: 'waCluster.showLog',
  signIn: 'waCluster.signIn',
  signOut: 'waCluster.signOut',
  focusExplorer: 'waCluster.focusExplorer',
  newCluster: 'waCluster.newCluster',
  up: 'waCluster.up',
  down: 'waCluster.down',
  addCoreapp: 'waCluster.addCoreapp',
  upgrade: 'waCluster.upgrade',
  registerNumber: 'waCluster.registerNumber',
  setShards: 'waCluster.setShards',
  backup: 'waCluster.backup',
  restore: 'waCluster.restore',
  showLogs: 'waCluster.logs.show',
  showAllLogs: 'waCluster.logs.showAll',
  collectDiagnostics: 'waCluster.diagnostics.collect',
  verifyCode: 'waCluster.verifyCode',
  startNode: 'waCluster.node.start',
  stopNode: 'waCluster.node.stop',
  restartNode: 'waCluster.node.restart',
  recreateNode: 'waCluster.node.recreate',
  showHealth: 'waCluster.showHealth',
  openComposeAt: 'waCluster.openComposeAt',
  filterLogs: 'waCluster.logs.filter',
} as const;

/**
 * Commands that run Compose, start containers or send API requests: hidden in an untrusted
 * workspace (package.json `isWorkspaceTrusted`) and refused if run anyway (a keybinding, a task).
 * The linter, logs, refresh and New Cluster (it only writes files the user chose) stay available.
 */
export const TRUSTED_ONLY_COMMANDS: readonly string[] = [
  Commands.signIn,
  Commands.up,
  Commands.down,
  Commands.addCoreapp,
  Commands.upgrade,
  Commands.registerNumber,
  Commands.setShards,
  Commands.backup,
  Commands.restore,
  Commands.collectDiagnostics,
  Commands.verifyCode,
  Commands.startNode,
  Commands.stopNode,
  Commands.restartNode,
  Commands.recreateNode,
  Commands.showHealth,
];

export const Views = {
  container: 'waCluster',
  nodes: 'waCluster.nodes',
} as const;

export const ContextKeys = {
  /** Drives the welcome views of the nodes view; one of the ViewStates of cluster/viewState.ts. */
  state: 'waCluster.state',
  /** Why Docker is unreachable (daemonDown, permissionDenied, unreachable, apiTooOld, other), for the welcome view. */
  dockerProblem: 'waCluster.dockerProblem',
} as const;

export const CONFIG_SECTION = 'waCluster';
