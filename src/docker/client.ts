import fs from 'node:fs';
import os from 'node:os';
import type { Agent } from 'node:http';
import type Dockerode from 'dockerode';
import { type z } from 'zod';
import { type Clock, signalWithTimeout } from '../util/abort';
import { MASK, isSecretName } from '../util/redact';
import { type Result, err, ok } from '../util/result';
import { LogDemuxer, LogTextDemuxer } from './demux';
import { type DockerEndpoint, resolveDockerEndpoint } from './endpoint';
import { negotiateApiVersion } from './apiVersion';
import { statusText, validTime } from './containerStatus';
import { DockerError, classifyDockerError, isEngineProblem } from './errors';
import { EventStream } from './events';
import { SshDockerDialer, sshConnectConfig, sshDockerAgent } from './sshDial';
import { type DockerPort, type EventHandlers, type EventSubscription } from './port';
import { containerInspectSchema, containerListSchema, imageListSchema, versionSchema, waitSchema } from './schemas';
import {
  ComposeLabels,
  type ContainerDetails,
  type ContainerState,
  type ContainerSummary,
  DOCKER_EVENT_ACTIONS,
  type EngineInfo,
  type LogLine,
  type LogOptions,
  type PortBinding,
} from './types';

/** Masks the values of secret-named variables in inspect results (the bundle's pattern: isSecretName). */
export function maskEnv(env: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of env) {
    const eq = kv.indexOf('=');
    const k = eq >= 0 ? kv.slice(0, eq) : kv;
    const v = eq >= 0 ? kv.slice(eq + 1) : '';
    out[k] = isSecretName(k) && v !== '' ? MASK : v;
  }
  return out;
}

export interface DockerClientOptions {
  /** The `waCluster.docker.host` setting. */
  readonly hostSetting?: string | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  /** Reconnect delays for the event stream. */
  readonly eventBackoffMs?: readonly number[];
  /** Per-request timeout for non-streaming calls (ms); default 15 s. */
  readonly timeoutMs?: number;
}

/** Resolves the endpoint from the real environment and files. */
export function resolveEndpointFromEnvironment(
  hostSetting?: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Result<DockerEndpoint, DockerError> {
  return resolveDockerEndpoint({
    setting: hostSetting,
    env,
    homeDir: os.homedir(),
    platform: process.platform,
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: (p) => fs.existsSync(p),
  });
}

/**
 * The real {@link DockerPort}: dockerode over the resolved endpoint. Every response is validated
 * with zod; every failure is a classified {@link DockerError}.
 */
export class DockerodeClient implements DockerPort {
  readonly endpoint: string;
  /** dockerode (and ssh2 under it) loads with the first request, so activating the extension does not pay for it. */
  private docker: Promise<Dockerode> | undefined;
  private readonly timeoutMs: number;
  /** The engine and the API version every request is pinned to, once negotiated (first request, and again after the engine was lost). */
  private engine: Promise<EngineInfo> | undefined;

  private constructor(
    readonly resolved: DockerEndpoint,
    private readonly opts: DockerClientOptions,
  ) {
    this.endpoint = resolved.description;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** Creates a client, or a typed error when the endpoint configuration itself is unusable. */
  static create(opts: DockerClientOptions = {}): Result<DockerodeClient, DockerError> {
    const ep = resolveEndpointFromEnvironment(opts.hostSetting, opts.env ?? process.env);
    return ep.ok ? ok(new DockerodeClient(ep.value, opts)) : err(ep.error);
  }

  static fromEndpoint(endpoint: DockerEndpoint, opts: DockerClientOptions = {}): DockerodeClient {
    return new DockerodeClient(endpoint, opts);
  }

  private dockerode(): Promise<Dockerode> {
    this.docker ??= import('dockerode').then((m) => {
      const o = this.resolved.modemOptions;
      if (this.resolved.kind !== 'ssh') {
        return new m.default(o);
      }
      // docker-modem's own ssh transport logs in again for every request: one connection instead.
      // The socket path is only a name: the agent makes every connection. A request with a host
      // would be given to VS Code's proxy support, which replaces the agent for any host but
      // localhost (http.proxySupport "override", the default) and so would speak HTTP to sshd.
      // (docker-modem takes an `agent`; dockerode's types do not list it.)
      const viaSsh: Dockerode.DockerOptions & { agent: Agent } = {
        ...o,
        protocol: 'http',
        host: undefined,
        port: undefined,
        socketPath: `ssh-channels-of:${this.resolved.description}`,
        sshOptions: undefined,
        agent: sshDockerAgent(new SshDockerDialer(sshConnectConfig(o))),
      };
      return new m.default(viaSsh);
    });
    return this.docker;
  }

  private classify(e: unknown, what?: string): DockerError {
    return classifyDockerError(e, this.endpoint, what);
  }

  /**
   * Asks the engine's `GET /version` (unversioned, which every engine answers) and pins the modem
   * to the negotiated API version (see negotiateApiVersion): `/v1.41/…` on 20.10, `/v1.47/…` on
   * 27 and newer. Shared by concurrent callers; forgotten when it fails or the engine is lost, so a
   * restarted or upgraded engine is asked again.
   */
  private negotiate(signal: AbortSignal): Promise<EngineInfo> {
    this.engine ??= (async (): Promise<EngineInfo> => {
      const docker = await this.dockerode();
      const modem = docker.modem as { version?: string | undefined };
      modem.version = undefined;
      let raw: unknown;
      try {
        raw = await (docker.version as (o: object) => Promise<unknown>).call(docker, { abortSignal: signal });
      } catch (e) {
        throw this.classify(e, 'Docker version');
      }
      const v = this.parse(versionSchema, raw, 'Docker version');
      const n = negotiateApiVersion(
        { apiVersion: v.ApiVersion, minApiVersion: v.MinAPIVersion },
        this.opts.env ?? process.env,
      );
      if (!n.ok) {
        throw new DockerError('apiTooOld', `Docker at ${this.endpoint} is ${v.Version}: ${n.message}. Upgrade Docker.`);
      }
      modem.version = `v${n.version}`;
      return {
        version: v.Version,
        apiVersion: v.ApiVersion,
        os: v.Os ?? '',
        endpoint: this.endpoint,
        requestApiVersion: n.version,
      };
    })();
    this.engine.catch(() => {
      this.engine = undefined;
    });
    return this.engine;
  }

  /** Negotiates first, and forgets the negotiation when the engine turns out to be gone. */
  private async negotiated<T>(
    signal: AbortSignal | undefined,
    fn: (docker: Dockerode) => Promise<T>,
    classify: (e: unknown) => DockerError,
  ): Promise<T> {
    // The negotiation is bounded even when the call itself is not (logs, wait).
    const asking = signalWithTimeout([signal], this.timeoutMs);
    try {
      await this.negotiate(asking.signal);
    } finally {
      asking.dispose();
    }
    try {
      return await fn(await this.dockerode());
    } catch (e) {
      const d = classify(e);
      if (isEngineProblem(d)) {
        this.engine = undefined;
      }
      throw d;
    }
  }

  private async call<T>(
    what: string,
    signal: AbortSignal | undefined,
    fn: (abortSignal: AbortSignal, docker: Dockerode) => Promise<T>,
  ): Promise<T> {
    const owned = signalWithTimeout([signal], this.timeoutMs);
    try {
      return await this.negotiated(
        owned.signal,
        (docker) => fn(owned.signal, docker),
        (e) => this.classify(e, what),
      );
    } catch (e) {
      if (owned.timedOut()) {
        throw new DockerError(
          'timeout',
          `${what}: Docker at ${this.endpoint} did not answer within ${this.timeoutMs / 1000} s`,
          undefined,
          { cause: e },
        );
      }
      throw this.classify(e, what);
    } finally {
      owned.dispose();
    }
  }

  private parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
    const r = schema.safeParse(value);
    if (!r.success) {
      throw new DockerError(
        'malformed',
        `${what}: unexpected answer from Docker (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`,
      );
    }
    return r.data;
  }

  /** Asks the engine afresh (its version may have changed) and negotiates the API version again. */
  async ping(signal?: AbortSignal): Promise<EngineInfo> {
    this.engine = undefined;
    return this.call('Docker version', signal, (abortSignal) => this.negotiate(abortSignal));
  }

  async listContainers(project: string | undefined, signal?: AbortSignal): Promise<ContainerSummary[]> {
    const filters = { label: [project ? `${ComposeLabels.project}=${project}` : ComposeLabels.project] };
    const raw = await this.call(
      'List containers',
      signal,
      (abortSignal, docker) =>
        docker.listContainers({
          all: true,
          filters,
          abortSignal,
        } as Dockerode.ContainerListOptions) as Promise<unknown>,
    );
    return this.parse(containerListSchema, raw, 'List containers').map((c) => {
      const labels = c.Labels;
      return {
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
        image: c.Image,
        state: toState(c.State),
        status: c.Status ?? '',
        createdAt: c.Created * 1000,
        labels,
        ports: (c.Ports ?? []).map((p) => ({
          containerPort: p.PrivatePort,
          protocol: p.Type,
          hostIp: p.IP,
          hostPort: p.PublicPort,
        })),
        ...composeFields(labels),
      };
    });
  }

  inspectRaw(id: string, signal?: AbortSignal): Promise<unknown> {
    return this.call(
      `Inspect ${id.slice(0, 12)}`,
      signal,
      (abortSignal, docker) => docker.getContainer(id).inspect({ abortSignal } as object) as Promise<unknown>,
    );
  }

  async inspect(id: string, signal?: AbortSignal): Promise<ContainerDetails> {
    const raw = await this.inspectRaw(id, signal);
    const c = this.parse(containerInspectSchema, raw, 'Inspect');
    const labels = c.Config.Labels;
    const ports: PortBinding[] = [];
    for (const [key, bindings] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
      const [portStr, protocol = 'tcp'] = key.split('/');
      const containerPort = Number(portStr);
      if (!bindings || bindings.length === 0) {
        ports.push({ containerPort, protocol, hostIp: undefined, hostPort: undefined });
      } else {
        for (const b of bindings) {
          ports.push({
            containerPort,
            protocol,
            hostIp: b.HostIp || undefined,
            hostPort: b.HostPort ? Number(b.HostPort) : undefined,
          });
        }
      }
    }
    ports.sort((a, b) => a.containerPort - b.containerPort || (a.hostIp ?? '').localeCompare(b.hostIp ?? ''));
    const state = toState(c.State.Status);
    const health = c.State.Health?.Status;
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      state,
      status: statusText(state, c.State.StartedAt ?? undefined, c.State.ExitCode ?? undefined),
      createdAt: Date.parse(c.Created),
      labels,
      ports,
      ...composeFields(labels),
      health: health === 'healthy' || health === 'unhealthy' || health === 'starting' ? health : 'none',
      restartCount: c.RestartCount ?? 0,
      startedAt: validTime(c.State.StartedAt),
      finishedAt: validTime(c.State.FinishedAt),
      exitCode: c.State.ExitCode ?? undefined,
      hostname: c.Config.Hostname ?? undefined,
      env: maskEnv(c.Config.Env ?? []),
      tty: c.Config.Tty ?? false,
      error: c.State.Error || undefined,
    };
  }

  subscribeEvents(filter: { project?: string | undefined }, handlers: EventHandlers): EventSubscription {
    const filters: Record<string, string[]> = {
      type: ['container'],
      event: [...DOCKER_EVENT_ACTIONS],
      label: [filter.project ? `${ComposeLabels.project}=${filter.project}` : ComposeLabels.project],
    };
    return new EventStream(
      async (abortSignal) => {
        return this.negotiated(
          abortSignal,
          (docker) => docker.getEvents({ filters, abortSignal } as object),
          (e) => this.classify(e, 'Docker events'),
        );
      },
      handlers,
      {
        ...(this.opts.clock ? { clock: this.opts.clock } : {}),
        ...(this.opts.eventBackoffMs ? { backoffMs: this.opts.eventBackoffMs } : {}),
        classify: (e) => this.classify(e, 'Docker events'),
      },
    );
  }

  async logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    await this.readLog(id, opts, (tty) => new LogDemuxer(onLine, { tty, timestamps: opts.timestamps ?? false }));
  }

  async logText(
    id: string,
    opts: LogOptions,
    onText: (stream: LogLine['stream'], wholeLines: string) => void,
  ): Promise<void> {
    await this.readLog(id, opts, (tty) => new LogTextDemuxer(onText, { tty }));
  }

  private async readLog(
    id: string,
    opts: LogOptions,
    demuxer: (tty: boolean) => { push(chunk: Buffer): void; end(): void },
  ): Promise<void> {
    const details = await this.inspect(id, opts.signal);
    const demux = demuxer(details.tty);
    const query = {
      stdout: true,
      stderr: true,
      follow: opts.follow ?? false,
      timestamps: opts.timestamps ?? false,
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      ...(opts.signal ? { abortSignal: opts.signal } : {}),
    };
    // Dockerode's container.logs() buffers a whole non-followed log in memory before it answers;
    // the same request dialled as a stream hands it over chunk by chunk, however long the log is.
    const out: unknown = await this.negotiated(
      opts.signal,
      (docker) =>
        new Promise<unknown>((resolve, reject) =>
          (docker.modem as unknown as Dial).dial(
            {
              path: `/containers/${id}/logs?`,
              method: 'GET',
              abortSignal: opts.signal,
              isStream: true,
              statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
              options: query,
            },
            (err, data) => (err ? reject(err) : resolve(data)),
          ),
        ),
      (e) => this.classify(e, `Logs of ${details.name}`),
    );
    if (Buffer.isBuffer(out)) {
      demux.push(out);
      demux.end();
      return;
    }
    const stream = out as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        opts.signal?.removeEventListener('abort', onAbort);
        demux.end();
        resolve();
      };
      const onAbort = (): void => {
        (stream as { destroy?: () => void }).destroy?.();
        done();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', (e: unknown) => {
        if (opts.signal?.aborted) {
          done();
        } else {
          reject(this.classify(e, `Logs of ${details.name}`));
        }
      });
    });
  }

  async wait(
    id: string,
    opts: { condition?: 'not-running' | 'next-exit' | 'removed'; signal?: AbortSignal } = {},
  ): Promise<number> {
    // No timeout: waiting for an upgrade container can take long; cancellation is the caller's.
    const raw: unknown = await this.negotiated(
      opts.signal,
      (docker) =>
        docker.getContainer(id).wait({
          condition: opts.condition ?? 'not-running',
          ...(opts.signal ? { abortSignal: opts.signal } : {}),
        } as object) as Promise<unknown>,
      (e) => this.classify(e, `Wait for ${id.slice(0, 12)}`),
    );
    return this.parse(waitSchema, raw, 'Wait').StatusCode;
  }

  async start(id: string, signal?: AbortSignal): Promise<void> {
    await this.idempotent(
      `Start ${id.slice(0, 12)}`,
      signal,
      (abortSignal, docker) => docker.getContainer(id).start({ abortSignal } as object) as Promise<unknown>,
    );
  }

  async stop(id: string, opts: { timeoutSeconds?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.idempotent(
      `Stop ${id.slice(0, 12)}`,
      opts.signal,
      (abortSignal, docker) =>
        docker.getContainer(id).stop({
          ...(opts.timeoutSeconds !== undefined ? { t: opts.timeoutSeconds } : {}),
          abortSignal,
        } as object) as Promise<unknown>,
      (opts.timeoutSeconds ?? 10) * 1000,
    );
  }

  async restart(id: string, opts: { timeoutSeconds?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.idempotent(
      `Restart ${id.slice(0, 12)}`,
      opts.signal,
      (abortSignal, docker) =>
        docker.getContainer(id).restart({
          ...(opts.timeoutSeconds !== undefined ? { t: opts.timeoutSeconds } : {}),
          abortSignal,
        } as object) as Promise<unknown>,
      (opts.timeoutSeconds ?? 10) * 1000,
    );
  }

  async listImages(signal?: AbortSignal): Promise<{ id: string; repoTags: string[] }[]> {
    const raw = await this.call(
      'List images',
      signal,
      (abortSignal, docker) => docker.listImages({ abortSignal } as Dockerode.ListImagesOptions) as Promise<unknown>,
    );
    return this.parse(imageListSchema, raw, 'List images').map((i) => ({ id: i.Id, repoTags: i.RepoTags }));
  }

  /** start/stop answer 304 when already in that state: that is success. */
  private async idempotent(
    what: string,
    signal: AbortSignal | undefined,
    fn: (s: AbortSignal, docker: Dockerode) => Promise<unknown>,
    extraMs = 0,
  ): Promise<void> {
    const owned = signalWithTimeout([signal], this.timeoutMs + extraMs);
    try {
      await this.negotiated(
        owned.signal,
        (docker) => fn(owned.signal, docker),
        (e) =>
          (e as { statusCode?: number }).statusCode === 304
            ? new DockerError('conflict', 'not modified', 304)
            : this.classify(e, what),
      );
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 304) {
        return;
      }
      if (owned.timedOut()) {
        throw new DockerError('timeout', `${what}: Docker did not answer in time`, undefined, { cause: e });
      }
      throw this.classify(e, what);
    } finally {
      owned.dispose();
    }
  }
}

function composeFields(
  labels: Readonly<Record<string, string>>,
): Pick<ContainerSummary, 'project' | 'service' | 'containerNumber' | 'oneoff'> {
  const n = Number(labels[ComposeLabels.number]);
  return {
    project: labels[ComposeLabels.project],
    service: labels[ComposeLabels.service],
    containerNumber: Number.isFinite(n) && n > 0 ? n : undefined,
    oneoff: (labels[ComposeLabels.oneoff] ?? '').toLowerCase() === 'true',
  };
}

function toState(s: string): ContainerState {
  const v = s.toLowerCase();
  return (
    (['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const).find((x) => x === v) ??
    'unknown'
  );
}

/** The part of docker-modem used to dial a request as a stream (Dockerode's typings leave it out). */
interface Dial {
  dial(o: object, cb: (err: Error | null, data: unknown) => void): void;
}
