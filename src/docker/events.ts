import { type Clock, type TimerHandle, systemClock } from '../util/abort';
import { JsonLineSplitter } from './demux';
import { type DockerError } from './errors';
import { type EventHandlers, type EventSubscription } from './port';
import { eventSchema } from './schemas';
import { statusText } from './containerStatus';
import {
  type ContainerDetails,
  type ContainerHealth,
  DOCKER_EVENT_ACTIONS,
  type DockerEvent,
  type DockerEventAction,
  type EventStreamState,
  ComposeLabels,
} from './types';

/** Opens the raw event stream; must reject with a classified DockerError. */
export type OpenEventStream = (signal: AbortSignal) => Promise<NodeJS.ReadableStream>;

/** Reconnect delays (ms); the last one repeats. Bounded so a dead engine is retried slowly but forever. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [250, 500, 1000, 2000, 4000, 8000];

/**
 * One live subscription to Docker's event stream that reconnects with bounded backoff. There is
 * never more than one open stream: a generation counter retires the old stream before a new one
 * is opened, so listeners are never duplicated.
 */
export class EventStream implements EventSubscription {
  private current: EventStreamState = 'connecting';
  private generation = 0;
  private attempt = 0;
  private controller: AbortController | undefined;
  private retryTimer: TimerHandle | undefined;
  private disposed = false;

  constructor(
    private readonly open: OpenEventStream,
    private readonly handlers: EventHandlers,
    private readonly opts: { clock?: Clock; backoffMs?: readonly number[]; classify: (e: unknown) => DockerError },
  ) {
    this.connect();
  }

  get state(): EventStreamState {
    return this.current;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.generation++;
    this.controller?.abort();
    this.controller = undefined;
    if (this.retryTimer) {
      (this.opts.clock ?? systemClock).clearTimeout(this.retryTimer);
    }
    this.setState('stopped', undefined);
  }

  private setState(s: EventStreamState, e: DockerError | undefined): void {
    this.current = s;
    try {
      this.handlers.onState?.(s, e);
    } catch {
      // listener problems stay with the listener
    }
  }

  private connect(): void {
    if (this.disposed) {
      return;
    }
    const gen = ++this.generation;
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.setState('connecting', undefined);
    this.open(controller.signal).then(
      (stream) => {
        if (gen !== this.generation) {
          destroy(stream);
          return;
        }
        this.attempt = 0;
        this.setState('connected', undefined);
        const splitter = new JsonLineSplitter(
          (v) => {
            if (gen === this.generation) {
              const ev = toEvent(v);
              if (ev) {
                this.handlers.onEvent(ev);
              }
            }
          },
          () => undefined,
        );
        let closed = false;
        const onClose = (e?: unknown): void => {
          if (closed) {
            return;
          }
          closed = true;
          if (gen === this.generation && !this.disposed) {
            this.setState('disconnected', e ? this.opts.classify(e) : undefined);
            this.scheduleRetry();
          }
        };
        stream.on('data', (c: Buffer | string) => splitter.push(c));
        stream.on('end', () => onClose());
        stream.on('close', () => onClose());
        stream.on('error', (e: unknown) => onClose(e));
      },
      (e: unknown) => {
        if (gen !== this.generation || this.disposed) {
          return;
        }
        this.setState('disconnected', this.opts.classify(e));
        this.scheduleRetry();
      },
    );
  }

  private scheduleRetry(): void {
    const backoff = this.opts.backoffMs ?? DEFAULT_BACKOFF_MS;
    const delay = backoff[Math.min(this.attempt, backoff.length - 1)] ?? 1000;
    this.attempt++;
    const clock = this.opts.clock ?? systemClock;
    if (this.retryTimer) {
      clock.clearTimeout(this.retryTimer);
    }
    this.retryTimer = clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, delay);
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  (stream as { destroy?: () => void }).destroy?.();
}

/** Engine event JSON → typed event; undefined for anything we do not track. */
export function toEvent(raw: unknown): DockerEvent | undefined {
  const p = eventSchema.safeParse(raw);
  if (!p.success) {
    return undefined;
  }
  const e = p.data;
  if ((e.Type ?? 'container') !== 'container') {
    return undefined;
  }
  const actionRaw = e.Action ?? e.status ?? '';
  let action = actionRaw as DockerEventAction;
  let health: ContainerHealth | undefined;
  if (actionRaw.startsWith('health_status')) {
    action = 'health_status';
    const h = actionRaw.split(':')[1]?.trim();
    health = h === 'healthy' || h === 'unhealthy' || h === 'starting' ? h : undefined;
  }
  if (!(DOCKER_EVENT_ACTIONS as readonly string[]).includes(action)) {
    return undefined;
  }
  const attrs = e.Actor?.Attributes ?? {};
  const id = e.Actor?.ID ?? e.id;
  if (!id) {
    return undefined;
  }
  const exit = attrs.exitCode !== undefined ? Number(attrs.exitCode) : undefined;
  return {
    action,
    health,
    containerId: id,
    name: attrs.name,
    service: attrs[ComposeLabels.service],
    project: attrs[ComposeLabels.project],
    exitCode: Number.isFinite(exit) ? exit : undefined,
    time: e.timeNano !== undefined ? Math.floor(e.timeNano / 1e6) : (e.time ?? 0) * 1000,
    timeNano: e.timeNano !== undefined ? BigInt(Math.floor(e.timeNano)) : undefined,
  };
}

/**
 * What an event says about a container, applied to the containers we know without asking Docker.
 * Inspecting a container right after its `die` waits until the engine has torn it down (the
 * container's lock is held for the unmount and network release: 60–300 ms measured here), so the
 * event's own word (state, exit code, health) is shown at once and a later inspect reconciles.
 * Returns the same array when the event changes nothing we can tell from it (e.g. `create`,
 * `kill`: the signal is sent, the container is still running until its `die`).
 */
export function applyEvent(
  containers: readonly ContainerDetails[] | undefined,
  e: DockerEvent,
): readonly ContainerDetails[] | undefined {
  if (!containers) {
    return containers;
  }
  const index = containers.findIndex((c) => c.id === e.containerId);
  const current = containers[index];
  if (!current) {
    return containers;
  }
  if (e.action === 'destroy') {
    return containers.filter((_, i) => i !== index);
  }
  const next = nextDetails(current, e);
  if (next === current) {
    return containers;
  }
  return containers.map((c, i) => (i === index ? next : c));
}

/** {@link applyEvent} for each event in order: a refresh that ran while events came in replays them on its answer. */
export function applyEvents(
  containers: readonly ContainerDetails[] | undefined,
  events: readonly DockerEvent[],
): readonly ContainerDetails[] | undefined {
  return events.reduce(applyEvent, containers);
}

function nextDetails(c: ContainerDetails, e: DockerEvent): ContainerDetails {
  const at = new Date(e.time).toISOString();
  switch (e.action) {
    case 'start':
    case 'restart':
    case 'unpause': {
      if (c.state === 'running') {
        return c;
      }
      const startedAt = e.action === 'unpause' ? c.startedAt : at;
      // A health check starts over with every start; a container without one stays 'none'.
      const health = e.action === 'unpause' || c.health === 'none' ? c.health : 'starting';
      return {
        ...c,
        state: 'running',
        startedAt,
        health,
        exitCode: e.action === 'unpause' ? c.exitCode : 0,
        status: statusText('running', startedAt, undefined),
      };
    }
    case 'die': {
      const exitCode = e.exitCode ?? c.exitCode;
      if (c.state === 'exited' && c.exitCode === exitCode) {
        return c;
      }
      return { ...c, state: 'exited', exitCode, finishedAt: at, status: statusText('exited', c.startedAt, exitCode) };
    }
    case 'stop':
      // `stop` follows `die` (which carried the exit code); on its own it still means "not running".
      return c.state === 'exited'
        ? c
        : { ...c, state: 'exited', finishedAt: at, status: statusText('exited', c.startedAt, c.exitCode) };
    case 'pause':
      return c.state === 'paused'
        ? c
        : { ...c, state: 'paused', status: statusText('paused', c.startedAt, c.exitCode) };
    case 'health_status':
      return e.health === undefined || e.health === c.health ? c : { ...c, health: e.health };
    default:
      return c;
  }
}
