import { DockerError } from '../../src/docker/errors';
import { type DockerPort, type EventHandlers, type EventSubscription } from '../../src/docker/port';
import {
  type ContainerDetails,
  type ContainerSummary,
  type DockerEvent,
  type EngineInfo,
  type EventStreamState,
  type LogLine,
  type LogOptions,
} from '../../src/docker/types';

/** In-memory Docker: containers you set, events you emit, an engine you can take down. */
export class FakeDocker implements DockerPort {
  readonly endpoint = 'unix:///fake/docker.sock';
  containers: ContainerDetails[] = [];
  down: DockerError | undefined;
  readonly subscriptions = new Set<{ handlers: EventHandlers; state: EventStreamState }>();
  /** Set to make only `ping` fail (e.g. an engine whose API is too old still lists containers). */
  pingError: DockerError | undefined;
  calls = { ping: 0, list: 0, inspect: 0, subscribe: 0 };
  /** What `wait` resolves with, one answer per call (the last repeats); default 0. */
  waitAnswers: number[] = [];
  readonly stopped: string[] = [];
  /** What `listImages` lists (`repo:tag` names). */
  images: { id: string; repoTags: string[] }[] = [];

  get activeSubscriptions(): number {
    return this.subscriptions.size;
  }

  ping(): Promise<EngineInfo> {
    this.calls.ping++;
    const error = this.down ?? this.pingError;
    return error
      ? Promise.reject(error)
      : Promise.resolve({ version: '20.10.24', apiVersion: '1.41', os: 'linux', endpoint: this.endpoint });
  }

  listContainers(project: string | undefined): Promise<ContainerSummary[]> {
    this.calls.list++;
    if (this.down) {
      return Promise.reject(this.down);
    }
    return Promise.resolve(this.containers.filter((c) => !project || c.project === project));
  }

  inspect(id: string): Promise<ContainerDetails> {
    this.calls.inspect++;
    if (this.down) {
      return Promise.reject(this.down);
    }
    const c = this.containers.find((x) => x.id === id || x.id.startsWith(id) || x.name === id);
    return c ? Promise.resolve(c) : Promise.reject(new DockerError('notFound', `No such container: ${id}`, 404));
  }

  /** The engine's JSON shape of a container (names as the Engine API spells them). */
  inspectRaw(id: string): Promise<unknown> {
    return this.inspect(id).then((c) => ({
      Id: c.id,
      Name: `/${c.name}`,
      Config: { Image: c.image, Labels: c.labels, Env: Object.entries(c.env).map(([k, v]) => `${k}=${v}`) },
      State: { Status: c.state, ExitCode: c.exitCode },
      RestartCount: c.restartCount,
    }));
  }

  subscribeEvents(_filter: { project?: string | undefined }, handlers: EventHandlers): EventSubscription {
    this.calls.subscribe++;
    const sub = { handlers, state: 'connected' as EventStreamState };
    this.subscriptions.add(sub);
    queueMicrotask(() => handlers.onState?.('connected', undefined));
    return {
      get state() {
        return sub.state;
      },
      dispose: () => {
        this.subscriptions.delete(sub);
      },
    };
  }

  /** Sends an event to every live subscription. */
  emit(e: Partial<DockerEvent> & { action: DockerEvent['action']; containerId: string }): void {
    const c = this.containers.find((x) => x.id === e.containerId);
    const ev: DockerEvent = {
      health: undefined,
      name: c?.name,
      service: c?.service,
      project: c?.project,
      exitCode: undefined,
      time: Date.now(),
      timeNano: undefined,
      ...e,
    };
    for (const s of this.subscriptions) {
      s.handlers.onEvent(ev);
    }
  }

  /** Takes the engine down (subscriptions see "disconnected") or brings it back ("connected"). */
  setDown(err: DockerError | undefined): void {
    this.down = err;
    for (const s of this.subscriptions) {
      s.state = err ? 'disconnected' : 'connected';
      s.handlers.onState?.(s.state, err);
    }
  }

  update(service: string, patch: Partial<ContainerDetails>): void {
    this.containers = this.containers.map((c) => (c.service === service ? { ...c, ...patch } : c));
  }

  logs(_id: string, _opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    onLine({ stream: 'stdout', text: 'fake log line', timestamp: undefined });
    return Promise.resolve();
  }

  logText(_id: string, _opts: LogOptions, onText: (stream: LogLine['stream'], text: string) => void): Promise<void> {
    onText('stdout', 'fake log line\n');
    return Promise.resolve();
  }

  wait(): Promise<number> {
    const answer = this.waitAnswers.length > 1 ? this.waitAnswers.shift()! : (this.waitAnswers[0] ?? 0);
    return Promise.resolve(answer);
  }

  start(id: string): Promise<void> {
    this.containers = this.containers.map((c) => (c.id === id ? { ...c, state: 'running' } : c));
    return Promise.resolve();
  }

  stop(id: string): Promise<void> {
    this.stopped.push(id);
    this.containers = this.containers.map((c) => (c.id === id ? { ...c, state: 'exited', exitCode: 143 } : c));
    return Promise.resolve();
  }

  restart(): Promise<void> {
    return Promise.resolve();
  }

  listImages(): Promise<{ id: string; repoTags: string[] }[]> {
    return this.down ? Promise.reject(this.down) : Promise.resolve(this.images);
  }
}
