import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ClusterMonitor } from '../../src/cluster/monitor';
import * as h from '../emulator/src/harness';
import { DockerodeClient } from '../../src/docker/client';
import { type DockerPort } from '../../src/docker/port';
import { Watch, dockerClient, node } from '../fakes/engineWatch';

/**
 * Stops and restarts dockerd itself. This stops every container on the machine, so it runs only
 * when asked (WA_TEST_DOCKERD_RESTART=1) and as root; keep it last and short.
 */
const enabled = process.env.WA_TEST_DOCKERD_RESTART === '1' && process.getuid?.() === 0;

async function dockerInfoOk(): Promise<boolean> {
  return (await h.exec('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5000 }).catch(() => ({ code: 1 }))).code === 0;
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

(enabled ? describe : describe.skip)('engine (Docker): dockerd stop and restart (WA_TEST_DOCKERD_RESTART=1)', function () {
  this.timeout(180_000);
  const project = `engdockerd${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-engine-dockerd-'));
  let ws: h.Workspace;
  let watch: Watch | undefined;

  before(async function () {
    await h.buildImages();
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort() });
    await h.up(ws, ['db', 'master1', 'wacore1']);
  });

  after(async function () {
    watch?.dispose();
    if (!(await dockerInfoOk())) {
      spawn('sh', ['-c', 'nohup dockerd >/tmp/dockerd.log 2>&1 &'], { stdio: 'ignore', detached: true }).unref();
      await until(dockerInfoOk, 60_000, 'docker info after restart').catch(() => undefined);
    }
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('engine unreachable while dockerd is down, then full recovery with exactly one event subscription', async function () {
    const docker = countingSubscriptions(dockerClient());
    const monitor = new ClusterMonitor({ project, docker, pollIntervalMs: 1000 });
    watch = new Watch(monitor);
    await watch.until((s) => s.engine.reachable && node(s, 'wacore1')?.container?.state === 'running', 20_000, 'cluster seen');

    const pid = (await h.exec('pidof', ['dockerd'])).stdout.trim().split(/\s+/)[0];
    assert.ok(pid, 'dockerd is running');
    process.kill(Number(pid), 'SIGTERM');
    const { snapshot: down } = await watch.until((s) => !s.engine.reachable, 30_000, 'engine unreachable');
    assert.equal(down.engine.problem?.kind, 'daemonDown');
    assert.match(down.engine.problem?.message ?? '', /not running/);
    assert.equal(down.cluster.findings[0]?.id, 'engine-unreachable');
    assert.ok(down.nodes.every((n) => n.container === null));
    await until(async () => !(await dockerInfoOk()), 30_000, 'dockerd gone');

    spawn('sh', ['-c', 'nohup dockerd >/tmp/dockerd.log 2>&1 &'], { stdio: 'ignore', detached: true }).unref();
    await until(dockerInfoOk, 60_000, 'docker info after restart');
    const { snapshot: up } = await watch.until((s) => s.engine.reachable && s.nodes.some((n) => n.container), 30_000, 'engine reachable again');
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineUnreachable')));
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineRecovered')));
    assert.equal(docker.subscriptionsOpened, 1, 'the monitor never opened a second subscription');

    // Containers with a restart policy come back on their own; start the rest.
    await h.up(ws, ['db', 'master1', 'wacore1']);
    await watch.until((s) => node(s, 'wacore1')?.container?.state === 'running', 30_000, 'wacore1 running after recovery');
    // Events flow again, delivered once: stop wacore1 and count the "died" changes.
    const before = watch.changes.length;
    const id = node(up, 'wacore1')?.container?.id ?? (await h.containerIdOf(ws, 'wacore1'));
    await h.exec('docker', ['stop', '-t', '1', id]);
    await watch.until((s) => node(s, 'wacore1')?.state === 'stopped', 10_000, 'wacore1 stopped via events');
    await new Promise((r) => setTimeout(r, 1500));
    const died = watch.changes.slice(before).flatMap((c) => c.change.diff.nodeChanges).filter((c) => c.kind === 'containerDied' && c.node === 'wacore1');
    assert.equal(died.length, 1, 'one "container died" change, not duplicated by a second listener');
    const listeners = (await h.exec('docker', ['info', '--format', '{{.NEventsListener}}'])).stdout.trim();
    console.log(`      daemon reports ${listeners} event listener(s) after recovery`);
    assert.ok(Number(listeners) >= 1);
  });
});

/**
 * A unix-socket proxy in front of the real daemon that can be taken down and brought back: the
 * same "engine gone / engine back" sequence as restarting dockerd, without touching anybody's
 * containers, so it always runs. It also counts open /events connections on the wire.
 */
class SocketProxy {
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  eventsOpen = 0;
  constructor(readonly path: string, private readonly target = '/var/run/docker.sock') {}

  start(): Promise<void> {
    fs.rmSync(this.path, { force: true });
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      this.conns.add(client);
      this.conns.add(upstream);
      let isEvents = false;
      // Sockets are kept alive and reused, so look at every request line, not only the first.
      client.on('data', (chunk: Buffer) => {
        const m = /^(GET|POST|PUT|DELETE|HEAD) (\S+)/.exec(chunk.toString('latin1', 0, 256));
        if (m) {
          const events = /^\/(v[\d.]+\/)?events/.test(m[2] ?? '');
          this.eventsOpen += (events ? 1 : 0) - (isEvents ? 1 : 0);
          isEvents = events;
        }
      });
      const close = (): void => {
        if (isEvents) {
          isEvents = false;
          this.eventsOpen--;
        }
        client.destroy();
        upstream.destroy();
        this.conns.delete(client);
        this.conns.delete(upstream);
      };
      client.pipe(upstream).pipe(client);
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    return new Promise((r) => this.server!.listen(this.path, r));
  }

  stop(): Promise<void> {
    for (const c of this.conns) {
      c.destroy();
    }
    const srv = this.server;
    this.server = undefined;
    return new Promise((r) => (srv ? srv.close(() => r()) : r()));
  }
}

/** The real client, counting the event subscriptions asked of it (the product keeps no such counter). */
function countingSubscriptions<T extends DockerPort>(docker: T): T & { subscriptionsOpened: number } {
  const counted = Object.assign(Object.create(docker) as T, { subscriptionsOpened: 0 });
  counted.subscribeEvents = (filter, handlers) => {
    counted.subscriptionsOpened++;
    return docker.subscribeEvents(filter, handlers);
  };
  return counted;
}

describe('engine (Docker): engine goes away and comes back (socket proxy, no dockerd restart)', function () {
  this.timeout(120_000);
  const project = `engproxy${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-engine-proxy-'));
  const proxy = new SocketProxy(path.join(os.tmpdir(), `wa-engine-proxy-${process.pid}.sock`));
  let ws: h.Workspace;
  let watch: Watch | undefined;

  before(async function () {
    await h.buildImages();
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort() });
    await h.up(ws, ['db']);
    await proxy.start();
  });

  after(async function () {
    watch?.dispose();
    await proxy.stop();
    fs.rmSync(proxy.path, { force: true });
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"engine unreachable" while the endpoint is gone, then full recovery with exactly one event subscription', async function () {
    const d = DockerodeClient.create({ hostSetting: `unix://${proxy.path}`, eventBackoffMs: [200, 400, 800, 1000] });
    assert.ok(d.ok);
    const counted = countingSubscriptions(d.value);
    const monitor = new ClusterMonitor({ project, docker: counted, pollIntervalMs: 1000 });
    watch = new Watch(monitor);
    await watch.until((s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running', 20_000, 'db seen');
    await until(() => Promise.resolve(proxy.eventsOpen === 1), 5000, 'one /events connection');

    await proxy.stop();
    fs.rmSync(proxy.path, { force: true });
    const { at: downAt, snapshot: down } = await watch.until((s) => !s.engine.reachable, 10_000, 'engine unreachable');
    assert.equal(down.engine.problem?.kind, 'daemonDown');
    assert.match(down.engine.problem?.message ?? '', /not running/);
    assert.equal(down.cluster.findings[0]?.id, 'engine-unreachable');
    assert.ok(down.nodes.every((n) => n.container === null), 'no stale container data');
    await new Promise((r) => setTimeout(r, 2500)); // several reconnect attempts while it is down

    await proxy.start();
    const { at: upAt, snapshot: up } = await watch.until((s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running', 10_000, 'engine reachable again');
    console.log(`      down ${upAt - downAt} ms; recovered ${up.nodes.length} node(s)`);
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineUnreachable')));
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineRecovered')));
    await until(() => Promise.resolve(proxy.eventsOpen === 1), 5000, `one /events connection after recovery (${proxy.eventsOpen})`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(proxy.eventsOpen, 1, 'exactly one event subscription on the wire');
    assert.equal(counted.subscriptionsOpened, 1);

    // Events flow again and are delivered once.
    const before = watch.changes.length;
    await h.exec('docker', ['stop', '-t', '1', node(up, 'db')!.container!.id]);
    await watch.until((s) => node(s, 'db')?.state === 'stopped', 10_000, 'db stopped via events');
    await new Promise((r) => setTimeout(r, 1000));
    const died = watch.changes.slice(before).flatMap((c) => c.change.diff.nodeChanges).filter((c) => c.kind === 'containerDied' && c.node === 'db');
    assert.equal(died.length, 1);
  });
});
