import * as vscode from 'vscode';
import { planAddCoreapp } from '../cluster/addCoreappPlan';
import { nodeFileReader } from '../compose/nodeReader';
import { spareCoreapps } from '../cluster/hostPlacement';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { type InventoryCluster, inventoryClusterFor } from './inventoryCluster';
import { pickCluster } from './pickCluster';

/** The compose files' text as the editor has it (unsaved changes included). */
async function composeTexts(session: ClusterSession): Promise<{ path: string; text: string }[]> {
  return Promise.all(
    session.cluster.files.map(async (path) => ({
      path,
      text: (await vscode.workspace.openTextDocument(vscode.Uri.file(path))).getText(),
    })),
  );
}

/**
 * Every declared coreapp runs: offers to add the next `wacoreN` to the compose file (a copy of
 * the last coreapp with its own name and COREAPP_HOSTNAME, cluster/addCoreappPlan.ts), as one
 * undoable edit that is saved. Resolves with the new service's name, or undefined.
 */
async function addToComposeFile(services: Services, session: ClusterSession): Promise<string | undefined> {
  const project = session.cluster.projectName;
  const s = services.settings.value;
  const plan = planAddCoreapp(
    {
      files: await composeTexts(session),
      envFile: session.cluster.envFile,
      env: process.env,
      reader: nodeFileReader,
      rules: s.lintRules,
    },
    vscode.l10n.t,
  );
  const open = vscode.l10n.t('Open Compose File');
  if (!plan.ok) {
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Every coreapp of {0} runs already, and no new one can be added for you: {1}',
        project,
        plan.reason,
      ),
      open,
    );
    if (answer === open && session.cluster.files[0]) {
      await vscode.window.showTextDocument(vscode.Uri.file(session.cluster.files[0]));
    }
    return undefined;
  }
  const add = vscode.l10n.t('Add and Start {0}', plan.service);
  const file = vscode.workspace.asRelativePath(plan.file);
  const answer = await vscode.window.showInformationMessage(
    vscode.l10n.t('Every coreapp of {0} runs. Add {1} to {2} and start it?', project, plan.service, file),
    {
      modal: true,
      detail: vscode.l10n.t(
        '{0} is a copy of {1} (same image, environment, volumes and dependencies) with its own COREAPP_HOSTNAME "{2}". A running spare coreapp lets a shard owner fail without losing traffic.',
        plan.service,
        plan.template,
        plan.hostname,
      ),
    },
    add,
    open,
  );
  if (answer === open) {
    await vscode.window.showTextDocument(vscode.Uri.file(plan.file));
    return undefined;
  }
  if (answer !== add) {
    return undefined;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(plan.file));
  const edit = new vscode.WorkspaceEdit();
  edit.insert(doc.uri, doc.positionAt(plan.insertAt), plan.inserted);
  if (!(await vscode.workspace.applyEdit(edit)) || !(await doc.save())) {
    throw new Error(vscode.l10n.t('{0} could not be changed: nothing was started.', file));
  }
  services.log.info(`${project}: added ${plan.service} (a copy of ${plan.template}) to ${file}`);
  // The cluster's declared services now include the new one.
  await services.sessions.rediscover();
  return plan.service;
}

/**
 * "WA Cluster: Add Coreapp": starts a declared coreapp that does not run yet (a spare for high
 * availability: with N shards, N + 1 coreapps let one fail without losing traffic); when every
 * declared coreapp runs, offers to add the next one to the compose file and start it.
 */
export async function addCoreapp(services: Services, arg?: unknown): Promise<void> {
  const { sessions, compose } = services;
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return;
  }
  const inventory = await inventoryClusterFor(services, session);
  if (inventory) {
    try {
      await addCoreappOnHost(services, session, inventory);
    } finally {
      await inventory.dispose();
    }
    return;
  }
  const running = new Set(
    (session.snapshot?.nodes ?? []).filter((n) => n.container?.state === 'running').map((n) => n.service ?? n.name),
  );
  const idle = session.cluster.declared.filter((d) => d.kind === 'coreapp' && !running.has(d.name));
  const service =
    idle.length === 0
      ? await addToComposeFile(services, session)
      : idle.length === 1
        ? idle[0]!.name
        : await vscode.window.showQuickPick(
            idle.map((d) => d.name),
            { title: vscode.l10n.t('Start which coreapp?') },
          );
  if (!service) {
    return;
  }
  const current = sessions.get(session.cluster.id) ?? session;
  const runner = await compose.runnerFor(current);
  await compose.runVisibly(current, runner, ['up', '-d', service], vscode.l10n.t('Starting coreapp {0}…', service));
  await current.monitor.refresh();
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
