/**
 * Engine faults (issue #12, item 2), each against a real engine: the event stream cut and
 * refused, a container removed between list and inspect, a daemon whose API is too old, Compose
 * missing or killed mid-command, permission denied on the socket, and dockerd itself stopped and
 * restarted (a private dockerd, never the machine's). After each, the model shows the classified
 * state, recovers by itself, and holds one event subscription and one poll loop, counted from the
 * engine's side: a proxy on the wire counts /events streams and requests, the private daemon
 * reports its event listeners, and a local server counts health polls.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ApiError } from '../../src/api/errors';
import { ClusterMonitor } from '../../src/cluster/monitor';
import { DockerodeClient } from '../../src/docker/client';
import { ComposeError, detectCompose, spawnLines } from '../../src/docker/compose';
import * as h from '../emulator/src/harness';
import { Watch, node } from '../fakes/engineWatch';
import { DockerProxy } from '../support/dockerProxy';
import { type MonitorLine } from '../support/monitorProcess';
import { PrivateDockerd, SLEEP_IMAGE } from '../support/privateDockerd';
import { repoRoot } from '../support/paths';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 1000;
const WINDOW_MS = 5000;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`);
    }
    await sleep(100);
  }
}

/** A stand-in for the web's /v1/health that counts the polls it gets (the "poll loop" from outside). */
class HealthCounter {
  polls = 0;
  private readonly server = http.createServer((_req, res) => {
    this.polls++;
    res.writeHead(503).end();
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/v1/health`;
  }

  /** The monitor's health function: one request, answered 503 (the API is not what these tests are about). */
  readonly fetch = async (signal: AbortSignal): Promise<never> => {
    const r = await fetch(this.url, { signal });
    throw new ApiError('http', `HTTP ${r.status}`);
  };

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Steady {
  readonly healthPolls: number;
  readonly containerLists: number;
  readonly eventStreams: number;
}

describe('engine faults (Docker): classified, recovered, one subscription and one poll loop afterwards', function () {
  this.timeout(240_000);
  const project = `engfault${process.pid}`;
  let dir = '';
  const proxy = new DockerProxy(path.join(os.tmpdir(), `wa-engine-faults-${process.pid}.sock`));
  const health = new HealthCounter();
  let ws: h.Workspace;
  let watch: Watch;
  let dbImage: string;
  const steadyStates: Steady[] = [];

  /** Waits for the bursts to settle, then counts one quiet window on the wire. */
  async function steady(after: string): Promise<Steady> {
    await sleep(1500);
    const t0 = Date.now();
    const polls0 = health.polls;
    await sleep(WINDOW_MS);
    const s = {
      healthPolls: health.polls - polls0,
      containerLists: proxy.count('/containers/json', t0),
      eventStreams: proxy.eventsOpen,
    };
    console.log(
      `      after ${after}: ${s.eventStreams} /events stream(s), ${s.healthPolls} health polls and ${s.containerLists} container lists in ${WINDOW_MS} ms`,
    );
    assert.equal(s.eventStreams, 1, `exactly one event subscription on the wire after ${after}`);
    assert.ok(
      s.healthPolls >= WINDOW_MS / POLL_MS - 1 && s.healthPolls <= WINDOW_MS / POLL_MS + 1,
      `one health poll loop after ${after} (${s.healthPolls} polls)`,
    );
    assert.ok(s.containerLists <= 1, `no container polling while events flow after ${after} (${s.containerLists})`);
    steadyStates.push(s);
    return s;
  }

  /** What the engine has: per service, its newest container (Compose's replica) and its state. */
  const projectContainers = async () => {
    const out = await h.exec('docker', [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.ID}} {{.State}} {{.Label "com.docker.compose.service"}}',
    ]);
    const newest = new Map<string, string>();
    for (const [id, state, service] of out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))) {
      if (service && !newest.has(service)) {
        newest.set(service, `${id} ${state}`); // docker ps lists the newest first
      }
    }
    return [...newest.values()].sort();
  };

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-engine-faults-'));
    await h.buildImages();
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort() });
    await h.up(ws, ['db']);
    dbImage = (
      await h.exec('docker', ['inspect', '-f', '{{.Config.Image}}', await h.containerIdOf(ws, 'db')])
    ).stdout.trim();
    await proxy.start();
    await health.start();
    const d = DockerodeClient.create({ hostSetting: `unix://${proxy.path}`, eventBackoffMs: [200, 400, 800, 1000] });
    assert.ok(d.ok);
    watch = new Watch(
      new ClusterMonitor({
        project,
        docker: d.value,
        pollIntervalMs: POLL_MS,
        burstDelaysMs: [300],
        health: health.fetch,
      }),
    );
    await watch.until((s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running', 20_000, 'db seen');
  });

  after(async function () {
    watch?.dispose();
    await proxy.stop();
    await health.stop();
    if (ws) {
      await h.exec('docker', ['rm', '-f', `${project}-extra`]).catch(() => undefined);
      await h.down(ws, { volumes: true });
    }
    if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('steady state: one /events stream, one health poll per interval, containers listed only on events', async function () {
    await until('one /events connection', () => proxy.eventsOpen === 1);
    await steady('start');
  });

  it('the event stream cut (and refused while it is cut): containers polled meanwhile, then one stream again and events flow', async function () {
    proxy.refuseEvents = true;
    proxy.cutEvents();
    const id = node(watch.monitor.snapshot!, 'db')!.container!.id;
    await h.exec('docker', ['stop', '-t', '1', id]);
    // No events now: the poll loop lists containers instead and sees the stop.
    await watch.until(
      (s) => node(s, 'db')?.container?.state === 'exited',
      3 * POLL_MS + 2000,
      'db seen stopped without events',
    );
    assert.equal(watch.monitor.snapshot!.engine.reachable, true, 'a cut stream is not an engine problem');
    const t0 = Date.now();
    await sleep(3000);
    const lists = proxy.count('/containers/json', t0);
    assert.ok(lists >= 2 && lists <= 4, `containers polled once per interval while events are cut (${lists} in 3 s)`);
    proxy.refuseEvents = false;
    await until('one /events connection after the cut', () => proxy.eventsOpen === 1);
    await h.exec('docker', ['start', id]);
    await watch.until((s) => node(s, 'db')?.container?.state === 'running', 3000, 'db start seen through events');
    await steady('the event stream was cut');
  });

  it('a container removed between list and inspect is left out, never an engine problem', async function () {
    const changesBefore = watch.changes.length;
    const dbId = node(watch.monitor.snapshot!, 'db')!.container!.id;
    let removed = '';
    // The engine removes the new container after the monitor listed it and before it inspects it.
    proxy.beforeInspect = async (id) => {
      if (!removed && !dbId.startsWith(id)) {
        removed = id;
        await h.exec('docker', ['rm', '-f', id]);
      }
    };
    await h.exec('docker', [
      'create',
      '--name',
      `${project}-extra`,
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      'com.docker.compose.service=wacore9',
      dbImage,
    ]);
    await until('the extra container inspected (and removed just before)', () => removed !== '', 10_000);
    proxy.beforeInspect = undefined;
    await sleep(1500);
    const s = watch.monitor.snapshot!;
    assert.equal(s.engine.reachable, true);
    assert.equal(node(s, 'wacore9')?.container ?? null, null, 'the removed container is not shown');
    assert.equal(node(s, 'db')?.container?.state, 'running');
    assert.ok(
      watch.changes.slice(changesBefore).every((c) => c.change.snapshot.engine.reachable),
      'never "engine unreachable" on the way',
    );
    await steady('a container vanished between list and inspect');
  });

  it('a Docker API too old (1.24) is "apiTooOld" with an upgrade hint; the upgraded engine is picked up by itself', async function () {
    await proxy.stop();
    proxy.tooOld = true;
    await proxy.start();
    const { snapshot: old } = await watch.until((s) => s.engine.problem?.kind === 'apiTooOld', 15_000, 'apiTooOld');
    assert.match(old.engine.problem?.message ?? '', /API 1\.24.*1\.25 or newer.*Upgrade Docker/);
    assert.ok(
      old.nodes.every((n) => n.container === null),
      'nothing shown from an engine we cannot use',
    );
    await proxy.stop();
    proxy.tooOld = false;
    await proxy.start();
    await watch.until(
      (s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running',
      15_000,
      'recovered after the upgrade',
    );
    await until('one /events connection after the upgrade', () => proxy.eventsOpen === 1);
    await steady('the API was too old');
  });

  it('Compose missing is a clear "not found"; Compose killed mid-command leaves a state the tree shows as it is, and the next run recovers', async function () {
    await assert.rejects(
      spawnLines('/nonexistent/docker-compose', ['version'], {}),
      (e: unknown) => e instanceof ComposeError && e.kind === 'notFound' && /not found/.test(e.message),
    );
    assert.equal(await detectCompose({ configured: ['/nonexistent/docker-compose'] }), undefined);

    const child = spawn('docker-compose', ['-p', project, '-f', ws.composeFile, 'up', '-d', '--force-recreate', 'db'], {
      cwd: ws.dir,
      env: { ...process.env, WA_API_VERSION: ws.version },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // Kill it once it has started changing containers (the old db is being stopped).
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    await until(`compose started recreating (${output})`, () => /Recreating/.test(output), 30_000);
    await sleep(500);
    child.kill('SIGKILL');
    assert.notEqual(await exited, 0, 'compose did not finish');
    const truth = await projectContainers();
    await until(
      `the tree shows what the engine has (${truth.join(', ')})`,
      async () => {
        const shown = watch.monitor
          .snapshot!.nodes.flatMap((n) => (n.container ? [`${n.container.id.slice(0, 12)} ${n.container.state}`] : []))
          .sort();
        return JSON.stringify(shown) === JSON.stringify(await projectContainers());
      },
      10_000,
    );
    assert.equal(watch.monitor.snapshot!.engine.reachable, true);
    await h.up(ws, ['db']);
    await watch.until((s) => node(s, 'db')?.container?.state === 'running', 15_000, 'db running after the next up');
    await steady('Compose was killed mid-command');
  });

  it('permission denied on the socket (an unprivileged user): classified with the fix, recovered once permitted', async function () {
    const guarded = new DockerProxy(path.join(os.tmpdir(), `wa-engine-faults-perm-${process.pid}.sock`));
    await guarded.start();
    fs.chmodSync(guarded.path, 0o600);
    // The unprivileged user must reach the compiled monitor: a clone made by `mktemp -d` sits in a 0700 folder.
    for (let dir = repoRoot; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      fs.chmodSync(dir, fs.statSync(dir).mode | 0o011);
    }
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'out/test/support/monitorProcess.js'), `unix://${guarded.path}`, project],
      { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: MonitorLine[] = [];
    let stderr = '';
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      lines.push(...parts.filter(Boolean).map((l) => JSON.parse(l) as MonitorLine));
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      await until(
        `permissionDenied reported (${stderr})`,
        () => lines.some((l) => l.problem === 'permissionDenied'),
        15_000,
      );
      const denied = lines.find((l) => l.problem === 'permissionDenied')!;
      assert.match(denied.message ?? '', /Permission denied on the Docker socket.*docker" group/);
      assert.equal(guarded.requests.length, 0, 'no request got through');
      fs.chmodSync(guarded.path, 0o666);
      await until(
        'recovered once the socket is permitted',
        () => lines.some((l) => l.reachable && l.containers.some((c) => c === 'db:running')),
        15_000,
      );
      await until('one /events stream from the unprivileged monitor', () => guarded.eventsOpen === 1, 5000);
      await sleep(2000);
      assert.equal(guarded.eventsOpen, 1, 'exactly one event subscription on the wire');
      const t0 = Date.now();
      await sleep(3000);
      assert.ok(guarded.count('/containers/json', t0) <= 1, 'no container polling while events flow');
      console.log(
        `      denied, then recovered with ${guarded.eventsOpen} /events stream; ${lines.length} snapshot changes`,
      );
    } finally {
      child.kill('SIGTERM');
      await guarded.stop();
    }
  });

  it('afterwards: one subscription and one poll loop, the same in every case', function () {
    assert.ok(steadyStates.length >= 5);
    assert.ok(steadyStates.every((s) => s.eventStreams === 1));
  });
});

describe('engine faults (Docker): dockerd stopped and restarted while the monitor runs (a private dockerd)', function () {
  this.timeout(240_000);
  const project = `engrestart${process.pid}`;
  let engine: PrivateDockerd;
  const health = new HealthCounter();
  let watch: Watch | undefined;

  const eventListeners = async () =>
    Number((await engine.docker(['info', '--format', '{{.NEventsListener}}'])).stdout.trim());

  before(async function () {
    // Created here, not when the file loads: a run that greps this suite out leaves no folder behind.
    engine = new PrivateDockerd();
    await engine.start();
    await engine.importSleepImage();
    const run = await engine.docker([
      'run',
      '-d',
      '--init',
      '--network',
      'none',
      '--restart',
      'unless-stopped',
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      'com.docker.compose.service=wacore1',
      SLEEP_IMAGE,
      '/bin/sleep',
      '100000',
    ]);
    assert.equal(run.code, 0, run.stderr);
    await health.start();
  });

  after(async function () {
    watch?.dispose();
    await health.stop();
    await engine?.dispose();
  });

  it('"daemon not running" while it is stopped; back with its containers, one event listener on the daemon and one poll loop', async function () {
    const d = DockerodeClient.create({ hostSetting: engine.host, eventBackoffMs: [200, 400, 800, 1000] });
    assert.ok(d.ok);
    watch = new Watch(
      new ClusterMonitor({
        project,
        docker: d.value,
        pollIntervalMs: POLL_MS,
        burstDelaysMs: [300],
        health: health.fetch,
      }),
    );
    await watch.until(
      (s) => s.engine.reachable && node(s, 'wacore1')?.container?.state === 'running',
      20_000,
      'container seen',
    );
    await until('one event listener on the daemon', async () => (await eventListeners()) === 1, 5000);

    await engine.stop();
    const { snapshot: down } = await watch.until((s) => !s.engine.reachable, 15_000, 'engine unreachable');
    assert.equal(down.engine.problem?.kind, 'daemonDown');
    assert.match(down.engine.problem?.message ?? '', /not running/);
    assert.equal(down.cluster.findings[0]?.id, 'engine-unreachable');
    assert.ok(
      down.nodes.every((n) => n.container === null),
      'no stale container data',
    );
    await sleep(3000); // several reconnect attempts while it is down

    await engine.start();
    await watch.until(
      (s) => s.engine.reachable && node(s, 'wacore1')?.container?.state === 'running',
      30_000,
      'engine and container back',
    );
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineRecovered')));
    await until(
      'one event listener on the daemon after the restart',
      async () => (await eventListeners()) === 1,
      10_000,
    );

    // Events flow again and are delivered once.
    const before = watch.changes.length;
    const id = node(watch.monitor.snapshot!, 'wacore1')!.container!.id;
    await engine.docker(['stop', '-t', '1', id]);
    await watch.until((s) => node(s, 'wacore1')?.container?.state === 'exited', 5000, 'stop seen through events');
    await sleep(1500);
    const died = watch.changes
      .slice(before)
      .flatMap((c) => c.change.diff.nodeChanges)
      .filter((c) => c.kind === 'containerDied' && c.node === 'wacore1');
    assert.equal(died.length, 1, 'one "container died" change, not duplicated by a second listener');

    const polls0 = health.polls;
    await sleep(WINDOW_MS);
    const polls = health.polls - polls0;
    const listeners = await eventListeners();
    console.log(
      `      after the restart: ${listeners} event listener(s) on the daemon, ${polls} health polls in ${WINDOW_MS} ms`,
    );
    assert.equal(listeners, 1);
    assert.ok(polls >= WINDOW_MS / POLL_MS - 1 && polls <= WINDOW_MS / POLL_MS + 1, `one poll loop (${polls})`);
  });
});
