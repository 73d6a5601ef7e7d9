import { setDotenvValue } from '../compose/setDotenv';
import { ComposeError } from '../docker/compose';
import { composeFailureCause } from '../docker/composeFailure';
import { DockerError, isEngineProblem } from '../docker/errors';
import { type DockerPort } from '../docker/port';
import { AbortedError, type Clock, isAbortError, sleep } from '../util/abort';
import { type Translate } from '../util/translate';
import { type ClusterSnapshot } from './types';
import {
  oneShotExitCode,
  pendingUpgrade,
  type UpgradePlan,
  type UpgradeService,
  type UpgradeStep,
} from './upgradePlan';

/**
 * Executes an {@link UpgradePlan} step by step against the Docker port, the Compose runner and a
 * UI port. Every stop is an {@link UpgradeStopped} with the message for it; a cancel by the user
 * stays an AbortError (a cancel, not a failure). Nothing here knows about the editor.
 */

/** What the runner shows: cancellable progress, and lines for the "WA Cluster: Compose" output. */
export interface UpgradeUi {
  /** Runs `work` under a cancellable progress titled `title`; the signal aborts when the user cancels. */
  progress<T>(
    title: string,
    work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
  ): PromiseLike<T>;
  log(line: string): void;
}

export interface UpgradePorts {
  readonly docker: DockerPort | undefined;
  /**
   * Runs a Compose subcommand for the cluster, visibly and cancellably (`files` replaces the
   * cluster's compose files, e.g. the DB upgrade service's own); rejects with Compose's error.
   */
  compose(
    sub: readonly string[],
    opts: {
      readonly title: string;
      readonly env: Readonly<Record<string, string>>;
      readonly files?: readonly string[];
    },
  ): Promise<void>;
  readonly ui: UpgradeUi;
  /** The env file's text ('' when it does not exist yet), and writing it back. */
  readEnv(file: string): string;
  writeEnv(file: string, text: string): void;
  /** A fresh snapshot, and the version /v1/health reports (undefined: no answer). */
  observe(signal: AbortSignal): Promise<{ snapshot: ClusterSnapshot; apiVersion: string | undefined }>;
  /** Containers of these services (all when omitted) change on purpose for `ms`: no news. */
  expectChanges(ms: number, services?: readonly string[]): void;
  /** Remembers which step runs, so that a start after an interruption can say so (see {@link UpgradeJournal}). */
  readonly journal?: UpgradeJournal;
  readonly clock: Clock;
}

/** Where an upgrade in progress is written down, so that one cut short (window closed, crash) is found later. */
export interface UpgradeJournal {
  begin(entry: UpgradeJournalEntry): void | PromiseLike<void>;
  /** The upgrade ended: done, stopped or cancelled (each has told the user what it means). */
  end(project: string): void | PromiseLike<void>;
}

export interface UpgradeJournalEntry {
  readonly project: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly step: UpgradeStep['kind'];
  /** The DB upgrade service, while that step runs: what the next start looks at. */
  readonly upgradeService?: string;
  readonly at: number;
}

/** An upgrade that stopped on purpose, with what happened and what to do. */
export class UpgradeStopped extends Error {
  override readonly name = 'UpgradeStopped';
}

export interface UpgradeOutcome {
  /** What the user is told at the end. */
  readonly message: string;
  /** `warning`: everything was changed, but the cluster did not come back as it was within the time limit. */
  readonly severity: 'info' | 'warning';
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** How long containers stay "expected to change" after the last step. */
const SETTLE_MS = 15_000;

export async function runUpgrade(
  plan: UpgradePlan,
  ports: UpgradePorts,
  t: Translate,
  opts: { timeoutMs?: number } = {},
): Promise<UpgradeOutcome> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  ports.ui.log(
    `# Upgrade ${plan.project} from ${plan.from ?? '?'} to ${plan.to} (${plan.path === 'dbupgrade' ? 'with the DB upgrade service' : 'with downtime'})`,
  );
  let ran = false;
  let verified: UpgradeOutcome | undefined;
  try {
    for (const step of plan.steps) {
      await ports.journal?.begin({
        project: plan.project,
        from: plan.from,
        to: plan.to,
        step: step.kind,
        ...(step.kind === 'dbUpgrade' ? { upgradeService: step.service.service } : {}),
        at: ports.clock.now(),
      });
      switch (step.kind) {
        case 'dbUpgrade':
          await runDbUpgrade(plan, step.service, ports, t, timeoutMs);
          break;
        case 'setVersion': {
          ports.writeEnv(step.envFile, setDotenvValue(ports.readEnv(step.envFile), 'WA_API_VERSION', plan.to));
          ports.ui.log(`# ${step.envFile}: WA_API_VERSION=${plan.to}`);
          break;
        }
        case 'recreate':
          ran = true;
          try {
            // The runner reads .env; the shell's WA_API_VERSION (if the editor inherited one) would win over it, so pass it too.
            await ports.compose(['up', '-d', ...step.services], {
              title: t('Starting {0} on version {1}…', step.services.join(', '), plan.to),
              env: { WA_API_VERSION: plan.to },
            });
          } catch (err) {
            if (isAbortError(err)) {
              throw err;
            }
            // .env names the new version already (and the database may have been upgraded): going on is the way out.
            throw new UpgradeStopped(
              t(
                'The upgrade of {0} to {1} stopped while the nodes were restarted on it: {2}. .env already names {1}: once Docker answers again, run WA Cluster: Up to start every node on {1}, then check the WA Cluster view.',
                plan.project,
                plan.to,
                failureCause(err),
              ),
              { cause: err },
            );
          }
          break;
        case 'verify':
          // Recreating the shard owners moves the shards (a failover the upgrade causes): no news while it settles.
          ports.expectChanges(timeoutMs, step.services);
          verified = await waitForCluster(plan, step, ports, t, timeoutMs);
          break;
      }
    }
  } finally {
    if (ran) {
      ports.expectChanges(SETTLE_MS, recreatedServices(plan));
    }
    await ports.journal?.end(plan.project);
  }
  return (
    verified ?? {
      severity: 'info',
      message: ran
        ? t('{0} runs version {1}.', plan.project, plan.to)
        : t('{0} is set to version {1}; nothing was running, so the next Up starts it.', plan.project, plan.to),
    }
  );
}

/**
 * Runs `work` under progress with a time limit of its own: when the limit strikes, `onTimeout`
 * words the stop; a cancel stays a cancel; any other error goes through `onError` (if given).
 */
async function bounded<T>(
  ports: UpgradePorts,
  title: string,
  timeoutMs: number,
  work: (signal: AbortSignal, report: (message: string) => void) => Promise<T>,
  onTimeout: () => string,
  onError?: (err: unknown) => string,
): Promise<T> {
  ports.ui.log(`# ${title}`);
  return ports.ui.progress(title, async (cancelled, report) => {
    const inner = new AbortController();
    let timedOut = false;
    const onCancel = () => inner.abort(cancelled.reason);
    cancelled.addEventListener('abort', onCancel, { once: true });
    const timer = ports.clock.setTimeout(() => {
      timedOut = true;
      inner.abort();
    }, timeoutMs);
    try {
      return await work(inner.signal, report);
    } catch (err) {
      if (timedOut) {
        throw new UpgradeStopped(onTimeout(), { cause: err });
      }
      if (cancelled.aborted && !isAbortError(err)) {
        // The user cancelled: whatever the aborted call rejected with (Docker's "Wait for …: cancelled"), it stays a cancel.
        throw new AbortedError(errorText(err));
      }
      if (isAbortError(err) || !onError) {
        throw err;
      }
      throw new UpgradeStopped(onError(err), { cause: err });
    } finally {
      ports.clock.clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    }
  });
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why a step failed, in one line: Compose's own cause when it was Compose. */
function failureCause(err: unknown): string {
  if (err instanceof ComposeError) {
    return composeFailureCause(err.stderr) ?? `${err.commandLine}: exit code ${err.exitCode ?? '?'}`;
  }
  return errorText(err);
}

/**
 * Stops a DB-upgrade container that exited non-zero: `restart: on-failure` would run it again and
 * again. It is kept (not removed) for its logs; a failing stop is logged and returned, never thrown.
 */
export async function stopFailedOneShot(
  docker: DockerPort,
  container: { id: string; name: string },
  log: (line: string) => void,
): Promise<unknown> {
  try {
    await docker.stop(container.id, { timeoutSeconds: 5 });
    return undefined;
  } catch (err) {
    log(`# stopping ${container.name}: ${errorText(err)}`);
    return err;
  }
}

/**
 * Why a DB upgrade that failed may not have failed by itself: Docker no longer answers, or
 * containers that ran when the upgrade began (the database first) no longer run. Undefined when
 * the cluster runs as before.
 */
async function stoppedAround(
  plan: UpgradePlan,
  docker: DockerPort,
  stopError: unknown,
  t: Translate,
): Promise<string | undefined> {
  const gone = (err: unknown) =>
    err instanceof DockerError && isEngineProblem(err) ? t('Docker does not answer ({0})', err.message) : undefined;
  if (gone(stopError)) {
    return gone(stopError);
  }
  const ran = plan.steps.flatMap((s) => (s.kind === 'recreate' ? [...s.services] : []));
  try {
    const running = new Set(
      (await docker.listContainers(plan.project)).filter((c) => c.state === 'running').map((c) => c.service),
    );
    const stopped = ran.filter((s) => !running.has(s));
    return stopped.length > 0 ? t('{0} no longer run', stopped.join(', ')) : undefined;
  } catch (err) {
    return gone(err);
  }
}

async function lastLogLines(docker: DockerPort, id: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  try {
    await docker.logs(id, { tail: count }, (l) => lines.push(l.text));
  } catch (err) {
    lines.push(`(logs unavailable: ${errorText(err)})`);
  }
  return lines.slice(-count);
}

/** `docker wait`, confirmed by inspecting the container; one still running without a restart is waited for again. */
async function exitCodeOf(ports: UpgradePorts, docker: DockerPort, id: string, signal: AbortSignal): Promise<number> {
  for (;;) {
    const waited = await docker.wait(id, { signal });
    const d = await docker.inspect(id, signal);
    ports.ui.log(
      `# docker wait ${d.name}: ${waited} (state ${d.state}, exit code ${d.exitCode ?? '?'}, restarts ${d.restartCount})`,
    );
    const code = oneShotExitCode(waited, d);
    if (code !== undefined) {
      return code;
    }
    await sleep(500, signal, ports.clock);
  }
}

/** Runs the DB upgrade service with the target version and waits for its exit code; stops on anything but 0. */
async function runDbUpgrade(
  plan: UpgradePlan,
  upgrade: UpgradeService,
  ports: UpgradePorts,
  t: Translate,
  timeoutMs: number,
): Promise<void> {
  const docker = ports.docker;
  if (!docker) {
    throw new UpgradeStopped(t('Docker is not reachable, so the DB upgrade cannot be watched. Nothing was changed.'));
  }
  const startedAt = ports.clock.now();
  ports.expectChanges(timeoutMs, [upgrade.service]);
  await ports.compose(['up', '-d', '--force-recreate', upgrade.service], {
    title: t('Starting the DB upgrade ({0}) with version {1}…', upgrade.service, plan.to),
    env: { WA_API_VERSION: plan.to },
    files: upgrade.files,
  });
  const containers = await docker.listContainers(plan.project);
  const container = containers
    .filter((x) => x.service === upgrade.service && !x.oneoff)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!container) {
    throw new UpgradeStopped(
      t(
        'The DB upgrade container of {0} was not found after "up -d {1}". The cluster was not changed and still runs its old version.',
        plan.project,
        upgrade.service,
      ),
    );
  }
  const stoppedWaiting = (reason: string) =>
    t(
      'Stopped waiting for the DB upgrade container {0} ({1}). It may still be running: check its logs ("docker logs {0}"). The cluster still runs its old version; run Upgrade again once the upgrade container has exited with 0.',
      container.name,
      reason,
    );
  const exitCode = await bounded(
    ports,
    t('Waiting for the DB upgrade ({0}) to finish…', container.name),
    timeoutMs,
    (signal, report) => {
      report(t('docker wait {0}', container.name));
      return exitCodeOf(ports, docker, container.id, signal);
    },
    () => stoppedWaiting(t('no exit after {0} s', Math.round(timeoutMs / 1000))),
    (err) => stoppedWaiting(errorText(err)),
  );
  const tail = await lastLogLines(docker, container.id, 15);
  for (const line of tail) {
    ports.ui.log(`${upgrade.service} | ${line}`);
  }
  ports.ui.log(
    `# ${container.name} exited with ${exitCode} after ${Math.round((ports.clock.now() - startedAt) / 1000)} s`,
  );
  if (exitCode !== 0) {
    const notStopped = await stopFailedOneShot(docker, container, (l) => ports.ui.log(l));
    const around = await stoppedAround(plan, docker, notStopped, t);
    if (around) {
      // Not the migration's own failure: the engine (or the cluster's containers) went away with it, and Docker may run it again.
      throw new UpgradeStopped(
        t(
          'The DB upgrade to {0} stopped (container {1} exited with {2}) as the cluster stopped around it: {3}. The new version was NOT started and .env is unchanged. Once Docker answers again, run WA Cluster: Up to start the cluster on {4} again; its restart policy may run {1} again too: let it finish ("docker wait {1}" prints its exit code), then run Upgrade again. Last log lines:\n{5}',
          plan.to,
          container.name,
          exitCode,
          around,
          plan.from ?? t('the old version'),
          tail.slice(-5).join('\n'),
        ),
      );
    }
    throw new UpgradeStopped(
      t(
        'The DB upgrade to {0} failed (container {1} exited with {2}). The new version was NOT started; the cluster keeps running its old version and .env is unchanged. Fix the cause (see "docker logs {1}" and the "WA Cluster: Compose" output), restore a backup if needed, then run Upgrade again. Last log lines:\n{3}',
        plan.to,
        container.name,
        exitCode,
        tail.slice(-5).join('\n'),
      ),
    );
  }
  // Done: its exit code and last lines are in the output above; the stopped container would only linger in the tree.
  try {
    await ports.compose(['rm', '-f', '-s', upgrade.service], {
      title: t('Removing the finished DB upgrade container {0}…', container.name),
      env: { WA_API_VERSION: plan.to },
      files: upgrade.files,
    });
  } catch (err) {
    if (isAbortError(err)) {
      throw err;
    }
    ports.ui.log(
      `# removing ${container.name}: ${errorText(err)} (it stays; remove it with "docker rm ${container.name}")`,
    );
  }
}

/**
 * Watches until the cluster is back as it was, on the new version ({@link pendingUpgrade}), with
 * progress saying what it waits for. Past the time limit everything has been changed already, so
 * that is a warning naming what is missing, not a stop.
 */
async function waitForCluster(
  plan: UpgradePlan,
  step: Extract<UpgradeStep, { kind: 'verify' }>,
  ports: UpgradePorts,
  t: Translate,
  timeoutMs: number,
): Promise<UpgradeOutcome> {
  let pending: string = t('no answer yet');
  try {
    await bounded(
      ports,
      t('Waiting for {0} to run {1}…', plan.project, plan.to),
      timeoutMs,
      async (signal, report) => {
        for (;;) {
          const { snapshot, apiVersion } = await ports.observe(signal);
          const missing = pendingUpgrade(snapshot, step.services, plan.to, apiVersion, step.shards, t);
          if (missing === undefined) {
            return;
          }
          if (missing !== pending) {
            ports.ui.log(`# ${missing}`);
          }
          pending = missing;
          report(pending);
          await sleep(1000, signal, ports.clock);
        }
      },
      () => pending,
    );
  } catch (err) {
    if (!(err instanceof UpgradeStopped)) {
      throw err;
    }
    ports.ui.log(`# ${plan.project}: still ${pending} after ${Math.round(timeoutMs / 1000)} s`);
    return {
      severity: 'warning',
      message: t(
        '{0} was started on version {1}, but after {2} s it is still {3}. Check the WA Cluster view and the node logs; the database may still be migrating.',
        plan.project,
        plan.to,
        Math.round(timeoutMs / 1000),
        pending,
      ),
    };
  }
  ports.ui.log(
    `# ${plan.project} runs ${plan.to}${step.shards > 0 ? `, ${step.shards}/${step.shards} shards connected` : ''}`,
  );
  return {
    severity: 'info',
    message:
      step.shards > 0
        ? t('{0} runs version {1}: {2}/{2} shards connected.', plan.project, plan.to, step.shards)
        : t('{0} runs version {1}.', plan.project, plan.to),
  };
}

/** The services the upgrade recreates: their containers and the shard moves they cause are no news. */
function recreatedServices(plan: UpgradePlan): string[] {
  return plan.steps.flatMap((s) => (s.kind === 'recreate' ? [...s.services] : []));
}
