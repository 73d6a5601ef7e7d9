import * as vscode from 'vscode';
import { type FollowNote, followContainer } from '../docker/follow';
import { LOG_SCHEME, type LogDocumentProvider, type LogSource } from '../views/logDocuments';
import { type LogCommandDeps, logUri, resolveNodeTarget } from './logTargets';

/** The words for what happened to a followed container (shared with Show Logs of All Nodes). */
export function followNoteText(note: FollowNote): string {
  switch (note) {
    case 'stopped':
      return vscode.l10n.t('--- the container stopped; waiting for it to start again ---');
    case 'running':
      return vscode.l10n.t('--- the container is running again ---');
    case 'recreated':
      return vscode.l10n.t(
        '--- the container was recreated (upgrade or changed configuration); following the new one ---',
      );
  }
}

/** "WA Cluster: Show Node Logs": follows one node's log in a read-only walog editor. */
export async function showNodeLogs(deps: LogCommandDeps, documents: LogDocumentProvider, arg?: unknown): Promise<void> {
  const target = await resolveNodeTarget(deps, arg);
  if (!target) {
    return;
  }
  const maxLines = deps.maxLines();
  const source: LogSource = {
    title: target.name,
    node: target.name,
    follow: (append, signal) =>
      followContainer(
        target.docker,
        target.containerId,
        maxLines,
        signal,
        (l) => append(l.text),
        (note) => append(`# ${followNoteText(note)}`),
      ).catch((e: unknown) => {
        if (!signal.aborted) {
          throw e;
        }
      }),
  };
  await documents.open(logUri(LOG_SCHEME, target.cluster.project, target.name), source, maxLines);
}
