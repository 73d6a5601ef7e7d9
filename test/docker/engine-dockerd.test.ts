import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterMonitor } from '../../src/cluster/monitor';
import * as h from '../emulator/src/harness';
import { DockerodeClient } from '../../src/docker/client';
import { Watch, node } from '../fakes/engineWatch';
import { DockerProxy } from '../support/dockerProxy';

// dockerd itself stopped and restarted: test/docker/engine-faults.test.ts, on a private dockerd.

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A proxy in front of the real daemon that can be taken down and brought back: the same "engine
 * gone / engine back" sequence as restarting dockerd, without touching anybody's containers.
 */
describe('engine (Docker): engine goes away and comes back (socket proxy, no dockerd restart)', function () {
  this.timeout(120_000);
  const project = `engproxy${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-engine-proxy-'));
  const proxy = new DockerProxy(path.join(os.tmpdir(), `wa-engine-proxy-${process.pid}.sock`));
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
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('"engine unreachable" while the endpoint is gone, then full recovery with exactly one event subscription', async function () {
    const d = DockerodeClient.create({ hostSetting: `unix://${proxy.path}`, eventBackoffMs: [200, 400, 800, 1000] });
    assert.ok(d.ok);
    const monitor = new ClusterMonitor({ project, docker: d.value, pollIntervalMs: 1000 });
    watch = new Watch(monitor);
    await watch.until((s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running', 20_000, 'db seen');
    await until(() => Promise.resolve(proxy.eventsOpen === 1), 5000, 'one /events connection');

    await proxy.stop();
    const { at: downAt, snapshot: down } = await watch.until((s) => !s.engine.reachable, 10_000, 'engine unreachable');
    assert.equal(down.engine.problem?.kind, 'daemonDown');
    assert.match(down.engine.problem?.message ?? '', /not running/);
    assert.equal(down.cluster.findings[0]?.id, 'engine-unreachable');
    assert.ok(
      down.nodes.every((n) => n.container === null),
      'no stale container data',
    );
    await new Promise((r) => setTimeout(r, 2500)); // several reconnect attempts while it is down

    await proxy.start();
    const { at: upAt, snapshot: up } = await watch.until(
      (s) => s.engine.reachable && node(s, 'db')?.container?.state === 'running',
      10_000,
      'engine reachable again',
    );
    console.log(`      down ${upAt - downAt} ms; recovered ${up.nodes.length} node(s)`);
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineUnreachable')));
    assert.ok(watch.changes.some((c) => c.change.diff.events.some((e) => e.kind === 'engineRecovered')));
    await until(
      () => Promise.resolve(proxy.eventsOpen === 1),
      5000,
      `one /events connection after recovery (${proxy.eventsOpen})`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(proxy.eventsOpen, 1, 'exactly one event subscription on the wire');

    // Events flow again and are delivered once.
    const before = watch.changes.length;
    await h.exec('docker', ['stop', '-t', '1', node(up, 'db')!.container!.id]);
    await watch.until((s) => node(s, 'db')?.state === 'stopped', 10_000, 'db stopped via events');
    await new Promise((r) => setTimeout(r, 1000));
    const died = watch.changes
      .slice(before)
      .flatMap((c) => c.change.diff.nodeChanges)
      .filter((c) => c.kind === 'containerDied' && c.node === 'db');
    assert.equal(died.length, 1);
  });
});
