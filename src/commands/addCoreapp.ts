import * as vscode from 'vscode';
import { type Services } from '../host/services';
import { pickCluster } from './pickCluster';

/**
 * "WA Cluster: Add Coreapp": starts a declared coreapp that does not run yet (a spare for high
 * availability: with N shards, N + 1 coreapps let one fail without losing traffic).
 */
export async function addCoreapp({ sessions, compose }: Services, arg?: unknown): Promise<void> {
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return;
  }
  const running = new Set(
    (session.snapshot?.nodes ?? []).filter((n) => n.container?.state === 'running').map((n) => n.service ?? n.name),
  );
  const idle = session.cluster.declared.filter((d) => d.kind === 'coreapp' && !running.has(d.name));
  if (idle.length === 0) {
    const open = vscode.l10n.t('Open Compose File');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Every coreapp of {0} runs already. Add another coreapp service (a copy of the last one with its own name and COREAPP_HOSTNAME) to the compose file first.',
        session.cluster.projectName,
      ),
      open,
    );
    if (answer === open && session.cluster.files[0]) {
      await vscode.window.showTextDocument(vscode.Uri.file(session.cluster.files[0]));
    }
    return;
  }
  const service =
    idle.length === 1
      ? idle[0]!.name
      : await vscode.window.showQuickPick(
          idle.map((d) => d.name),
          { title: vscode.l10n.t('Start which coreapp?') },
        );
  if (!service) {
    return;
  }
  const runner = await compose.runnerFor(session);
  await compose.runVisibly(session, runner, ['up', '-d', service], vscode.l10n.t('Starting coreapp {0}…', service));
  await session.monitor.refresh();
}
