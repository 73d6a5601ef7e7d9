import * as vscode from 'vscode';
import { type Services } from '../host/services';
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
export async function clusterUp({ sessions, compose }: Services, arg?: unknown): Promise<void> {
  const options = isOptionsArg<UpOptions>(arg, ['services', 'cluster']) ? arg : undefined;
  const session = await pickCluster(sessions, options?.cluster ?? arg);
  if (!session) {
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
