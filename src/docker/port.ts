import { type Disposable } from '../util/disposable';
import {
  type ContainerDetails,
  type ContainerSummary,
  type DockerEvent,
  type EngineInfo,
  type EventStreamState,
  type LogLine,
  type LogOptions,
} from './types';
import { type DockerError } from './errors';

export interface EventHandlers {
  onEvent(event: DockerEvent): void;
  /** connecting → connected → (disconnected → connecting → connected)* → stopped. */
  onState?(state: EventStreamState, error: DockerError | undefined): void;
}

export interface EventSubscription extends Disposable {
  readonly state: EventStreamState;
}

/**
 * Everything the engine needs from Docker. {@link DockerodeClient} is the real one;
 * test/fakes/fakeDocker.ts is the unit-test one. Methods reject only with DockerError.
 */
export interface DockerPort {
  /** Where we connect, for messages ("which endpoint are we talking to?"). */
  readonly endpoint: string;
  ping(signal?: AbortSignal): Promise<EngineInfo>;
  /** Containers with the project's Compose label (all of them when project is undefined), stopped ones included. */
  listContainers(project: string | undefined, signal?: AbortSignal): Promise<ContainerSummary[]>;
  inspect(id: string, signal?: AbortSignal): Promise<ContainerDetails>;
  /**
   * The full `GET /containers/{id}/json` answer, unmasked, for the diagnostics bundle (which masks
   * it itself, and learns the secret values from it to mask them in the logs too).
   */
  inspectRaw(id: string, signal?: AbortSignal): Promise<unknown>;
  /** One live, self-reconnecting event subscription for the project's containers. */
  subscribeEvents(filter: { project?: string | undefined }, handlers: EventHandlers): EventSubscription;
  /** Streams log lines (demultiplexed) until the end, or until aborted when following. */
  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void>;
  /**
   * The same log as text of whole lines, several at a time per stream, each line as Docker sent it
   * (`<timestamp> <text>` with `timestamps`, `\r\n` endings kept): for copying a long log without a
   * string per line. `forEachLogLine` (docker/demux.ts) splits a block into the lines of {@link logs}.
   */
  logText(id: string, opts: LogOptions, onText: (stream: LogLine['stream'], wholeLines: string) => void): Promise<void>;
  /** Waits for the container to stop; resolves with its exit code. */
  wait(
    id: string,
    opts?: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal },
  ): Promise<number>;
  start(id: string, signal?: AbortSignal): Promise<void>;
  stop(id: string, opts?: { timeoutSeconds?: number; signal?: AbortSignal }): Promise<void>;
  restart(id: string, opts?: { timeoutSeconds?: number; signal?: AbortSignal }): Promise<void>;
  /** The engine's images, by their `repo:tag` names (dangling ones have none). */
  listImages(signal?: AbortSignal): Promise<{ readonly id: string; readonly repoTags: readonly string[] }[]>;
}
