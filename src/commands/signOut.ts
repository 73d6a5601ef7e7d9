import * as vscode from 'vscode';
import { type Services } from '../host/services';
import { pickCluster } from './pickCluster';

/** "WA Cluster: Sign Out": forgets the stored password of a cluster's API (and its session). */
export async function signOut({ sessions, access, settings }: Services, arg?: unknown): Promise<void> {
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return;
  }
  await session.api?.logout().catch(() => undefined);
  await access.forgetPassword(session.apiUrl, settings.value.apiUser);
  await sessions.reconnect();
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed out of {0}.', session.apiUrl));
}
