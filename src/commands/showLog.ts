import type * as vscode from 'vscode';

/** "WA Cluster: Show Log": reveals the extension's output channel. */
export function showLog(log: vscode.LogOutputChannel): void {
  log.show();
}
