import * as vscode from 'vscode';
import { rawInspector } from './cluster/rawInspect';
import { refresh } from './commands/refresh';
import { registerLogCommands, type LogCommands } from './commands/registerLogCommands';
import { showLog } from './commands/showLog';
import { registerComposeDiagnostics } from './diagnostics/composeDiagnostics';
import { addCoreapp } from './commands/addCoreapp';
import { upgradeCluster } from './commands/upgradeCluster';
import { clusterDown } from './commands/clusterDown';
import { clusterUp } from './commands/clusterUp';
import { newCluster } from './commands/newCluster';
import { registerNumber } from './commands/registerNumber';
import { setShards } from './commands/setShards';
import { backupCluster } from './commands/backupCluster';
import { restoreCluster } from './commands/restoreCluster';
import { signIn } from './commands/signIn';
import { signOut } from './commands/signOut';
import { SettingsStore } from './config/settings';
import { Commands, Views } from './constants';
import { DockerodeClient } from './docker/client';
import { ApiAccess } from './host/apiAccess';
import { ClusterNotifier } from './host/clusterNotifier';
import { ClusterSessions } from './host/clusterSessions';
import { createLogger } from './host/logger';
import { registerCommand } from './host/registerCommand';
import { disposeComposeOutput } from './host/runCompose';
import { ClusterTreeProvider } from './views/clusterTreeProvider';
import { ClusterStatusBar } from './views/statusBar';

/** Internals handed to the extension-host tests only (returned when running in test mode). */
export interface TestApi {
  readonly sessions: ClusterSessions;
  readonly tree: ClusterTreeProvider;
  readonly treeView: vscode.TreeView<unknown>;
  readonly statusBar: ClusterStatusBar;
  readonly notifier: ClusterNotifier;
  readonly logs: LogCommands;
  readonly access: ApiAccess;
}

/** Settings whose change needs new connections (Docker endpoint, API, project layout). */
const RECONNECT_SETTINGS = ['waCluster.compose', 'waCluster.docker', 'waCluster.api'];

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = createLogger();
  const settings = new SettingsStore(log);
  const access = new ApiAccess(context.secrets, context.globalState);
  const sessions = new ClusterSessions(settings, access, log);
  const tree = new ClusterTreeProvider(sessions);
  const treeView = vscode.window.createTreeView(Views.nodes, { treeDataProvider: tree, showCollapseAll: true });
  const statusBar = new ClusterStatusBar(sessions);
  const notifier = new ClusterNotifier(sessions, settings, log);
  const version = String((context.extension.packageJSON as { version?: unknown }).version);
  const logs = registerLogCommands({
    log,
    extensionVersion: version,
    clusters: () =>
      sessions.all.map((s) => {
        const docker = sessions.dockerPort;
        return {
          project: s.cluster.projectName,
          docker,
          snapshot: s.snapshot,
          api: s.api,
          compose: sessions.composeRunner(s),
          inspectRaw: docker instanceof DockerodeClient ? rawInspector(docker.resolved) : undefined,
          folder: vscode.Uri.file(s.cluster.dir),
        };
      }),
    knownSecrets: async (project) => {
      const s = sessions.all.find((x) => x.cluster.projectName === project);
      const password = s ? await access.password(s.apiUrl, settings.value.apiUser) : undefined;
      return password ? [password] : [];
    },
  });

  // Monitors poll only while someone can see the result: the view, or a focused window (status bar).
  const updateActivity = () => sessions.setActive(treeView.visible || vscode.window.state.focused);
  let rediscoverTimer: NodeJS.Timeout | undefined;
  const rediscoverSoon = () => {
    clearTimeout(rediscoverTimer);
    rediscoverTimer = setTimeout(() => void sessions.rediscover(), 300);
  };
  const composeWatcher = vscode.workspace.createFileSystemWatcher('**/{*compose*.{yml,yaml},.env,*.env}');

  context.subscriptions.push(
    log,
    settings,
    sessions,
    tree,
    treeView,
    statusBar,
    notifier,
    logs,
    composeWatcher,
    composeWatcher.onDidCreate(rediscoverSoon),
    composeWatcher.onDidChange(rediscoverSoon),
    composeWatcher.onDidDelete(rediscoverSoon),
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
    registerCommand(Commands.refresh, log, () => refresh(sessions)),
    registerCommand(Commands.showLog, log, () => showLog(log)),
    registerComposeDiagnostics(context, log),
    registerCommand(Commands.signIn, log, (arg) => signIn(sessions, access, settings, log, arg)),
    registerCommand(Commands.signOut, log, (arg) => signOut(sessions, access, settings, arg)),
    registerCommand(Commands.newCluster, log, (arg) => newCluster(arg)),
    registerCommand(Commands.up, log, (arg) => clusterUp(sessions, arg)),
    registerCommand(Commands.down, log, (arg) => clusterDown(sessions, arg)),
    registerCommand(Commands.addCoreapp, log, (arg) => addCoreapp(sessions, arg)),
    registerCommand(Commands.upgrade, log, (arg) => upgradeCluster(sessions, arg)),
    registerCommand(Commands.registerNumber, log, (arg) => registerNumber(sessions, access, arg)),
    registerCommand(Commands.setShards, log, (arg) => setShards(sessions, access, arg)),
    registerCommand(Commands.backup, log, (arg) => backupCluster(sessions, log, arg)),
    registerCommand(Commands.restore, log, (arg) => restoreCluster(sessions, log, arg)),
    { dispose: disposeComposeOutput },
    registerCommand(Commands.focusExplorer, log, () => vscode.commands.executeCommand(`${Views.nodes}.focus`)),
  );
  void sessions.rediscover().then(updateActivity);
  log.info(`activated (${version})`);

  return context.extensionMode === vscode.ExtensionMode.Test ? { sessions, tree, treeView, statusBar, notifier, logs, access } : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
