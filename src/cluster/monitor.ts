import { setMaxListeners } from 'node:events';
import { ApiError } from '../api/errors';
import { type HealthReport } from '../api/health';
import { DockerError, classifyDockerError, isEngineProblem } from '../docker/errors';
import { applyEvent, applyEvents } from '../docker/events';
import { type DockerPort, type EventSubscription } from '../docker/port';
import { type ContainerDetails, type ContainerSummary, type DockerEvent } from '../docker/types';
import { type Clock, type TimerHandle, systemClock } from '../util/abort';
import { type Translate } from '../util/translate';
import { type Disposable, Emitter } from '../util/disposable';
import { DiffTracker, type SnapshotDiff } from './diff';
import { buildSnapshot } from './snapshot';
import { type HealthSample, healthInMotion, healthSample } from './healthPace';
import {
  type ApiStatus,
  type ClusterSnapshot,
  type DeclaredService,
  type EngineStatus,
  type HostStatus,
} from './types';

/** One inventory host's engine for the monitor (see cluster/hostEngines.ts). */
export interface MonitoredHost {
  /** The inventory name (`host2`). */
  readonly name: string;
  /** Its engine; undefined when how to reach it is unusable (see `problem`). */
  readonly docker: DockerPort | undefined;
  /** Why there is no `docker` (a missing TLS file, an unknown context). */
  readonly problem?: DockerError | undefined;
  /** Its EXTERNAL_HOSTNAME, the hostname half of its nodes' health keys. */
  readonly externalHostname?: string | undefined;
  /** The services its compose files declare, re-read on every snapshot. */
  readonly declared?: (() => readonly DeclaredService[] | undefined) | undefined;
}

export interface MonitorOptions {
  readonly project: string | undefined;
  /** Docker access; undefined = no Docker (health only). */
  readonly docker?: DockerPort | undefined;
  /**
   * With an inventory: every host's engine, watched at once (one event subscription per host, each
   * reconnecting on its own); replaces `docker` and `declared`, and the snapshot carries `hosts`.
   */
  readonly hosts?: readonly MonitoredHost[] | undefined;
  /** Fetches `/v1/health` (e.g. `(s) => client.health({ signal: s })`); undefined = API off. */
  readonly health?: ((signal: AbortSignal) => Promise<HealthReport>) | undefined;
  /** Optional `GET /v1/account/shards`; asked rarely (admin only; failures are ignored). */
  readonly shards?: ((signal: AbortSignal) => Promise<number>) | undefined;
  /** Declared Compose services, re-read on every snapshot. */
  readonly declared?: (() => readonly DeclaredService[] | undefined) | undefined;
  readonly clock?: Clock;
  /** Health poll interval (ms); default 5000 (setting waCluster.health.pollInterval). */
  readonly pollIntervalMs?: number;
  /** Fast health polls after a Docker event (delays in ms after the event). */
  readonly burstDelaysMs?: readonly number[];
  /** Safety-net container refresh interval when events flow (ms); default 60 s. */
  readonly containerPollMs?: number;
  /** How often to re-read the shard count (ms); default 60 s. */
  readonly shardsPollMs?: number;
  /** Words the findings (the editor passes `vscode.l10n.t`); default English. */
  readonly translate?: Translate;
}

export interface MonitorChange {
  readonly snapshot: ClusterSnapshot;
  readonly diff: SnapshotDiff;
}

/**
 * Drives the cluster model: what a Docker event says (a container died with code 137, started,
 * turned unhealthy) is shown at once, then a container refresh (list + inspect) reconciles and a
 * short burst of fast health polls follows; otherwise health is polled on an interval, and polled fast
 * again while the cluster's own answers are in motion ({@link healthInMotion}). It runs only while someone
 * listens ({@link onDidChange}); with no listener, timers and the event stream are released.
 */
export class ClusterMonitor implements Disposable {
  private readonly clock: Clock;
  private readonly emitter: Emitter<MonitorChange>;
  private readonly tracker = new DiffTracker();
  private pollIntervalMs: number;
  private readonly burstDelays: readonly number[];
  private readonly containerPollMs: number;
  private readonly shardsPollMs: number;

  private current: ClusterSnapshot | undefined;
  /** One per engine: the only one, or one per inventory host. */
  private readonly watches: readonly EngineWatch[];
  private healthReport: HealthReport | undefined;
  /** The latest answer and how long it took (what {@link healthInMotion} compares with). */
  private healthSample: HealthSample | undefined;
  private api: ApiStatus = { status: 'off', errorKind: undefined, message: undefined, fingerprint256: undefined };
  private shardCount: number | undefined;
  private shardsAskedAt = -Infinity;

  private running = false;
  private disposed = false;
  private lifetime = newLifetime();
  private pollTimer: TimerHandle | undefined;
  private containerTimer: TimerHandle | undefined;
  private burstTimers: TimerHandle[] = [];
  private readonly healthJob: Job;

  constructor(private readonly opts: MonitorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.pollIntervalMs = opts.pollIntervalMs ?? 5000;
    this.burstDelays = opts.burstDelaysMs ?? [300, 700, 1200, 2000, 3000, 4000];
    this.containerPollMs = opts.containerPollMs ?? 60_000;
    this.shardsPollMs = opts.shardsPollMs ?? 60_000;
    this.emitter = new Emitter<MonitorChange>((count) => (count > 0 ? this.start() : this.pause()));
    const engine = (w: EngineWatch): Promise<void> => this.refreshContainers(w);
    this.watches = opts.hosts
      ? opts.hosts.map((h) => new EngineWatch(h.docker, h, engine))
      : [new EngineWatch(opts.docker, undefined, engine)];
    this.healthJob = new Job(() => this.refreshHealth());
  }

  /** The latest snapshot (undefined before the first refresh). */
  get snapshot(): ClusterSnapshot | undefined {
    return this.current;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Subscribe to snapshot changes; the first listener starts the monitor, the last one leaving pauses it. */
  readonly onDidChange = (listener: (change: MonitorChange) => void): Disposable => this.emitter.event(listener);

  /** Full refresh now (containers and health); resolves with the new snapshot. Never rejects. */
  async refresh(): Promise<ClusterSnapshot> {
    await Promise.all([...this.watches.map((w) => w.job.run()), this.healthJob.run()]);
    return this.current ?? this.publish();
  }

  setPollInterval(ms: number): void {
    this.pollIntervalMs = Math.max(250, ms);
    if (this.running) {
      this.schedulePoll();
    }
  }

  dispose(): void {
    this.disposed = true;
    this.pause();
    this.emitter.dispose();
  }

  // --- lifecycle --------------------------------------------------------------------------

  private start(): void {
    if (this.running || this.disposed) {
      return;
    }
    this.running = true;
    this.lifetime = newLifetime();
    for (const w of this.watches) {
      w.lifetime = newLifetime();
      w.subscription = w.docker?.subscribeEvents(
        { project: this.opts.project },
        {
          onEvent: (e) => this.onDockerEvent(w, e),
          onState: (state, error) => {
            if (state === 'connected') {
              // (Re)connected: catch up on whatever happened while we were not listening.
              void w.job.run();
              void this.healthJob.run();
            } else if (state === 'disconnected' && error && isEngineProblem(error)) {
              this.setEngineDown(w, error);
              this.publish();
            }
          },
        },
      );
    }
    void this.refresh();
    this.schedulePoll();
    this.scheduleContainerPoll();
  }

  private pause(): void {
    if (!this.running) {
      return;
    }
    this.running = false;
    this.lifetime.abort();
    for (const w of this.watches) {
      w.lifetime.abort();
      w.subscription?.dispose();
      w.subscription = undefined;
    }
    for (const t of [this.pollTimer, this.containerTimer, ...this.burstTimers]) {
      if (t) {
        this.clock.clearTimeout(t);
      }
    }
    this.pollTimer = undefined;
    this.containerTimer = undefined;
    this.burstTimers = [];
  }

  private schedulePoll(): void {
    if (this.pollTimer) {
      this.clock.clearTimeout(this.pollTimer);
    }
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined;
      if (!this.running) {
        return;
      }
      void this.healthJob.run().finally(() => {
        if (this.running) {
          this.schedulePoll();
        }
      });
      // Without a working event stream, containers are polled too.
      for (const w of this.watches) {
        if (w.docker && (!w.engine.reachable || w.subscription?.state !== 'connected')) {
          void w.job.run();
        }
      }
    }, this.pollIntervalMs);
  }

  private scheduleContainerPoll(): void {
    if (!this.watches.some((w) => w.docker)) {
      return;
    }
    this.containerTimer = this.clock.setTimeout(() => {
      this.containerTimer = undefined;
      if (this.running) {
        for (const w of this.watches) {
          w.quietCheck = true;
          void w.job.run();
        }
        this.scheduleContainerPoll();
      }
    }, this.containerPollMs);
  }

  private onDockerEvent(w: EngineWatch, e: DockerEvent): void {
    if (!this.running) {
      return;
    }
    w.eventsDuringRefresh?.push(e);
    const next = applyEvent(w.containers, e);
    if (next !== w.containers) {
      w.containers = next;
      this.publish();
    }
    void w.job.run();
    // A node changed: the application's view follows within seconds.
    this.pollFastForAWhile();
  }

  private pollFastForAWhile(): void {
    for (const t of this.burstTimers) {
      this.clock.clearTimeout(t);
    }
    this.burstTimers = this.burstDelays.map((d) =>
      this.clock.setTimeout(() => {
        if (this.running) {
          void this.healthJob.run();
        }
      }, d),
    );
  }

  // --- refreshers -------------------------------------------------------------------------

  private async refreshContainers(w: EngineWatch): Promise<void> {
    const docker = w.docker;
    if (!docker) {
      if (w.host?.problem) {
        this.setEngineDown(w, w.host.problem);
      }
      this.publish();
      return;
    }
    // Each engine's requests on a signal of their own: many hosts' inspects must not pile onto one.
    const signal = this.running ? w.lifetime.signal : this.lifetime.signal;
    // The periodic check while the event stream has stayed connected: Docker has told us every
    // change since, so only a container the list shows differently (or a new one) is inspected again
    // (37 containers: 37 inspects a minute for nothing, the biggest part of our idle CPU).
    const known =
      w.quietCheck && w.subscription?.state === 'connected' && w.engine.reachable
        ? new Map((w.containers ?? []).map((c) => [c.id, c]))
        : undefined;
    w.quietCheck = false;
    const events: DockerEvent[] = [];
    w.eventsDuringRefresh = events;
    try {
      // Across hosts every refresh asks too: the Hosts group shows each engine's version and latency.
      if (!w.engine.reachable || w.host) {
        // First contact, or back after a problem: is this an engine we can use (its API version)?
        // An old engine answers the other requests too, just not the way the model relies on.
        const sent = this.clock.now();
        const info = await docker.ping(signal);
        w.version = info.version;
        w.latencyMs = this.clock.now() - sent;
      }
      const list = await docker.listContainers(this.opts.project, signal);
      const details = await Promise.all(
        list.map(async (c) => {
          const same = known?.get(c.id);
          if (same && listedAlike(same, c)) {
            return same;
          }
          try {
            return await docker.inspect(c.id, signal);
          } catch (e) {
            // Removed between list and inspect: skip it; anything else goes up.
            if (e instanceof DockerError && e.kind === 'notFound') {
              return undefined;
            }
            throw e;
          }
        }),
      );
      // An event that came in meanwhile may be newer than the answer (inspect may have run before it).
      w.containers = applyEvents(
        details.filter((d): d is ContainerDetails => d !== undefined),
        events,
      );
      w.engine = { reachable: true, endpoint: docker.endpoint, problem: undefined };
    } catch (e) {
      const err = classifyDockerError(e, docker.endpoint);
      if (err.kind === 'aborted') {
        return;
      }
      this.setEngineDown(w, err);
    } finally {
      w.eventsDuringRefresh = undefined;
    }
    this.publish();
  }

  private setEngineDown(w: EngineWatch, err: DockerError): void {
    const kind =
      err.kind === 'daemonDown' ||
      err.kind === 'permissionDenied' ||
      err.kind === 'unreachable' ||
      err.kind === 'apiTooOld'
        ? err.kind
        : err.kind === 'timeout'
          ? 'unreachable'
          : 'other';
    w.engine = { reachable: false, endpoint: w.docker?.endpoint, problem: { kind, message: err.message } };
    w.containers = undefined;
    w.latencyMs = undefined;
  }

  private async refreshHealth(): Promise<void> {
    const fetchHealth = this.opts.health;
    if (!fetchHealth) {
      // Nothing to ask (not signed in): the snapshot changes with the containers, which publish themselves.
      if (!this.current) {
        this.publish();
      }
      return;
    }
    const signal = this.lifetime.signal;
    const previous = this.healthSample;
    const sent = this.clock.now();
    try {
      this.healthReport = await fetchHealth(signal);
      this.api = { status: 'ok', errorKind: undefined, message: undefined, fingerprint256: undefined };
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('network', e instanceof Error ? e.message : String(e));
      if (err.kind === 'aborted' && signal.aborted) {
        return;
      }
      this.healthReport = undefined;
      this.api = { status: 'error', errorKind: err.kind, message: err.message, fingerprint256: err.fingerprint256 };
    }
    this.healthSample = healthSample(previous, this.healthReport, this.clock.now() - sent);
    if (this.running && healthInMotion(previous, this.healthSample)) {
      this.pollFastForAWhile();
    }
    const askShards = this.opts.shards;
    // More coreapps connected than the shards we know of: someone re-sharded; ask now, not in a minute.
    const connected =
      this.healthReport?.entries.filter((e) => e.role === 'coreapp' && e.gatewayStatus === 'connected').length ?? 0;
    const resharded = this.shardCount !== undefined && connected > this.shardCount;
    if (askShards && this.healthReport && (resharded || this.clock.now() - this.shardsAskedAt >= this.shardsPollMs)) {
      this.shardsAskedAt = this.clock.now();
      try {
        this.shardCount = await askShards(signal);
      } catch {
        // Not an admin, or not registered: the count is inferred from health instead.
      }
    }
    this.publish();
  }

  private publish(): ClusterSnapshot {
    const only = this.watches[0];
    const engines = this.opts.hosts
      ? {
          hosts: this.watches.map((w) => ({
            status: w.status(),
            containers: w.containers,
            declared: safeCall(w.host?.declared),
          })),
        }
      : {
          declared: safeCall(this.opts.declared),
          containers: only?.containers,
          engine:
            only && this.opts.docker ? only.engine : { reachable: false, endpoint: undefined, problem: undefined },
        };
    const next = buildSnapshot({
      now: this.clock.now(),
      project: this.opts.project,
      ...engines,
      health: this.healthReport,
      api: this.api,
      shards: this.shardCount,
      previous: this.current,
      translate: this.opts.translate,
    });
    const diff = this.tracker.diff(this.current, next);
    this.current = next;
    if (!diff.empty && !this.disposed) {
      this.emitter.fire({ snapshot: next, diff });
    }
    return next;
  }
}

/** Whether a container list entry shows what the container's last inspect said (state and health). */
function listedAlike(inspected: ContainerDetails, listed: ContainerSummary): boolean {
  // `Up 3 minutes (healthy)`, `(unhealthy)`, `(health: starting)`; no parenthesis without a health check.
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(listed.status)?.[1];
  return (
    inspected.state === listed.state &&
    inspected.name === listed.name &&
    inspected.health === (health === 'health: starting' ? 'starting' : (health ?? 'none'))
  );
}

/**
 * A monitor's (or one engine's) lifetime: every container's inspect listens on its signal at once
 * (37 and more in a big cluster), each letting go when done, so Node's leak warning at 11 is noise.
 */
function newLifetime(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

function safeCall<T>(fn: (() => T) | undefined): T | undefined {
  try {
    return fn?.();
  } catch {
    return undefined;
  }
}

/** What the monitor knows of one engine: its containers, its event subscription, whether it answers. */
class EngineWatch {
  containers: readonly ContainerDetails[] | undefined;
  /** The next refresh is the periodic check (not asked for by an event, a reconnect or the user). */
  quietCheck = false;
  /** Events that came in while a container refresh was asking Docker (replayed on its answer). */
  eventsDuringRefresh: DockerEvent[] | undefined;
  engine: EngineStatus = { reachable: false, endpoint: undefined, problem: undefined };
  subscription: EventSubscription | undefined;
  /** Aborted when the monitor pauses (as the monitor's own lifetime is). */
  lifetime = newLifetime();
  version: string | undefined;
  latencyMs: number | undefined;
  /** Its container refresh: one in flight per engine, so a slow host never holds the others back. */
  readonly job: Job;

  constructor(
    readonly docker: DockerPort | undefined,
    readonly host: MonitoredHost | undefined,
    refresh: (w: EngineWatch) => Promise<void>,
  ) {
    this.job = new Job(() => refresh(this));
  }

  status(): HostStatus {
    return {
      name: this.host?.name ?? '',
      endpoint: this.docker?.endpoint,
      reachable: this.engine.reachable,
      problem: this.engine.problem,
      version: this.version,
      latencyMs: this.engine.reachable ? this.latencyMs : undefined,
      externalHostname: this.host?.externalHostname,
    };
  }
}

/** Runs a task with at most one in flight; a request during a run causes exactly one re-run. */
class Job {
  private inFlight: Promise<void> | undefined;
  private again = false;
  constructor(private readonly task: () => Promise<void>) {}

  run(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      do {
        this.again = false;
        try {
          await this.task();
        } catch {
          // tasks report through the snapshot
        }
      } while (this.again);
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }
}
