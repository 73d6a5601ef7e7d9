import * as vscode from 'vscode';

/** The extension's one log channel ("WA Cluster" in the Output view, with levels). */
export function createLogger(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(vscode.l10n.t('WA Cluster'), { log: true });
}
