import * as vscode from 'vscode';
import { Commands } from '../constants';
import { registerCommand } from '../host/registerCommand';
import { LogDocumentProvider } from '../views/logDocuments';
import { collectDiagnostics } from './collectDiagnostics';
import { type LogCommandDeps } from './logTargets';
import { showAllLogs } from './showAllLogs';
import { showNodeLogs } from './showNodeLogs';

export { type LogCluster, type LogCommandDeps, type NodeArg } from './logTargets';

export interface LogCommands extends vscode.Disposable {
  /** The followed log documents (exposed for the extension-host tests). */
  readonly documents: LogDocumentProvider;
}

/**
 * Registers "Show Logs" (one node, followed), "Show Logs of All Nodes" (interleaved) and
 * "Collect Diagnostics", and the `wa-cluster-logs:` document provider they use. Push the result
 * to `context.subscriptions`.
 */
export function registerLogCommands(deps: LogCommandDeps): LogCommands {
  const documents = new LogDocumentProvider(deps.log);
  const all = vscode.Disposable.from(
    documents,
    registerCommand(Commands.showLogs, deps.log, (arg) => showNodeLogs(deps, documents, arg)),
    registerCommand(Commands.showAllLogs, deps.log, (arg) => showAllLogs(deps, documents, arg)),
    registerCommand(Commands.collectDiagnostics, deps.log, (arg) => collectDiagnostics(deps, arg)),
  );
  return {
    documents,
    dispose: () => {
      all.dispose();
    },
  };
}
