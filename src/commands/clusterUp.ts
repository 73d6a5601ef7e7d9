import * as vscode from 'vscode';
import { upRuns } from '../cluster/hostPlacement';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { type InventoryCluster, inventoryClusterFor } from './inventoryCluster';
import { isOptionsArg, pickCluster } from './pickCluster';

/** What a script, task or test may pass instead of answering the prompts. */
interface UpOptions {
  readonly cluster?: string;
  readonly services?: readonly string[];
}

/**
 * "WA Cluster: Up": `docker-compose up -d` for the chosen services, by default the source
 * document's HA set (db, web, every master, two coreapps; further coreapps stay spares for "Add
 * Coreapp"). The compose files are linted first, always.
 */
export async function clusterUp(deps: Services, arg?: unknown): Promise<void> {
  const { sessions, compose } = deps;
  const options = isOptionsArg<UpOptions>(arg, ['services', 'cluster']) ? arg : undefined;
  const session = await pickCluster(sessions, options?.cluster ?? arg);
  if (!session) {
    return;
  }
  const inventory = await inventoryClusterFor(deps, session);
  if (inventory) {
    try {
      await upOnHosts(deps, session, inventory, options?.services);
    } finally {
      await inventory.dispose();
    }
    return;
  }
  let services = options?.services;
  if (!services) {
    const declared = session.cluster.declared.filter((d) => d.kind !== 'other' || !/upgrade/i.test(d.name));
    let coreapps = 0;
    const items = declared.map((d) => {
      const picked = d.kind !== 'coreapp' || ++coreapps <= 2;
      return { label: d.name, description: d.kind === 'other' ? '' : d.kind, picked };
    });
    const chosen = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: vscode.l10n.t('Start which services of {0}?', session.cluster.projectName),
      ignoreFocusOut: true,
    });
    if (!chosen || chosen.length === 0) {
      return;
    }
    services = chosen.map((c) => c.label);
  }
  // The gate runs for every Up, asked or scripted: lint errors are a question only the user answers.
  if (!(await compose.checkBeforeRun(session, vscode.l10n.t('Start')))) {
    return;
  }
  const runner = await compose.runnerFor(session);
  await compose.runVisibly(
    session,
    runner,
    ['up', '-d', ...services],
    vscode.l10n.t('Starting {0} of {1}…', services.join(', '), session.cluster.projectName),
  );
  await session.monitor.refresh();
}

/**
 * Up for a cluster an inventory spreads over hosts: each chosen service on its own host's engine,
 * the hosts without WhatsApp nodes (the database) first, then the masters' hosts, then the rest.
 * `named` (scripts) picks services by name on every host, or one host's as `host/service`.
 */
async function upOnHosts(
  { compose }: Services,
  session: ClusterSession,
  inventory: InventoryCluster,
  named: readonly string[] | undefined,
): Promise<void> {
  const all = upRuns(inventory.hosts).flatMap((r) => r.services.map((service) => ({ host: r.host, service })));
  let picked = named
    ? all.filter((x) => named.includes(x.service) || named.includes(`${x.host}/${x.service}`))
    : undefined;
  if (!picked) {
    const chosen = await vscode.window.showQuickPick(
      all.map((x) => ({ label: x.service, description: x.host, picked: true, x })),
      {
        canPickMany: true,
        title: vscode.l10n.t('Start which services of {0}, on their hosts?', session.cluster.projectName),
        ignoreFocusOut: true,
      },
    );
    if (!chosen || chosen.length === 0) {
      return;
    }
    picked = chosen.map((c) => c.x);
  }
  if (!(await compose.checkBeforeRun(session, vscode.l10n.t('Start')))) {
    return;
  }
  for (const run of upRuns(inventory.hosts, picked)) {
    await compose.runVisibly(
      session,
      await inventory.runner(run.host),
      ['up', '-d', ...run.services],
      vscode.l10n.t('Starting {0} on {1}…', run.services.join(', '), run.host),
    );
  }
  await session.monitor.refresh();
}
