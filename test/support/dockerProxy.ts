/**
 * A Docker API proxy on a unix socket, in front of a real daemon, for engine fault tests. It is
 * the engine's side of the wire: it counts every request and the open `/events` streams, and it
 * injects faults a real engine shows (the endpoint gone, the event stream cut or refused, a
 * daemon whose API is too old, a container removed between list and inspect). Nothing in the
 * product knows about it: the client under test only gets its socket path as the Docker host.
 */
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';

export interface ProxiedRequest {
  readonly at: number;
  readonly method: string;
  /** The path without the API version prefix and query, e.g. `/containers/json`. */
  readonly path: string;
}

/** What Docker 1.12 answers on /version: API 1.24, older than the 1.25 the extension needs. */
const OLD_ENGINE_VERSION = {
  Version: '1.12.6',
  ApiVersion: '1.24',
  MinAPIVersion: '1.12',
  Os: 'linux',
  Arch: 'amd64',
  GitCommit: '78d1802',
  GoVersion: 'go1.6.4',
  KernelVersion: '6.1.0',
  BuildTime: '2017-01-10T20:38:45.000000000+00:00',
};

export class DockerProxy {
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Open /events streams and the `filters` each asked for. */
  private readonly eventResponses = new Map<http.ServerResponse, string>();
  readonly requests: ProxiedRequest[] = [];
  /** Refuse new /events streams (answered and closed at once, as a daemon shutting down does). */
  refuseEvents = false;
  /** Answer as an engine whose API is too old (1.24). */
  tooOld = false;
  /** Runs before an inspect (`GET /containers/{id}/json`) is forwarded; e.g. removes the container. */
  beforeInspect: ((id: string) => Promise<void>) | undefined;

  constructor(
    readonly path: string,
    // The engine the rest of the tier uses: DOCKER_HOST's socket when it names one (e.g. a second engine).
    private readonly target = process.env.DOCKER_HOST?.startsWith('unix://')
      ? process.env.DOCKER_HOST.slice('unix://'.length)
      : '/var/run/docker.sock',
  ) {}

  get eventsOpen(): number {
    return this.eventResponses.size;
  }

  /** Open /events streams filtered on a project's label (several clusters may share one engine). */
  eventsOpenFor(project: string): number {
    return [...this.eventResponses.values()].filter((f) => f.includes(`com.docker.compose.project=${project}"`)).length;
  }

  /** Requests for `path` (e.g. `/containers/json`) since `since` (ms epoch). */
  count(path: string | RegExp, since = 0): number {
    return this.requests.filter(
      (r) => r.at >= since && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    ).length;
  }

  start(): Promise<void> {
    fs.rmSync(this.path, { force: true });
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((r) => server.listen(this.path, r));
  }

  /** The endpoint goes away: the socket is removed and every connection dropped. */
  stop(): Promise<void> {
    const srv = this.server;
    this.server = undefined;
    for (const s of this.sockets) {
      s.destroy();
    }
    this.eventResponses.clear();
    fs.rmSync(this.path, { force: true });
    return new Promise((r) => (srv ? srv.close(() => r()) : r()));
  }

  /** Cuts every open event stream mid-way (the connection drops; the daemon stays up). */
  cutEvents(): void {
    for (const res of this.eventResponses.keys()) {
      res.socket?.destroy();
    }
    this.eventResponses.clear();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    this.requests.push({ at: Date.now(), method: req.method ?? 'GET', path });
    if (this.tooOld) {
      if (path === '/version') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(OLD_ENGINE_VERSION));
        return;
      }
      // An old engine does answer unversioned requests; only /version tells its age.
    }
    const events = path === '/events';
    if (events && this.refuseEvents) {
      req.socket.destroy();
      return;
    }
    const inspect = req.method === 'GET' && /^\/containers\/[^/]+\/json$/.exec(path);
    if (inspect && this.beforeInspect) {
      await this.beforeInspect(decodeURIComponent(path.split('/')[2] ?? '')).catch(() => undefined);
    }
    const upstream = http.request(
      { socketPath: this.target, method: req.method, path: req.url, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (events) {
          res.flushHeaders();
          this.eventResponses.set(res, url.searchParams.get('filters') ?? '');
          res.on('close', () => this.eventResponses.delete(res));
        }
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
