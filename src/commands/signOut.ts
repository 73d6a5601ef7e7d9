import * as vscode from 'vscode';
import { type SettingsStore } from '../config/settings';
import { type ApiAccess } from '../host/apiAccess';
import { type ClusterSessions } from '../host/clusterSessions';
import { pickCluster } from './pickCluster';

/** "WA Cluster: Sign Out": forgets the stored password of a cluster's API (and its session). */
export async function signOut(sessions: ClusterSessions, access: ApiAccess, settings: SettingsStore, arg?: unknown): Promise<void> {
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return;
  }
  await session.api?.logout().catch(() => undefined);
  await access.forgetPassword(session.apiUrl, settings.value.apiUser);
  await sessions.reconnect();
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed out of {0}.', session.apiUrl));
}
