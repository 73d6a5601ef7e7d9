import * as vscode from 'vscode';
import { composeLocation } from '../cluster/findingActions';
import { loadProject } from '../compose/project';
import { nodeFileReader } from '../compose/nodeReader';
import { type Services } from '../host/services';
import { pickCluster } from './pickCluster';

/**
 * Opens a cluster's compose file at a service's definition (a finding row's command: "absent
 * from /v1/health" opens the node's COREAPP_HOSTNAME, a version mismatch the file). Arguments:
 * the cluster id and the service (none: the first compose file at its top).
 */
export async function openComposeAt({ sessions }: Services, clusterArg?: unknown, service?: unknown): Promise<void> {
  const session = await pickCluster(sessions, clusterArg);
  if (!session) {
    return;
  }
  const files = session.cluster.files.map((path) => ({ path, text: nodeFileReader.read(path) ?? '' }));
  const project = loadProject({
    files,
    ...(session.cluster.envFile ? { envFile: session.cluster.envFile } : {}),
    env: process.env,
    reader: nodeFileReader,
  });
  const at = composeLocation(project, typeof service === 'string' ? service : undefined);
  if (!at) {
    return;
  }
  const position = new vscode.Position(at.line, at.column);
  await vscode.window.showTextDocument(vscode.Uri.file(at.file), { selection: new vscode.Range(position, position) });
}
