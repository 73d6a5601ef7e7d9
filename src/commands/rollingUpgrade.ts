import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { versionFromImage } from '../cluster/classify';
import { versionEnvFile } from '../cluster/hostPlacement';
import { checkTargetVersion, type UpgradeService } from '../cluster/upgradePlan';
import {
  planRollingUpgrade,
  rollingMissingImagesMessage,
  rollingTargetImages,
  type RollingHostInput,
} from '../cluster/rollingUpgradePlan';
import { runRollingUpgrade, type RollingUpgradePorts } from '../cluster/rollingUpgradeRunner';
import { nodeFileReader } from '../compose/nodeReader';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { systemClock } from '../util/abort';
import { backupCluster } from './backupCluster';
import { type InventoryCluster } from './inventoryCluster';

/**
 * "WA Cluster: Upgrade…" for a cluster an inventory spreads over hosts: asks for the version,
 * plans the rolling upgrade (cluster/rollingUpgradePlan.ts), refuses a version whose images a host
 * lacks, lints, confirms, takes the backup
 * (the Back Up command: its password and file are asked), and runs it host by host
 * (cluster/rollingUpgradeRunner.ts) under one cancellable progress. The end says which host is where.
 */
export async function rollingUpgrade(
  services: Services,
  session: ClusterSession,
  inventory: InventoryCluster,
  upgradeService: UpgradeService | undefined,
  options: { readonly version?: string; readonly timeoutMs?: number },
): Promise<void> {
  const t = vscode.l10n.t; // handed to the plan's wording; literals below call vscode.l10n.t, which l10n-export finds
  const hosts: RollingHostInput[] = inventory.hosts.map((h) => ({
    name: h.host,
    envFile: versionEnvFile(inventory.engines.host(h.host), nodeFileReader),
    running: h.declared.flatMap((d) => {
      const c = h.containers.find((x) => x.service === d.name && x.state === 'running');
      const version = c ? versionFromImage(c.image) : undefined;
      return c ? [{ service: d.name, kind: d.kind, ...(version ? { version } : {}) }] : [];
    }),
  }));
  const current = session.cluster.version;
  const version =
    options.version?.trim() ??
    (
      await vscode.window.showInputBox({
        title: vscode.l10n.t('Upgrade {0} host by host', session.cluster.projectName),
        prompt: vscode.l10n.t(
          'New WA_API_VERSION for every host of {0}, without the leading "v"',
          inventory.inventory.path,
        ),
        placeHolder: '2.53.2',
        ignoreFocusOut: true,
        validateInput: (v) => checkTargetVersion(v, undefined, t),
      })
    )?.trim();
  if (!version) {
    return;
  }
  const planned = planRollingUpgrade({ project: inventory.project, version, hosts, upgradeService }, t);
  if (!planned.ok) {
    throw new Error(planned.message);
  }
  const plan = planned.plan;
  // Every image a host needs must be on its engine before anything changes (Compose would try to pull it).
  const needs = rollingTargetImages(plan, (h) => inventory.engines.host(h), nodeFileReader, process.env);
  const local = new Map(
    await Promise.all(
      needs.map(async ({ host }) => {
        try {
          return [host, await inventory.engines.docker(host).listImages()] as const;
        } catch (err) {
          services.log.warn(`list images on ${host}: ${err instanceof Error ? err.message : String(err)}`);
          return [host, undefined] as const;
        }
      }),
    ),
  );
  const refused = rollingMissingImagesMessage(version, needs, (h) => local.get(h), t);
  if (refused) {
    throw new Error(refused);
  }
  if (!(await services.compose.checkBeforeRun(session, vscode.l10n.t('Upgrade')))) {
    return;
  }
  // Enter (the first button) does nothing: upgrading every host is always an explicit choice. The
  // plan takes the backup itself, so there is no "Back Up and Upgrade" here.
  const notNow = vscode.l10n.t('Not Now');
  const go = vscode.l10n.t('Upgrade');
  const answer = await vscode.window.showWarningMessage(
    plan.question,
    { modal: true, detail: plan.detail },
    notNow,
    go,
  );
  if (answer !== go) {
    return;
  }
  services.log.info(`rolling upgrade of ${inventory.project} from ${current ?? '?'} to ${version}`);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: plan.question.replace(/\?$/, '…'), cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      const ports: RollingUpgradePorts = {
        backup: async () => {
          const file = await backupCluster(services, { cluster: session.cluster.id });
          if (!file) {
            throw new Error(vscode.l10n.t('the backup was cancelled'));
          }
          return file;
        },
        compose: async (host, sub, o) =>
          services.compose.runVisibly(session, await inventory.runner(host, o.files), sub, o.title, { env: o.env }),
        docker: (host) => inventory.engines.docker(host),
        health: async (signal) => (session.api ? session.api.health({ signal }).catch(() => undefined) : undefined),
        readEnv: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : ''),
        writeEnv: (f, text) => fs.writeFileSync(f, text),
        ui: {
          log: (line) => {
            services.compose.append(line);
            progress.report({ message: line.replace(/^# /, '').slice(0, 120) });
          },
        },
        clock: systemClock,
      };
      try {
        return await runRollingUpgrade(plan, ports, t, {
          signal: controller.signal,
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  await services.sessions.rediscover();
  if (outcome.ok) {
    void vscode.window.showInformationMessage(outcome.message);
  } else {
    void vscode.window.showErrorMessage(outcome.message, { modal: true });
  }
}
