import * as vscode from 'vscode';
import { Commands, Views } from './constants';
import { createLogger } from './host/logger';
import { registerCommand } from './host/registerCommand';
import { ClusterTreeProvider } from './views/clusterTreeProvider';
import { refresh } from './commands/refresh';
import { showLog } from './commands/showLog';
import { registerComposeDiagnostics } from './diagnostics/composeDiagnostics';

/** Internals handed to the extension-host tests only (returned when running in test mode). */
export interface TestApi {
  readonly tree: ClusterTreeProvider;
}

export function activate(context: vscode.ExtensionContext): TestApi | undefined {
  const log = createLogger();
  const tree = new ClusterTreeProvider();
  const treeView = vscode.window.createTreeView(Views.nodes, { treeDataProvider: tree, showCollapseAll: true });
  const composeWatcher = vscode.workspace.createFileSystemWatcher('**/*compose*.{yml,yaml}');

  context.subscriptions.push(
    log,
    tree,
    treeView,
    composeWatcher,
    composeWatcher.onDidCreate(() => tree.refresh()),
    composeWatcher.onDidDelete(() => tree.refresh()),
    registerCommand(Commands.refresh, log, () => refresh(tree)),
    registerCommand(Commands.showLog, log, () => showLog(log)),
    registerComposeDiagnostics(context, log),
  );
  log.info(`activated (${String((context.extension.packageJSON as { version?: unknown }).version)})`);

  return context.extensionMode === vscode.ExtensionMode.Test ? { tree } : undefined;
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
