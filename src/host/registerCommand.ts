import * as vscode from 'vscode';
import { TRUSTED_ONLY_COMMANDS } from '../constants';

/**
 * Registers a command through the one wrapper every command uses: cancellation stays silent,
 * any other failure is logged with its stack and shown once with a "Show Extension Log" action. In an
 * untrusted workspace the commands of {@link TRUSTED_ONLY_COMMANDS} refuse before doing anything.
 */
export function registerCommand(
  id: string,
  log: vscode.LogOutputChannel,
  handler: (...args: unknown[]) => unknown,
): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    if (!vscode.workspace.isTrusted && TRUSTED_ONLY_COMMANDS.includes(id)) {
      log.warn(`${id} refused: the workspace is not trusted`);
      const manage = vscode.l10n.t('Manage Workspace Trust');
      // Not awaited: the refusal is immediate; the message stays until the user closes it.
      void vscode.window
        .showWarningMessage(
          vscode.l10n.t(
            'WA Cluster: this workspace is not trusted, so this command does not run (it would run Compose, start containers or send requests to the cluster). Trust the workspace to use it.',
          ),
          manage,
        )
        .then((choice) => {
          if (choice === manage) {
            void vscode.commands.executeCommand('workbench.trust.manage');
          }
        });
      return undefined;
    }
    try {
      return await handler(...args);
    } catch (err) {
      if (err instanceof vscode.CancellationError || (err instanceof Error && err.name === 'AbortError')) {
        return undefined;
      }
      log.error(`${id} failed:`, err);
      const showLog = vscode.l10n.t('Show Extension Log');
      const reason = err instanceof Error ? err.message : String(err);
      const choice = await vscode.window.showErrorMessage(vscode.l10n.t('WA Cluster: {0}', reason), showLog);
      if (choice === showLog) {
        log.show();
      }
      return undefined;
    }
  });
}
