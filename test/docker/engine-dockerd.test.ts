import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterMonitor } from '../../src/cluster/monitor';
import * as h from '../emulator/src/harness';
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
    const docker = dockerClient();
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
    assert.equal(monitor.subscriptionsOpened, 1, 'the monitor never opened a second subscription');

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
