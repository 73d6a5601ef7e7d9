import * as vscode from 'vscode';
import { downArgs } from '../cluster/downPlan';
import { type Services } from '../host/services';
import { confirmDestroy } from './confirmDestroy';
import { downRuns } from '../cluster/hostPlacement';
import { inventoryClusterFor } from './inventoryCluster';
import { isOptionsArg, pickCluster } from './pickCluster';

/** What a script, task or test may pass instead of answering the prompts (deleting volumes always asks). */
interface DownOptions {
  readonly cluster?: string;
  readonly volumes?: boolean;
}

/**
 * "WA Cluster: Down": `docker-compose down --remove-orphans` (the DB upgrade container goes too),
 * keeping the data; with "delete volumes" also the database and media volumes, after a modal
 * that names what is lost, offers Back Up first, and the project name typed.
 */
export async function clusterDown(services: Services, arg?: unknown): Promise<void> {
  const { sessions, compose } = services;
  const options = isOptionsArg<DownOptions>(arg, ['volumes', 'cluster']) ? arg : undefined;
  const session = await pickCluster(sessions, options?.cluster ?? arg);
  if (!session) {
    return;
  }
  let volumes = options?.volumes;
  if (volumes === undefined) {
    const keep = {
      label: vscode.l10n.t('Stop and remove the containers'),
      detail: vscode.l10n.t('The database and media volumes stay: "Up" brings the cluster back as it was.'),
      volumes: false,
    };
    const wipe = {
      label: vscode.l10n.t('Stop, remove the containers and DELETE the volumes'),
      detail: vscode.l10n.t('The registration, shards, messages and media are lost.'),
      volumes: true,
    };
    const picked = await vscode.window.showQuickPick([keep, wipe], {
      title: vscode.l10n.t('Take {0} down', session.cluster.projectName),
      ignoreFocusOut: true,
    });
    if (!picked) {
      return;
    }
    volumes = picked.volumes;
  }
  if (
    volumes &&
    !(await confirmDestroy(services, session, {
      question: vscode.l10n.t('Delete every volume of {0}?', session.cluster.projectName),
      detail: vscode.l10n.t(
        'This runs "down -v": the database (registration, shards, settings) and the media volume are deleted for good. Back up first if you may need them.',
      ),
      proceed: vscode.l10n.t('Delete Without Backup'),
    }))
  ) {
    return;
  }
  const sub = downArgs({ volumes });
  const inventory = await inventoryClusterFor(services, session);
  if (inventory) {
    // Every host of the inventory on its own engine, the database's host last.
    try {
      for (const run of downRuns(inventory.hosts)) {
        await compose.runVisibly(
          session,
          await inventory.runner(run.host),
          sub,
          vscode.l10n.t('Taking {0} down on {1}…', session.cluster.projectName, run.host),
        );
      }
    } finally {
      await inventory.dispose();
    }
    await session.monitor.refresh();
    return;
  }
  const runner = await compose.runnerFor(session);
  await compose.runVisibly(
    session,
    runner,
    sub,
    volumes
      ? vscode.l10n.t('Taking {0} down and deleting its volumes…', session.cluster.projectName)
      : vscode.l10n.t('Taking {0} down (data kept)…', session.cluster.projectName),
  );
  await session.monitor.refresh();
}
