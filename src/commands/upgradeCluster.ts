import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DiscoveredCluster } from '../cluster/discovery';
import { type ClusterSnapshot } from '../cluster/types';
import {
  checkTargetVersion,
  imageRepository,
  imagesAtVersion,
  interruptedUpgradeMessage,
  localVersions,
  missingImages,
  missingImagesMessage,
  planUpgrade,
  possiblePaths,
  type LocalImage,
  type UpgradePath,
  type UpgradeService,
} from '../cluster/upgradePlan';
import {
  runUpgrade,
  UpgradeStopped,
  type UpgradeJournal,
  type UpgradeJournalEntry,
  type UpgradePorts,
} from '../cluster/upgradeRunner';
import { nodeFileReader } from '../compose/nodeReader';
import { loadProject } from '../compose/project';
import { WA_ROLES } from '../compose/roles';
import { ComposeError, ComposeRunner } from '../docker/compose';
import { composeFailureCause } from '../docker/composeFailure';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { systemClock } from '../util/abort';
import { backupCluster } from './backupCluster';
import { inventoryClusterFor } from './inventoryCluster';
import { isOptionsArg, pickCluster } from './pickCluster';
import { rollingUpgrade } from './rollingUpgrade';

/** What a script or task may pass instead of answering the prompts (the confirmation is always asked). */
interface UpgradeOptions {
  readonly cluster?: string;
  readonly version?: string;
  readonly path?: UpgradePath;
  /** How long to wait for the DB upgrade container and for the nodes on the new version (ms each). */
  readonly timeoutMs?: number;
}

/** Workspace-state key of the upgrades in progress (project → {@link UpgradeJournalEntry}). */
const JOURNAL_KEY = 'waCluster.upgradesInProgress';

/** The upgrades in progress, kept in workspace state so that one cut short by a reload or crash is found on the next start. */
export function upgradeJournal(state: vscode.Memento): UpgradeJournal & { entries(): UpgradeJournalEntry[] } {
  const read = () => state.get<Record<string, UpgradeJournalEntry>>(JOURNAL_KEY) ?? {};
  return {
    begin: (entry) => state.update(JOURNAL_KEY, { ...read(), [entry.project]: entry }),
    end: (project) => {
      const { [project]: _ended, ...rest } = read();
      return state.update(JOURNAL_KEY, rest);
    },
    entries: () => Object.values(read()),
  };
}

export function findUpgradeService(
  cluster: Pick<DiscoveredCluster, 'files' | 'dir' | 'envFile'>,
): UpgradeService | undefined {
  const load = (files: readonly string[]): string | undefined => {
    const texts = files.map((p) => ({ path: p, text: nodeFileReader.read(p) }));
    if (texts.some((t) => t.text === undefined)) {
      return undefined;
    }
    const project = loadProject({
      files: texts.map((t) => ({ path: t.path, text: t.text ?? '' })),
      reader: nodeFileReader,
      env: process.env,
      ...(cluster.envFile ? { envFile: cluster.envFile } : {}),
    });
    return [...project.services.values()].find((s) => s.role === 'dbupgrade')?.name;
  };
  const own = load(cluster.files);
  if (own) {
    return { service: own, files: cluster.files };
  }
  let names: string[];
  try {
    names = fs
      .readdirSync(cluster.dir)
      .filter((n) => /upgrade.*\.ya?ml$/i.test(n))
      .sort((a, b) => (a === 'dbupgrade-compose.yml' ? -1 : b === 'dbupgrade-compose.yml' ? 1 : a.localeCompare(b)));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(cluster.dir, name);
    if (cluster.files.includes(file)) {
      continue;
    }
    const service = load([file]);
    if (service) {
      return { service, files: [file] };
    }
  }
  return undefined;
}

/** The images the WhatsApp services (and the DB upgrade service) use with WA_API_VERSION=`version`, as Compose resolves them. */
function targetImages(
  cluster: Pick<DiscoveredCluster, 'files' | 'envFile'>,
  upgradeService: UpgradeService | undefined,
  version: string,
): string[] {
  return [cluster.files, upgradeService?.files ?? []].flatMap((files) =>
    imagesAtVersion(files, nodeFileReader, version, process.env, cluster.envFile)
      .filter((s) => WA_ROLES.includes(s.role))
      .map((s) => s.image),
  );
}

/**
 * Asks for the target version: the versions whose images are all on this engine, or any typed
 * one (checked as it is typed). No registry is asked for its tags.
 */
async function askVersion(
  project: string,
  current: string | undefined,
  offered: readonly string[],
): Promise<string | undefined> {
  const t = vscode.l10n.t;
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  pick.title = t('Upgrade {0}', project);
  pick.placeholder = current
    ? t('New WA_API_VERSION (now {0}), without the leading "v": pick a local one or type it', current)
    : t('New WA_API_VERSION, without the leading "v": pick a local one or type it');
  pick.ignoreFocusOut = true;
  const local = offered
    .filter((v) => v !== current)
    .map((v) => ({ label: v, description: t('images present locally') }));
  const update = () => {
    const typed = pick.value.trim();
    const problem = typed ? checkTargetVersion(typed, current, t) : undefined;
    const exact = local.some((i) => i.label === typed);
    pick.items = [
      ...(typed && !exact ? [{ label: typed, description: problem ?? t('typed'), alwaysShow: true }] : []),
      ...local,
    ];
  };
  update();
  return new Promise<string | undefined>((resolve) => {
    pick.onDidChangeValue(update);
    pick.onDidAccept(() => {
      const chosen = (pick.selectedItems[0]?.label ?? pick.value).trim();
      if (!chosen || checkTargetVersion(chosen, current, t) !== undefined) {
        return; // the item says why; the picker stays open
      }
      resolve(chosen);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** A snapshot now, and the version /v1/health reports (undefined when it does not answer). */
async function observe(
  session: ClusterSession,
  signal: AbortSignal,
): Promise<{ snapshot: ClusterSnapshot; apiVersion: string | undefined }> {
  const snapshot = await session.monitor.refresh();
  let apiVersion: string | undefined;
  if (session.api) {
    try {
      apiVersion = (await session.api.health({ signal })).version?.replace(/^v/, '');
    } catch {
      // Not answering while the nodes restart is expected: the next look asks again (unless cancelled).
      signal.throwIfAborted();
    }
  }
  return { snapshot, apiVersion };
}

/** The runner's ports in the editor: Compose and waits in the "WA Cluster: Compose" channel, progress notifications, the .env on disk. */
function editorPorts(services: Services, session: ClusterSession): UpgradePorts {
  const { compose, sessions } = services;
  const c = session.cluster;
  return {
    docker: services.docker,
    compose: async (sub, opts) => {
      const base = await compose.runnerFor(session);
      const runner = opts.files
        ? new ComposeRunner(base.command, {
            files: opts.files,
            projectName: c.projectName,
            projectDirectory: c.dir,
            envFiles: c.envFile ? [c.envFile] : [],
          })
        : base;
      await compose.runVisibly(session, runner, sub, opts.title, { env: opts.env });
    },
    ui: {
      progress: (title, work) =>
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title, cancellable: true },
          async (progress, token) => {
            const controller = new AbortController();
            const cancel = token.onCancellationRequested(() => controller.abort());
            try {
              return await work(controller.signal, (message) => progress.report({ message }));
            } finally {
              cancel.dispose();
            }
          },
        ),
      log: (line) => compose.append(line),
    },
    readEnv: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''),
    writeEnv: (file, text) => fs.writeFileSync(file, text),
    observe: (signal) => observe(session, signal),
    expectChanges: (ms, names) => sessions.expectChanges(session, ms, names),
    journal: upgradeJournal(services.workspaceState),
    clock: systemClock,
  };
}

/**
 * "WA Cluster: Upgrade…" (walkthrough steps 13–14): asks for the version and the path, plans the
 * upgrade (cluster/upgradePlan.ts: every reason to stop before anything changes), lints the
 * compose files, confirms, and runs the plan (cluster/upgradeRunner.ts). Volumes are never deleted.
 */
export async function upgradeCluster(services: Services, arg?: unknown): Promise<void> {
  const t = vscode.l10n.t;
  const options = isOptionsArg<UpgradeOptions>(arg, ['version', 'path']) ? arg : undefined;
  const session = await pickCluster(services.sessions, options?.cluster ?? arg);
  if (!session) {
    return;
  }
  const inventory = await inventoryClusterFor(services, session);
  if (inventory) {
    try {
      await rollingUpgrade(
        services,
        session,
        inventory,
        findUpgradeService({ files: [], dir: inventory.inventory.dir, envFile: undefined }),
        options ?? {},
      );
    } finally {
      await inventory.dispose();
    }
    return;
  }
  const c = session.cluster;
  const current = c.version;
  const docker = services.docker;
  let images: LocalImage[] | undefined;
  try {
    images = docker ? await docker.listImages() : undefined;
  } catch (err) {
    services.log.warn(`list images: ${err instanceof Error ? err.message : String(err)}`);
  }
  let version = options?.version?.trim();
  if (version === undefined) {
    const repos = c.declared
      .filter((d) => d.kind === 'web' || d.kind === 'master' || d.kind === 'coreapp')
      .map((d) => (d.image ? imageRepository(d.image) : undefined))
      .filter((r): r is string => r !== undefined);
    version = await askVersion(c.projectName, current, localVersions(repos, images ?? []));
    if (!version) {
      return;
    }
  }

  const upgradeService = findUpgradeService(c);
  let chosen = options?.path;
  if (!chosen && checkTargetVersion(version, current, t) === undefined) {
    const choices = possiblePaths(upgradeService, version).map((p) =>
      p === 'dbupgrade'
        ? {
            label: vscode.l10n.t('With the DB upgrade service'),
            detail: vscode.l10n.t(
              'Runs {0} ({1}) with {2} and waits for it to exit with 0, then restarts the nodes on {2}. For MySQL, from v2.23 on; recommended for large databases.',
              upgradeService!.service,
              upgradeService!.files.map((f) => path.basename(f)).join(', '),
              version,
            ),
            path: p,
          }
        : {
            label: vscode.l10n.t('With downtime'),
            detail: vscode.l10n.t(
              'Restarts the nodes on {0}; the primary master migrates the database while the nodes wait as "uninitialized".',
              version,
            ),
            path: p,
          },
    );
    const picked = await vscode.window.showQuickPick(choices, {
      title: vscode.l10n.t('Upgrade {0} to {1}', c.projectName, version),
      ignoreFocusOut: true,
    });
    if (!picked) {
      return;
    }
    chosen = picked.path;
  }

  const envFile = c.envFile ?? path.join(c.dir, '.env');
  const planned = planUpgrade(
    {
      project: c.projectName,
      current,
      version,
      path: chosen ?? 'downtime',
      upgradeService,
      declared: c.declared,
      snapshot: await session.monitor.refresh(),
      envFile,
      envFileLabel: vscode.workspace.asRelativePath(envFile),
      fileLabel: (f) => path.basename(f),
      clusterFiles: c.files,
    },
    t,
  );
  if (!planned.ok) {
    throw new Error(planned.message);
  }
  const plan = planned.plan;
  // Every image of the target must be here before anything changes (Compose would try to pull it).
  if (images) {
    const refused = missingImagesMessage(version, missingImages(targetImages(c, upgradeService, version), images), t);
    if (refused) {
      throw new Error(refused);
    }
  }
  if (!(await services.compose.checkBeforeRun(session, vscode.l10n.t('Upgrade')))) {
    return;
  }
  // Enter (the first button) does nothing: upgrading is always an explicit choice.
  const notNow: vscode.MessageItem = { title: vscode.l10n.t('Not Now') };
  const backUp: vscode.MessageItem = { title: vscode.l10n.t('Back Up and Upgrade') };
  const go: vscode.MessageItem = { title: vscode.l10n.t('Upgrade') };
  const answer = await vscode.window.showWarningMessage(
    plan.question,
    { modal: true, detail: plan.detail },
    notNow,
    backUp,
    go,
  );
  if (answer === backUp) {
    const file = await backupCluster(services, { cluster: c.id });
    if (!file) {
      return; // cancelled or failed: Back Up has said why; nothing was changed
    }
    services.log.info(`backed up ${c.projectName} to ${file} before upgrading to ${version}`);
  } else if (answer !== go) {
    return;
  }
  let outcome;
  try {
    outcome = await runUpgrade(
      plan,
      editorPorts(services, session),
      t,
      options?.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {},
    );
  } catch (err) {
    // A stop the runner worded itself (what to do now) may have been caused by Compose too.
    const composeErr = err instanceof UpgradeStopped ? err.cause : err;
    if (!(composeErr instanceof ComposeError && composeErr.kind === 'failed')) {
      throw err;
    }
    // The cause in one line; Compose's whole output is one click away.
    services.log.error(`upgrade ${c.projectName}: ${composeErr.message}`);
    const showOutput = vscode.l10n.t('Show Output');
    const cause = composeFailureCause(composeErr.stderr) ?? vscode.l10n.t('exit code {0}', composeErr.exitCode ?? '?');
    const choice = await vscode.window.showErrorMessage(
      err instanceof UpgradeStopped
        ? err.message
        : vscode.l10n.t('Upgrade of {0} to {1} stopped: Compose failed: {2}', c.projectName, version, cause),
      showOutput,
    );
    if (choice === showOutput) {
      services.compose.show();
    }
    return;
  } finally {
    await services.sessions.rediscover();
  }
  void (outcome.severity === 'warning'
    ? vscode.window.showWarningMessage(outcome.message)
    : vscode.window.showInformationMessage(outcome.message));
}

/** On start: an upgrade that was in progress when the window closed is reported once, with what to do. */
export async function reportInterruptedUpgrades(services: Services): Promise<void> {
  const journal = upgradeJournal(services.workspaceState);
  for (const entry of journal.entries()) {
    const message = interruptedUpgradeMessage(entry, vscode.l10n.t, await upgradeContainerNow(services, entry));
    services.log.warn(message);
    await journal.end(entry.project);
    void vscode.window.showWarningMessage(message);
  }
}

/** The newest container of the DB upgrade service of an upgrade interrupted in that step, as the engine shows it now. */
async function upgradeContainerNow(
  services: Services,
  entry: UpgradeJournalEntry,
): Promise<{ name: string; state: string; exitCode: number | undefined } | undefined> {
  const docker = services.docker;
  if (entry.step !== 'dbUpgrade' || !entry.upgradeService || !docker) {
    return undefined;
  }
  try {
    const newest = (await docker.listContainers(entry.project))
      .filter((x) => x.service === entry.upgradeService && !x.oneoff)
      .sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!newest) {
      return undefined;
    }
    const d = await docker.inspect(newest.id);
    return {
      name: d.name,
      state: d.state,
      exitCode: d.state === 'exited' || d.state === 'dead' ? d.exitCode : undefined,
    };
  } catch (err) {
    services.log.warn(
      `looking for the DB upgrade container of ${entry.project}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
}
