import * as vscode from 'vscode';

/**
 * Registers a command through the one wrapper every command uses: cancellation stays silent,
 * any other failure is logged with its stack and shown once with a "Show Log" action.
 */
export function registerCommand(
  id: string,
  log: vscode.LogOutputChannel,
  handler: (...args: unknown[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof vscode.CancellationError || (err instanceof Error && err.name === 'AbortError')) {
        return undefined;
      }
      log.error(`${id} failed:`, err);
      const showLog = vscode.l10n.t('Show Log');
      const reason = err instanceof Error ? err.message : String(err);
      const choice = await vscode.window.showErrorMessage(vscode.l10n.t('WA Cluster: {0}', reason), showLog);
      if (choice === showLog) {
        log.show();
      }
      return undefined;
    }
  });
}
