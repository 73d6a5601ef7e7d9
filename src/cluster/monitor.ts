import { ApiError } from '../api/errors';
import { type HealthReport } from '../api/health';
import { DockerError, classifyDockerError, isEngineProblem } from '../docker/errors';
import { applyEvent, applyEvents } from '../docker/events';
import { type DockerPort, type EventSubscription } from '../docker/port';
import { type ContainerDetails, type DockerEvent } from '../docker/types';
import { type Clock, type TimerHandle, systemClock } from '../util/abort';
import { type Translate } from '../util/translate';
import { type Disposable, Emitter } from '../util/disposable';
import { DiffTracker, type SnapshotDiff } from './diff';
import { buildSnapshot } from './snapshot';
import { type ApiStatus, type ClusterSnapshot, type DeclaredService, type EngineStatus } from './types';

export interface MonitorOptions {
  readonly project: string | undefined;
  /** Docker access; undefined = no Docker (health only). */
  readonly docker?: DockerPort | undefined;
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
 * short burst of fast health polls follows; otherwise health is polled on an interval. It runs only while someone
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
  private containers: readonly ContainerDetails[] | undefined;
  /** Events that came in while a container refresh was asking Docker (replayed on its answer). */
  private eventsDuringRefresh: DockerEvent[] | undefined;
  private engine: EngineStatus = { reachable: false, endpoint: undefined, problem: undefined };
  private healthReport: HealthReport | undefined;
  private api: ApiStatus = { status: 'off', errorKind: undefined, message: undefined, fingerprint256: undefined };
  private shardCount: number | undefined;
  private shardsAskedAt = -Infinity;

  private running = false;
  private disposed = false;
  private lifetime = new AbortController();
  private subscription: EventSubscription | undefined;
  private pollTimer: TimerHandle | undefined;
  private containerTimer: TimerHandle | undefined;
  private burstTimers: TimerHandle[] = [];
  private readonly containerJob: Job;
  private readonly healthJob: Job;

  constructor(private readonly opts: MonitorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.pollIntervalMs = opts.pollIntervalMs ?? 5000;
    this.burstDelays = opts.burstDelaysMs ?? [300, 700, 1200, 2000, 3000, 4000];
    this.containerPollMs = opts.containerPollMs ?? 60_000;
    this.shardsPollMs = opts.shardsPollMs ?? 60_000;
    this.emitter = new Emitter<MonitorChange>((count) => (count > 0 ? this.start() : this.pause()));
    this.containerJob = new Job(() => this.refreshContainers());
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
    await Promise.all([this.containerJob.run(), this.healthJob.run()]);
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
    this.lifetime = new AbortController();
    const docker = this.opts.docker;
    if (docker) {
      this.subscription = docker.subscribeEvents(
        { project: this.opts.project },
        {
          onEvent: (e) => this.onDockerEvent(e),
          onState: (state, error) => {
            if (state === 'connected') {
              // (Re)connected: catch up on whatever happened while we were not listening.
              void this.containerJob.run();
              void this.healthJob.run();
            } else if (state === 'disconnected' && error && isEngineProblem(error)) {
              this.setEngineDown(error);
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
    this.subscription?.dispose();
    this.subscription = undefined;
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
      if (this.opts.docker && (!this.engine.reachable || this.subscription?.state !== 'connected')) {
        void this.containerJob.run();
      }
    }, this.pollIntervalMs);
  }

  private scheduleContainerPoll(): void {
    if (!this.opts.docker) {
      return;
    }
    this.containerTimer = this.clock.setTimeout(() => {
      this.containerTimer = undefined;
      if (this.running) {
        void this.containerJob.run();
        this.scheduleContainerPoll();
      }
    }, this.containerPollMs);
  }

  private onDockerEvent(e: DockerEvent): void {
    if (!this.running) {
      return;
    }
    this.eventsDuringRefresh?.push(e);
    const next = applyEvent(this.containers, e);
    if (next !== this.containers) {
      this.containers = next;
      this.publish();
    }
    void this.containerJob.run();
    // A node changed: the application's view follows within seconds; poll fast for a while.
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

  private async refreshContainers(): Promise<void> {
    const docker = this.opts.docker;
    if (!docker) {
      this.publish();
      return;
    }
    const signal = this.lifetime.signal;
    const events: DockerEvent[] = [];
    this.eventsDuringRefresh = events;
    try {
      if (!this.engine.reachable) {
        // First contact, or back after a problem: is this an engine we can use (its API version)?
        // An old engine answers the other requests too, just not the way the model relies on.
        await docker.ping(signal);
      }
      const list = await docker.listContainers(this.opts.project, signal);
      const details = await Promise.all(
        list.map(async (c) => {
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
      this.containers = applyEvents(
        details.filter((d): d is ContainerDetails => d !== undefined),
        events,
      );
      this.engine = { reachable: true, endpoint: docker.endpoint, problem: undefined };
    } catch (e) {
      const err = classifyDockerError(e, docker.endpoint);
      if (err.kind === 'aborted') {
        return;
      }
      this.setEngineDown(err);
    } finally {
      this.eventsDuringRefresh = undefined;
    }
    this.publish();
  }

  private setEngineDown(err: DockerError): void {
    const kind =
      err.kind === 'daemonDown' ||
      err.kind === 'permissionDenied' ||
      err.kind === 'unreachable' ||
      err.kind === 'apiTooOld'
        ? err.kind
        : err.kind === 'timeout'
          ? 'unreachable'
          : 'other';
    this.engine = { reachable: false, endpoint: this.opts.docker?.endpoint, problem: { kind, message: err.message } };
    this.containers = undefined;
  }

  private async refreshHealth(): Promise<void> {
    const fetchHealth = this.opts.health;
    if (!fetchHealth) {
      this.publish();
      return;
    }
    const signal = this.lifetime.signal;
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
    const next = buildSnapshot({
      now: this.clock.now(),
      project: this.opts.project,
      declared: safeCall(this.opts.declared),
      containers: this.containers,
      engine: this.opts.docker ? this.engine : { reachable: false, endpoint: undefined, problem: undefined },
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

function safeCall<T>(fn: (() => T) | undefined): T | undefined {
  try {
    return fn?.();
  } catch {
    return undefined;
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
