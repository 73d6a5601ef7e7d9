import { type HealthReport } from '../api/health';
import { setDotenvValue } from '../compose/setDotenv';
import { type DockerPort } from '../docker/port';
import { type ContainerSummary } from '../docker/types';
import { type Clock, isAbortError, signalWithTimeout, sleep } from '../util/abort';
import { type Translate } from '../util/translate';
import {
  hostPending,
  hostVersions,
  type RollingHostStep,
  type RollingUpgradePlan,
  stepServices,
} from './rollingUpgradePlan';
import { oneShotExitCode, type UpgradeService } from './upgradePlan';
import { errorText, stopFailedOneShot } from './upgradeRunner';

/**
 * Executes a {@link RollingUpgradePlan} against each host's engine (Docker port and Compose per
 * host, injected) and the cluster's /v1/health. It never throws for a stop: the outcome says
 * which host is where. Nothing here knows about the editor.
 */

export interface RollingUpgradePorts {
  /** Takes the settings backup; resolves to where it was saved. */
  backup(signal: AbortSignal): Promise<string>;
  /** Runs Compose on one host (`files` replaces the host's compose files, e.g. the DB upgrade's own); rejects with Compose's error. */
  compose(
    host: string,
    sub: readonly string[],
    opts: {
      readonly title: string;
      readonly env: Readonly<Record<string, string>>;
      readonly files?: readonly string[];
    },
  ): Promise<void>;
  /** The Docker engine of one host. */
  docker(host: string): DockerPort;
  /** The cluster's /v1/health (undefined while it does not answer). */
  health(signal: AbortSignal): Promise<HealthReport | undefined>;
  readEnv(file: string): string;
  writeEnv(file: string, text: string): void;
  /** Lines for the "WA Cluster: Compose" output (the command shows the latest as its progress). */
  readonly ui: { log(line: string): void };
  readonly clock: Clock;
}

export type HostOutcome =
  | { readonly host: string; readonly state: 'upgraded'; readonly runs: string }
  | { readonly host: string; readonly state: 'failed'; readonly runs: string; readonly reason: string }
  | { readonly host: string; readonly state: 'untouched'; readonly runs: string };

export interface RollingOutcome {
  readonly ok: boolean;
  readonly hosts: readonly HostOutcome[];
  /** Where the backup went (when it was taken). */
  readonly backup: string | undefined;
  readonly message: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

interface Limits {
  /** Per wait: the DB upgrade's exit, and each host coming back. */
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly signal: AbortSignal;
}

/** A stop with its reason, raised inside the runner and turned into the outcome. */
class Stop extends Error {}

/** Compose's last line is its verdict ("Error response from daemon: …"); the lines before are progress. */
function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? text;
}

export async function runRollingUpgrade(
  plan: RollingUpgradePlan,
  ports: RollingUpgradePorts,
  t: Translate,
  opts: { timeoutMs?: number; pollMs?: number; signal?: AbortSignal } = {},
): Promise<RollingOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? 1000;
  const signal = opts.signal ?? new AbortController().signal;
  const env = { WA_API_VERSION: plan.to };
  const hostSteps = plan.steps.filter((s): s is RollingHostStep => s.kind === 'host');
  const done: HostOutcome[] = [];
  let backup: string | undefined;
  ports.ui.log(`# Rolling upgrade of ${plan.project} to ${plan.to}: ${hostSteps.map((s) => s.host).join(', ')}`);
  const finish = async (failed: { host?: string; reason: string } | undefined): Promise<RollingOutcome> => {
    const outcomes: HostOutcome[] = [...done];
    for (const s of hostSteps.slice(done.length)) {
      const runs = await runsOn(ports, plan.project, s);
      outcomes.push(
        s.host === failed?.host
          ? { host: s.host, state: 'failed', runs, reason: failed.reason }
          : { host: s.host, state: 'untouched', runs },
      );
    }
    const lines = outcomes.map((o) =>
      o.state === 'upgraded'
        ? t('{0}: upgraded, runs {1}', o.host, o.runs)
        : o.state === 'failed'
          ? t(
              '{0}: did not come back ({1}); runs {2}, its env file still names {3}',
              o.host,
              o.reason,
              o.runs,
              plan.from[o.host] ?? '?',
            )
          : t('{0}: not touched, runs {1}', o.host, o.runs),
    );
    lines.push(...plan.skipped.map((s) => t('{0}: left alone ({1})', s.host, s.why)));
    const message = failed
      ? t('The rolling upgrade of {0} to {1} stopped: {2}\n{3}', plan.project, plan.to, failed.reason, lines.join('\n'))
      : t('{0} runs {1} on every host.\n{2}', plan.project, plan.to, lines.join('\n'));
    ports.ui.log(`# ${message.replace(/\n/g, '\n# ')}`);
    return { ok: failed === undefined, hosts: outcomes, backup, message };
  };
  let current: string | undefined;
  try {
    for (const step of plan.steps) {
      signal.throwIfAborted();
      switch (step.kind) {
        case 'backup':
          ports.ui.log('# Backing up the settings');
          try {
            backup = await ports.backup(signal);
          } catch (err) {
            if (isAbortError(err)) {
              throw err;
            }
            throw new Stop(t('the backup failed ({0}); nothing was changed', errorText(err)));
          }
          ports.ui.log(`# Backup saved: ${backup}`);
          break;
        case 'dbUpgrade':
          await runDbUpgrade(plan, step.host, step.service, ports, t, { timeoutMs, pollMs, signal });
          break;
        case 'host':
          current = step.host;
          await upgradeHost(plan, step, ports, t, { timeoutMs, pollMs, signal }, env);
          done.push({ host: step.host, state: 'upgraded', runs: await runsOn(ports, plan.project, step) });
          current = undefined;
          break;
      }
    }
  } catch (err) {
    const reason = err instanceof Stop ? err.message : isAbortError(err) ? t('cancelled') : errorText(err);
    return finish({ ...(current ? { host: current } : {}), reason });
  }
  return finish(undefined);
}

/** What runs on a host now, for the report ('unreachable' when its engine does not answer). */
async function runsOn(ports: RollingUpgradePorts, project: string, step: RollingHostStep): Promise<string> {
  try {
    return hostVersions(stepServices(step), await ports.docker(step.host).listContainers(project));
  } catch (err) {
    return `unreachable (${errorText(err)})`;
  }
}

/** Runs `work` with a time limit of its own and the run's cancel; the limit is a {@link Stop} worded by `onTimeout`. */
async function bounded<T>(
  timeoutMs: number,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => string,
): Promise<T> {
  const owned = signalWithTimeout([signal], timeoutMs);
  try {
    return await work(owned.signal);
  } catch (err) {
    if (owned.timedOut()) {
      throw new Stop(onTimeout(), { cause: err });
    }
    throw err;
  } finally {
    owned.dispose();
  }
}

async function runDbUpgrade(
  plan: RollingUpgradePlan,
  host: string,
  upgrade: UpgradeService,
  ports: RollingUpgradePorts,
  t: Translate,
  { timeoutMs, pollMs, signal }: Limits,
): Promise<void> {
  try {
    await ports.compose(host, ['up', '-d', '--force-recreate', upgrade.service], {
      title: t('Starting the DB upgrade ({0}) on {1} with version {2}…', upgrade.service, host, plan.to),
      env: { WA_API_VERSION: plan.to },
      files: upgrade.files,
    });
  } catch (err) {
    throw new Stop(t('the DB upgrade could not be started on {0} ({1}); no node was changed', host, errorText(err)));
  }
  const docker = ports.docker(host);
  const container = (await docker.listContainers(plan.project, signal))
    .filter((c: ContainerSummary) => c.service === upgrade.service && !c.oneoff)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!container) {
    throw new Stop(t('the DB upgrade container was not found on {0}; no node was changed', host));
  }
  ports.ui.log(`# Waiting for ${container.name} on ${host} to exit`);
  const code = await bounded(
    timeoutMs,
    signal,
    async (s) => {
      for (;;) {
        const waited = await docker.wait(container.id, { signal: s });
        const exit = oneShotExitCode(waited, await docker.inspect(container.id, s));
        if (exit !== undefined) {
          return exit;
        }
        await sleep(pollMs, s, ports.clock);
      }
    },
    () =>
      t(
        'the DB upgrade {0} on {1} did not exit within {2} s; no node was changed',
        container.name,
        host,
        Math.round(timeoutMs / 1000),
      ),
  );
  if (code !== 0) {
    await stopFailedOneShot(docker, container, (l) => ports.ui.log(l));
    throw new Stop(
      t(
        'the DB upgrade to {0} failed ({1} on {2} exited with {3}, see "docker logs {1}"); no node was changed',
        plan.to,
        container.name,
        host,
        code,
      ),
    );
  }
  ports.ui.log(`# ${container.name} exited with 0: the schema is at ${plan.to}`);
}

async function upgradeHost(
  plan: RollingUpgradePlan,
  step: RollingHostStep,
  ports: RollingUpgradePorts,
  t: Translate,
  { timeoutMs, pollMs, signal }: Limits,
  env: Readonly<Record<string, string>>,
): Promise<void> {
  for (const group of [step.masters, [...step.coreapps, ...step.web]]) {
    if (group.length === 0) {
      continue;
    }
    try {
      // The host's env file is written only once the host is back: until then it names the version that runs there.
      await ports.compose(step.host, ['up', '-d', '--no-deps', ...group], {
        title: t('{0}: starting {1} on {2}…', step.host, group.join(', '), plan.to),
        env,
      });
    } catch (err) {
      throw new Stop(t('"up -d {0}" failed on {1}: {2}', group.join(' '), step.host, lastLine(errorText(err))));
    }
  }
  let pending = t('no answer yet');
  const docker = ports.docker(step.host);
  await bounded(
    timeoutMs,
    signal,
    async (s) => {
      for (;;) {
        let containers: ContainerSummary[] | undefined;
        try {
          containers = await docker.listContainers(plan.project, s);
        } catch (err) {
          s.throwIfAborted();
          pending = t('the engine of {0} does not answer ({1})', step.host, errorText(err));
        }
        if (containers) {
          const health = await ports.health(s).catch(() => undefined);
          s.throwIfAborted();
          const missing = hostPending(step, containers, health, plan.to, t);
          if (missing === undefined) {
            return;
          }
          pending = missing;
        }
        await sleep(pollMs, s, ports.clock);
      }
    },
    () =>
      t('{0} did not come back on {1} within {2} s ({3})', step.host, plan.to, Math.round(timeoutMs / 1000), pending),
  );
  ports.writeEnv(step.envFile, setDotenvValue(ports.readEnv(step.envFile), 'WA_API_VERSION', plan.to));
  ports.ui.log(`# ${step.host} runs ${plan.to}; ${step.envFile}: WA_API_VERSION=${plan.to}`);
}
