import * as vscode from 'vscode';
import { type Services } from '../host/services';
import { HealthDocumentProvider } from '../views/healthDocuments';
import { pickSignedInCluster } from './pickCluster';

/** The answer as sent, indented when it is JSON (only whitespace changes; every key and value stays). */
function readable(body: string): string {
  try {
    return `${JSON.stringify(JSON.parse(body), null, 2)}\n`;
  } catch {
    return body;
  }
}

/**
 * "WA Cluster: Show Health": the cluster's raw `GET /v1/health` answer (every node key, role,
 * gateway status and error exactly as the web sent them, not the parsed form the tree shows) in
 * a read-only JSON editor.
 */
export async function showHealth(
  { sessions }: Services,
  documents: HealthDocumentProvider,
  arg?: unknown,
): Promise<void> {
  const picked = await pickSignedInCluster(sessions, arg);
  if (!picked) {
    return;
  }
  const answer = await picked.api.healthVerbatim();
  const project = picked.session.cluster.projectName;
  const text =
    answer.status >= 200 && answer.status < 300
      ? readable(answer.body)
      : readable(answer.body) || vscode.l10n.t('HTTP {0} with an empty body', answer.status);
  await documents.show(HealthDocumentProvider.uriOf(project), text);
}
