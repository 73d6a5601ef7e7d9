import * as vscode from 'vscode';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { confirmsName, safeFirst } from '../util/safeChoice';
import { backupCluster } from './backupCluster';

/**
 * The confirmation before data is destroyed (Down with volumes, Restore): a modal whose default
 * (Enter) is "Back Up First" (runs Back Up, then goes on), then the project name typed. Resolves
 * true only when the name was typed; a cancelled or failed backup stops here.
 */
export async function confirmDestroy(
  services: Services,
  session: ClusterSession,
  what: { readonly question: string; readonly detail: string; readonly proceed: string },
): Promise<boolean> {
  const project = session.cluster.projectName;
  const backUp = { title: vscode.l10n.t('Back Up First'), risky: false };
  const proceed = { title: what.proceed, risky: true };
  const answer = await vscode.window.showWarningMessage(
    what.question,
    { modal: true, detail: what.detail },
    ...safeFirst([backUp, proceed]),
  );
  if (answer?.title === backUp.title) {
    const file = await backupCluster(services, { cluster: session.cluster.id });
    if (!file) {
      return false;
    }
    services.log.info(`backed up ${project} to ${file} before: ${what.question}`);
  } else if (answer?.title !== proceed.title) {
    return false;
  }
  const typed = await vscode.window.showInputBox({
    title: what.question,
    prompt: vscode.l10n.t('Type the project name, {0}, to confirm. This cannot be undone.', project),
    placeHolder: project,
    ignoreFocusOut: true,
    validateInput: (v) =>
      confirmsName(v, project) ? undefined : vscode.l10n.t('Type {0} exactly to confirm', project),
  });
  return typed !== undefined && confirmsName(typed, project);
}
