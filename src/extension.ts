import * as vscode from 'vscode';
import { refresh } from './commands/refresh';
import { collectDiagnostics } from './commands/collectDiagnostics';
import { showAllLogs } from './commands/showAllLogs';
import { filterLogs } from './commands/filterLogs';
import { showNodeLogs } from './commands/showNodeLogs';
import { showLog } from './commands/showLog';
import { registerComposeDiagnostics } from './diagnostics/composeDiagnostics';
import { addCoreapp } from './commands/addCoreapp';
import { reportInterruptedUpgrades, upgradeCluster } from './commands/upgradeCluster';
import { clusterDown } from './commands/clusterDown';
import { clusterUp } from './commands/clusterUp';
import { newCluster } from './commands/newCluster';
import { registerNumber } from './commands/registerNumber';
import { setShards } from './commands/setShards';
import { backupCluster } from './commands/backupCluster';
import { restoreCluster } from './commands/restoreCluster';
import { signIn } from './commands/signIn';
import { signOut } from './commands/signOut';
import { verifyCode } from './commands/verifyCode';
import { SettingsStore } from './config/settings';
import { Commands, Views } from './constants';
import { ApiAccess } from './host/apiAccess';
import { ClusterNotifier } from './host/clusterNotifier';
import { ClusterSessions } from './host/clusterSessions';
import { createLogger } from './host/logger';
import { registerCommand } from './host/registerCommand';
import { ComposeConsole } from './host/runCompose';
import { Services } from './host/services';
import { ClusterTreeProvider } from './views/clusterTreeProvider';
import { LogDocumentProvider } from './views/logDocuments';
import { ClusterStatusBar } from './views/statusBar';
import { startNode } from './commands/startNode';
import { stopNode } from './commands/stopNode';
import { restartNode } from './commands/restartNode';
import { recreateNode } from './commands/recreateNode';
import { showHealth } from './commands/showHealth';
import { openComposeAt } from './commands/openComposeAt';
import { HealthDocumentProvider } from './views/healthDocuments';
import { folderEventConcernsClusters } from './cluster/discovery';
import { isFolder } from './compose/nodeReader';

/** Internals handed to the extension-host tests only (returned when running in test mode). */
export interface TestApi {
  readonly sessions: ClusterSessions;
  readonly tree: ClusterTreeProvider;
  readonly treeView: vscode.TreeView<unknown>;
  readonly statusBar: ClusterStatusBar;
  readonly logDocuments: LogDocumentProvider;
  readonly access: ApiAccess;
}

/** Settings whose change needs new connections (Docker endpoint, API, project layout). */
const RECONNECT_SETTINGS = ['waCluster.compose', 'waCluster.docker', 'waCluster.api'];

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = createLogger();
  const settings = new SettingsStore(log);
  const access = new ApiAccess(context.secrets, context.globalState, settings);
  const sessions = new ClusterSessions(settings, access, log);
  const compose = new ComposeConsole(sessions, settings);
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  // The one wiring object every command gets.
  const services = new Services(log, settings, access, sessions, compose, context.workspaceState, version);
  const tree = new ClusterTreeProvider(sessions);
  const treeView = vscode.window.createTreeView(Views.nodes, { treeDataProvider: tree, showCollapseAll: true });
  const statusBar = new ClusterStatusBar(sessions);
  const notifier = new ClusterNotifier(sessions, settings, log);
  const logDocuments = new LogDocumentProvider(log);
  const healthDocuments = new HealthDocumentProvider();

  // Monitors poll only while someone can see the result: the view, or a focused window (status bar).
  const updateActivity = () => sessions.setActive(treeView.visible || vscode.window.state.focused);
  let rediscoverTimer: NodeJS.Timeout | undefined;
  const rediscoverSoon = () => {
    clearTimeout(rediscoverTimer);
    rediscoverTimer = setTimeout(() => void sessions.rediscover(), 300);
  };
  const composeWatcher = vscode.workspace.createFileSystemWatcher('**/{*compose*.{yml,yaml},.env,*.env}');
  const folderWatcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
  const onFolderEvent = (uri: vscode.Uri, created: boolean) => {
    const dirs = sessions.all.map((s) => s.cluster.dir);
    if (folderEventConcernsClusters(uri.fsPath, created && isFolder(uri.fsPath), dirs)) {
      rediscoverSoon();
    }
  };

  context.subscriptions.push(
    log,
    settings,
    sessions,
    tree,
    treeView,
    statusBar,
    notifier,
    compose,
    logDocuments,
    composeWatcher,
    composeWatcher.onDidCreate(rediscoverSoon),
    composeWatcher.onDidChange(rediscoverSoon),
    composeWatcher.onDidDelete(rediscoverSoon),
    folderWatcher,
    folderWatcher.onDidCreate((uri) => onFolderEvent(uri, true)),
    folderWatcher.onDidDelete((uri) => onFolderEvent(uri, false)),
    vscode.workspace.onDidChangeWorkspaceFolders(rediscoverSoon),
    treeView.onDidChangeVisibility(updateActivity),
    vscode.window.onDidChangeWindowState(updateActivity),
    settings.onDidChange(() => {
      for (const s of sessions.all) {
        s.monitor.setPollInterval(settings.value.pollIntervalSeconds * 1000);
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RECONNECT_SETTINGS.some((k) => e.affectsConfiguration(k))) {
        void sessions.reconnect();
      }
    }),
    { dispose: () => clearTimeout(rediscoverTimer) },
    registerCommand(Commands.refresh, log, () => refresh(services)),
    registerCommand(Commands.showLog, log, () => showLog(services)),
    registerComposeDiagnostics(context, log, settings),
    registerCommand(Commands.signIn, log, (arg) => signIn(services, arg)),
    registerCommand(Commands.signOut, log, (arg) => signOut(services, arg)),
    registerCommand(Commands.newCluster, log, (arg) => newCluster(arg)),
    registerCommand(Commands.up, log, (arg) => clusterUp(services, arg)),
    registerCommand(Commands.down, log, (arg) => clusterDown(services, arg)),
    registerCommand(Commands.addCoreapp, log, (arg) => addCoreapp(services, arg)),
    registerCommand(Commands.upgrade, log, (arg) => upgradeCluster(services, arg)),
    registerCommand(Commands.registerNumber, log, (arg) => registerNumber(services, arg)),
    registerCommand(Commands.setShards, log, (arg) => setShards(services, arg)),
    registerCommand(Commands.backup, log, (arg) => backupCluster(services, arg)),
    registerCommand(Commands.restore, log, (arg) => restoreCluster(services, arg)),
    registerCommand(Commands.showLogs, log, (arg) => showNodeLogs(services, logDocuments, arg)),
    registerCommand(Commands.showAllLogs, log, (arg) => showAllLogs(services, logDocuments, arg)),
    registerCommand(Commands.collectDiagnostics, log, (arg) => collectDiagnostics(services, arg)),
    registerCommand(Commands.verifyCode, log, (arg) => verifyCode(services, arg)),
    registerCommand(Commands.filterLogs, log, (arg) => filterLogs(logDocuments, arg)),
    registerCommand(Commands.focusExplorer, log, () => vscode.commands.executeCommand(`${Views.nodes}.focus`)),
    healthDocuments,
    registerCommand(Commands.startNode, log, (arg) => startNode(services, arg)),
    registerCommand(Commands.stopNode, log, (arg) => stopNode(services, arg)),
    registerCommand(Commands.restartNode, log, (arg) => restartNode(services, arg)),
    registerCommand(Commands.recreateNode, log, (arg) => recreateNode(services, arg)),
    registerCommand(Commands.showHealth, log, (arg) => showHealth(services, healthDocuments, arg)),
    registerCommand(Commands.openComposeAt, log, (cluster, service) => openComposeAt(services, cluster, service)),
  );
  // Discovery (a workspace search, a Compose CLI probe) starts once activate() has returned.
  // An interrupted upgrade is reported once the first discovery has made the Docker client (it looks at the DB upgrade container).
  const discovery = setImmediate(
    () =>
      void sessions
        .rediscover()
        .then(updateActivity)
        .finally(() => reportInterruptedUpgrades(services)),
  );
  context.subscriptions.push({ dispose: () => clearImmediate(discovery) });
  log.info(`activated (${version})`);

  return context.extensionMode === vscode.ExtensionMode.Test
    ? { sessions, tree, treeView, statusBar, logDocuments, access }
    : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
