import * as vscode from 'vscode';
import { spareCoreapps } from '../cluster/hostPlacement';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { type InventoryCluster, inventoryClusterFor } from './inventoryCluster';
import { pickCluster } from './pickCluster';

/**
 * "WA Cluster: Add Coreapp": starts a declared coreapp that does not run yet (a spare for high
 * availability: with N shards, N + 1 coreapps let one fail without losing traffic).
 */
export async function addCoreapp(deps: Services, arg?: unknown): Promise<void> {
  const { sessions, compose } = deps;
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return;
  }
  const inventory = await inventoryClusterFor(deps, session);
  if (inventory) {
    try {
      await addCoreappOnHost(deps, session, inventory);
    } finally {
      await inventory.dispose();
    }
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

/** Add Coreapp across an inventory's hosts: a declared coreapp that does not run, started on its own host. */
async function addCoreappOnHost(
  { compose }: Services,
  session: ClusterSession,
  inventory: InventoryCluster,
): Promise<void> {
  const spares = spareCoreapps(inventory.hosts);
  if (spares.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Every coreapp of {0} runs already on its host. Add a host with a coreapp to {1} first.',
        session.cluster.projectName,
        vscode.workspace.asRelativePath(inventory.inventory.path),
      ),
    );
    return;
  }
  const picked =
    spares.length === 1
      ? spares[0]
      : (
          await vscode.window.showQuickPick(
            spares.map((x) => ({ label: x.service, description: x.host, x })),
            { title: vscode.l10n.t('Start which coreapp, on which host?') },
          )
        )?.x;
  if (!picked) {
    return;
  }
  await compose.runVisibly(
    session,
    await inventory.runner(picked.host),
    ['up', '-d', picked.service],
    vscode.l10n.t('Starting coreapp {0} on {1}…', picked.service, picked.host),
  );
  await session.monitor.refresh();
}
