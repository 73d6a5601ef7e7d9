import * as vscode from 'vscode';
import { type WaApiClient } from '../api/client';
import { type ClusterSession, type ClusterSessions } from '../host/clusterSessions';

/**
 * Whether a command's argument is the options object a script, task or test passes (it has one of
 * `keys`) rather than a tree element (which has a `kind`).
 */
export function isOptionsArg<T extends object>(arg: unknown, keys: readonly (keyof T & string)[]): arg is T {
  return typeof arg === 'object' && arg !== null && keys.some((k) => k in arg) && !('kind' in arg);
}

/**
 * The cluster a command acts on: the one passed by the tree (its id, or a tree element that knows
 * its session), the only one, or the user's pick. Undefined when the user cancels or none exists.
 */
export async function pickCluster(sessions: ClusterSessions, arg: unknown): Promise<ClusterSession | undefined> {
  if (typeof arg === 'string') {
    const byId = sessions.get(arg);
    if (byId) {
      return byId;
    }
  }
  if (typeof arg === 'object' && arg !== null && 'session' in arg) {
    const s = arg.session;
    if (s && typeof s === 'object' && 'cluster' in s) {
      return s as ClusterSession;
    }
  }
  if (typeof arg === 'object' && arg !== null && 'parent' in arg) {
    return pickCluster(sessions, arg.parent);
  }
  const all = sessions.all;
  if (all.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No WhatsApp Business API cluster was found in this workspace.'),
    );
    return undefined;
  }
  if (all.length === 1) {
    return all[0];
  }
  const picked = await vscode.window.showQuickPick(
    all.map((s) => ({
      label: s.cluster.projectName,
      description: s.cluster.files.map((f) => vscode.workspace.asRelativePath(f)).join(', '),
      session: s,
    })),
    { placeHolder: vscode.l10n.t('Which cluster?') },
  );
  return picked?.session;
}

/** {@link pickCluster} for commands that need the API: throws a clear message when not signed in. */
export async function pickSignedInCluster(
  sessions: ClusterSessions,
  arg: unknown,
): Promise<{ session: ClusterSession; api: WaApiClient } | undefined> {
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return undefined;
  }
  if (!session.api) {
    throw new Error(vscode.l10n.t('Sign in to {0} first (WA Cluster: Sign In).', session.apiUrl));
  }
  return { session, api: session.api };
}
