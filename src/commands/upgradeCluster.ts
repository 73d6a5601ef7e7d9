import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type DiscoveredCluster } from '../cluster/discovery';
import { type ClusterSnapshot } from '../cluster/types';
import { nodeFileReader } from '../compose/nodeReader';
import { loadProject } from '../compose/project';
import { setDotenvValue } from '../compose/setDotenv';
import { ComposeRunner } from '../docker/compose';
import { type DockerPort } from '../docker/port';
import { type ClusterSession, type ClusterSessions } from '../host/clusterSessions';
import { appendComposeOutput, composeFor, runComposeVisibly } from '../host/runCompose';
import { isOptionsArg, pickCluster } from './pickCluster';

export type UpgradePath = 'dbupgrade' | 'downtime';

/** What a script, task or test may pass instead of answering the prompts. */
interface UpgradeOptions {
  readonly cluster?: string;
  readonly version?: string;
  readonly path?: UpgradePath;
  /** `false` skips the modal confirmation (volumes are never deleted either way). */
  readonly confirm?: boolean;
  /** How long to wait for the DB upgrade container and for the nodes on the new version (ms each). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** Why a target version is not usable, or undefined when it is (`2.53.2`: bare, no leading `v`). */
export function checkTargetVersion(value: string, current: string | undefined): string | undefined {
  const v = value.trim();
  if (/^v/i.test(v)) {
    return vscode.l10n.t('Write the version without the leading "v" (the compose files add it): {0}', v.replace(/^v/i, ''));
  }
  if (!/^\d+\.\d+\.\d+$/.test(v)) {
    return vscode.l10n.t('A version is major.minor.patch, e.g. 2.53.2.');
  }
  if (current !== undefined && v === current.replace(/^v/, '')) {
    return vscode.l10n.t('The cluster already runs {0}.', v);
  }
  return undefined;
}

/** The DB upgrade service is documented from v2.23 on (wa-api.md §4, seed walkthrough step 14). */
function supportsDbUpgrade(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 23);
}

/** The DB upgrade service beside a cluster: in its own compose files, or in a `*upgrade*.yml` of its folder. */
export interface UpgradeService {
  readonly service: string;
  /** Compose files to run it with (`-f`), same project name and directory as the cluster. */
  readonly files: readonly string[];
}

export function findUpgradeService(cluster: Pick<DiscoveredCluster, 'files' | 'dir' | 'envFile'>): UpgradeService | undefined {
  const load = (files: readonly string[]): string | undefined => {
    const texts = files.map((p) => ({ path: p, text: nodeFileReader.read(p) }));
    if (texts.some((t) => t.text === undefined)) {
      return undefined;
    }
    const project = loadProject({ files: texts.map((t) => ({ path: t.path, text: t.text ?? '' })), reader: nodeFileReader, env: process.env, ...(cluster.envFile ? { envFile: cluster.envFile } : {}) });
    return [...project.services.values()].find((s) => s.role === 'dbupgrade')?.name;
  };
  const own = load(cluster.files);
  if (own) {
    return { service: own, files: cluster.files };
  }
  let names: string[];
  try {
    names = fs.readdirSync(cluster.dir).filter((n) => /upgrade.*\.ya?ml$/i.test(n)).sort((a, b) => (a === 'dbupgrade-compose.yml' ? -1 : b === 'dbupgrade-compose.yml' ? 1 : a.localeCompare(b)));
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

/** Services of the cluster that run now (not the upgrade service), in declaration order. */
function runningServices(session: ClusterSession, snapshot: ClusterSnapshot | undefined, exclude: string | undefined): string[] {
  const running = new Set((snapshot?.nodes ?? []).filter((n) => n.container?.state === 'running' && n.service).map((n) => n.service!));
  return session.cluster.declared.map((d) => d.name).filter((name) => running.has(name) && name !== exclude);
}

/** Runs `work` in a cancellable progress notification, with a time limit; the signal stops it. */
async function step<T>(title: string, timeoutMs: number, work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>): Promise<T> {
  appendComposeOutput(`# ${title}`);
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
    try {
      return await work(controller.signal, (message) => progress.report({ message }));
    } finally {
      clearTimeout(timer);
      cancel.dispose();
    }
  });
}

async function lastLogLines(docker: DockerPort, id: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  try {
    await docker.logs(id, { tail: count }, (l) => lines.push(l.text));
  } catch (err) {
    lines.push(`(logs unavailable: ${err instanceof Error ? err.message : String(err)})`);
  }
  return lines.slice(-count);
}

/**
 * The exit code of a one-shot container: `docker wait`, confirmed by inspecting it. A container
 * that was restarted (`restart: on-failure`) has failed whatever the wait said: engines before
 * 22.06 read the exit code after the restart had already reset it to 0 (moby/moby#39352, fixed
 * by moby/moby#43751), which happened here on Docker 20.10. One still running without a restart
 * is waited for again.
 */
async function exitCodeOf(docker: DockerPort, id: string, signal: AbortSignal): Promise<number> {
  for (;;) {
    const code = await docker.wait(id, { signal });
    const d = await docker.inspect(id, signal);
    appendComposeOutput(`# docker wait ${d.name}: ${code} (state ${d.state}, exit code ${d.exitCode ?? '?'}, restarts ${d.restartCount})`);
    if (d.restartCount > 0 || d.state === 'restarting') {
      return code !== 0 ? code : d.exitCode || 1;
    }
    if (d.state === 'exited' || d.state === 'dead') {
      return code !== 0 ? code : (d.exitCode ?? code);
    }
    await new Promise((r) => setTimeout(r, 500));
    signal.throwIfAborted();
  }
}

/** Runs the DB upgrade service with the target version and waits for its exit code; throws on anything but 0. */
async function runDbUpgrade(sessions: ClusterSessions, session: ClusterSession, upgrade: UpgradeService, version: string, timeoutMs: number): Promise<void> {
  const docker = sessions.dockerPort;
  if (!docker) {
    throw new Error(vscode.l10n.t('Docker is not reachable, so the DB upgrade cannot be watched. Nothing was changed.'));
  }
  const base = await composeFor(sessions, session);
  const c = session.cluster;
  const runner = new ComposeRunner(base.command, { files: upgrade.files, projectName: c.projectName, projectDirectory: c.dir, envFiles: c.envFile ? [c.envFile] : [] });
  const startedAt = Date.now();
  await runComposeVisibly(sessions, session, runner, ['up', '-d', '--force-recreate', upgrade.service], vscode.l10n.t('Starting the DB upgrade ({0}) with version {1}…', upgrade.service, version), { env: { WA_API_VERSION: version } });
  const containers = await docker.listContainers(c.projectName);
  const container = containers.filter((x) => x.service === upgrade.service && !x.oneoff).sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!container) {
    throw new Error(vscode.l10n.t('The DB upgrade container of {0} was not found after "up -d {1}". The cluster was not changed and still runs its old version.', c.projectName, upgrade.service));
  }
  let exitCode: number;
  try {
    exitCode = await step(vscode.l10n.t('Waiting for the DB upgrade ({0}) to finish…', container.name), timeoutMs, async (signal, report) => {
      report(vscode.l10n.t('docker wait {0}', container.name));
      return exitCodeOf(docker, container.id, signal);
    });
  } catch (err) {
    throw new Error(vscode.l10n.t('Stopped waiting for the DB upgrade container {0} ({1}). It may still be running: check its logs ("docker logs {0}"). The cluster still runs its old version; run Upgrade again once the upgrade container has exited with 0.', container.name, err instanceof Error ? err.message : String(err)), { cause: err });
  }
  const tail = await lastLogLines(docker, container.id, 15);
  for (const line of tail) {
    appendComposeOutput(`${upgrade.service} | ${line}`);
  }
  appendComposeOutput(`# ${container.name} exited with ${exitCode} after ${Math.round((Date.now() - startedAt) / 1000)} s`);
  if (exitCode !== 0) {
    // `restart: on-failure` would run it again and again: stop it, keep it for its logs.
    try {
      await docker.stop(container.id, { timeoutSeconds: 5 });
    } catch {
      // Already stopped.
    }
    throw new Error(vscode.l10n.t('The DB upgrade to {0} failed (container {1} exited with {2}). The new version was NOT started; the cluster keeps running its old version and .env is unchanged. Fix the cause (see "docker logs {1}" and the "WA Cluster: Compose" output), restore a backup if needed, then run Upgrade again. Last log lines:\n{3}', version, container.name, exitCode, tail.slice(-5).join('\n')));
  }
}

/** Whether every WhatsApp node runs `version` and none is still starting (uninitialized, connecting, restarting). */
function upgraded(snapshot: ClusterSnapshot, services: readonly string[], version: string, metaVersion: string | undefined): string | undefined {
  for (const name of services) {
    const node = snapshot.nodes.find((n) => n.service === name);
    if (!node || (node.kind !== 'web' && node.kind !== 'master' && node.kind !== 'coreapp')) {
      continue;
    }
    if (node.container?.state !== 'running') {
      return vscode.l10n.t('{0} is not running', name);
    }
    if (node.container.version !== version) {
      return vscode.l10n.t('{0} runs {1}', name, node.container.version ?? '?');
    }
    if (node.state === 'starting') {
      return `${name}: ${node.stateReason}`;
    }
  }
  if (metaVersion !== undefined && metaVersion !== version) {
    return vscode.l10n.t('the API reports version {0}', metaVersion);
  }
  return undefined;
}

async function waitForVersion(session: ClusterSession, services: readonly string[], version: string, timeoutMs: number): Promise<void> {
  let pending: string | undefined = vscode.l10n.t('no answer yet');
  try {
    await step(vscode.l10n.t('Waiting for {0} to run {1}…', session.cluster.projectName, version), timeoutMs, async (signal, report) => {
      for (;;) {
        const snapshot = await session.monitor.refresh();
        let meta: string | undefined;
        if (session.api) {
          try {
            meta = (await session.api.health({ signal })).version?.replace(/^v/, '');
          } catch {
            meta = undefined;
          }
        }
        pending = upgraded(snapshot, services, version, meta);
        if (pending === undefined) {
          return;
        }
        report(pending);
        signal.throwIfAborted();
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          }, { once: true });
        });
        signal.throwIfAborted();
      }
    });
  } catch (err) {
    if (err instanceof Error && err.message === 'timeout') {
      throw new Error(vscode.l10n.t('{0} was started with version {1}, but not every node is up on it after {2} s ({3}). Check the node logs; the database may still be migrating.', session.cluster.projectName, version, Math.round(timeoutMs / 1000), pending), { cause: err });
    }
    throw new vscode.CancellationError();
  }
  appendComposeOutput(`# ${session.cluster.projectName} runs ${version}`);
}

/**
 * "WA Cluster: Upgrade…" (walkthrough steps 13–14): with the DB upgrade service (run it with the
 * new WA_API_VERSION, `docker wait` for exit 0, stop on anything else) or with downtime; then the
 * new version goes into `.env`, the running services are brought `up -d` on it, and the command
 * watches until every node runs it and none is uninitialized. Volumes are never deleted.
 */
export async function upgradeCluster(sessions: ClusterSessions, arg?: unknown): Promise<void> {
  const options = isOptionsArg<UpgradeOptions>(arg, ['version', 'path']) ? arg : undefined;
  const session = await pickCluster(sessions, options?.cluster ?? arg);
  if (!session) {
    return;
  }
  const c = session.cluster;
  const current = c.version;
  let version = options?.version?.trim();
  if (version !== undefined) {
    const problem = checkTargetVersion(version, current);
    if (problem) {
      throw new Error(problem);
    }
  } else {
    version = (await vscode.window.showInputBox({
      title: vscode.l10n.t('Upgrade {0}', c.projectName),
      prompt: current ? vscode.l10n.t('New WA_API_VERSION (now {0}), without the leading "v"', current) : vscode.l10n.t('New WA_API_VERSION, without the leading "v"'),
      placeHolder: '2.53.2',
      ignoreFocusOut: true,
      validateInput: (v) => checkTargetVersion(v, current),
    }))?.trim();
    if (!version) {
      return;
    }
  }

  const upgradeService = findUpgradeService(c);
  const dbPathPossible = upgradeService !== undefined && supportsDbUpgrade(version);
  let chosen = options?.path;
  if (chosen === 'dbupgrade' && !upgradeService) {
    throw new Error(vscode.l10n.t('No DB upgrade service was found beside {0} (a dbupgrade-compose.yml, or a service with WA_DB_UPGRADE=1). Nothing was changed.', c.files.map((f) => path.basename(f)).join(', ')));
  }
  if (chosen === 'dbupgrade' && !supportsDbUpgrade(version)) {
    throw new Error(vscode.l10n.t('The DB upgrade service is documented from version 2.23 on; upgrade to {0} with downtime instead.', version));
  }
  if (!chosen) {
    const db = { label: vscode.l10n.t('With the DB upgrade service'), detail: upgradeService ? vscode.l10n.t('Runs {0} ({1}) with {2} and waits for it to exit with 0, then restarts the nodes on {2}. For MySQL, from v2.23 on; recommended for large databases.', upgradeService.service, upgradeService.files.map((f) => path.basename(f)).join(', '), version) : '', path: 'dbupgrade' as const };
    const plain = { label: vscode.l10n.t('With downtime'), detail: vscode.l10n.t('Restarts the nodes on {0}; the primary master migrates the database while the nodes wait as "uninitialized".', version), path: 'downtime' as const };
    const picked = await vscode.window.showQuickPick(dbPathPossible ? [db, plain] : [plain], { title: vscode.l10n.t('Upgrade {0} to {1}', c.projectName, version), ignoreFocusOut: true });
    if (!picked) {
      return;
    }
    chosen = picked.path;
  }

  const before = await session.monitor.refresh();
  const services = runningServices(session, before, upgradeService?.service);
  const envFile = c.envFile ?? path.join(c.dir, '.env');
  if (chosen === 'dbupgrade' && !services.some((s) => c.declared.find((d) => d.name === s)?.kind === 'db') && c.declared.some((d) => d.kind === 'db')) {
    throw new Error(vscode.l10n.t('The database of {0} does not run, so the DB upgrade could not reach it. Start the cluster (WA Cluster: Up) first. Nothing was changed.', c.projectName));
  }

  if (options?.confirm !== false) {
    const go = vscode.l10n.t('Upgrade');
    const steps = [
      chosen === 'dbupgrade' && upgradeService ? vscode.l10n.t('1. Run the DB upgrade service {0} with version {1} and wait for it to exit with 0 (on failure nothing else changes).', upgradeService.service, version) : undefined,
      vscode.l10n.t('{0}. Set WA_API_VERSION={1} in {2}.', chosen === 'dbupgrade' ? 2 : 1, version, vscode.workspace.asRelativePath(envFile)),
      services.length > 0 ? vscode.l10n.t('{0}. Recreate {1} on {2} ("up -d"); the API is unavailable meanwhile.', chosen === 'dbupgrade' ? 3 : 2, services.join(', '), version) : vscode.l10n.t('Nothing runs now: the next Up starts {0}.', version),
      vscode.l10n.t('Volumes are kept. Take a backup first (Settings backup, or a database dump): a schema upgrade cannot be undone by going back to {0}.', current ?? vscode.l10n.t('the old version')),
    ].filter((s): s is string => s !== undefined);
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('Upgrade {0} from {1} to {2}?', c.projectName, current ?? '?', version), { modal: true, detail: steps.join('\n') }, go);
    if (answer !== go) {
      return;
    }
  }

  const timeoutMs = options?.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  appendComposeOutput(`# Upgrade ${c.projectName} from ${current ?? '?'} to ${version} (${chosen === 'dbupgrade' ? 'with the DB upgrade service' : 'with downtime'})`);
  if (chosen === 'dbupgrade' && upgradeService) {
    await runDbUpgrade(sessions, session, upgradeService, version, timeoutMs);
  }

  const oldText = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
  fs.writeFileSync(envFile, setDotenvValue(oldText, 'WA_API_VERSION', version));
  appendComposeOutput(`# ${envFile}: WA_API_VERSION=${version}`);

  if (services.length === 0) {
    await sessions.rediscover();
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} is set to version {1}; nothing was running, so the next Up starts it.', c.projectName, version));
    return;
  }
  const runner = await composeFor(sessions, session);
  // The runner reads .env; the shell's WA_API_VERSION (if the editor inherited one) would win over it, so pass it too.
  await runComposeVisibly(sessions, session, runner, ['up', '-d', ...services], vscode.l10n.t('Starting {0} on version {1}…', services.join(', '), version), { env: { WA_API_VERSION: version } });
  sessions.expectChanges(session, timeoutMs);
  try {
    await waitForVersion(session, services, version, timeoutMs);
  } finally {
    sessions.expectChanges(session, 15_000);
  }
  await sessions.rediscover();
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} runs version {1}.', c.projectName, version));
}
