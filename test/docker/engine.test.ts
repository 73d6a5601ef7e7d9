import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WaApiClient } from '../../src/api/client';
import { ApiError } from '../../src/api/errors';
import { createNodeTransport } from '../../src/api/transport';
import { ClusterMonitor } from '../../src/cluster/monitor';
import { type DockerEvent } from '../../src/docker/types';
import * as h from '../emulator/src/harness';
import { FakeClock } from '../fakes/fakeClock';
import { Watch, countingTransport, dockerClient, node, pinnedTransport } from '../fakes/engineWatch';

/**
 * The engine against real Docker and the emulated cluster: the model follows the source document's
 * walkthrough, Docker events show within 1 s, a failover within one poll interval, and the API
 * client's auth/TLS behaviour (wrong password, expired token, untrusted then pinned certificate).
 */
describe('engine (Docker + emulator): live cluster model', function () {
  this.timeout(240_000);
  const project = `engwalk${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-engine-'));
  const POLL_MS = 2000;
  const TOKEN_TTL_S = 6;
  let ws: h.Workspace;
  let client: WaApiClient;
  let counting: ReturnType<typeof countingTransport>;
  let watch: Watch;
  const registration = {
    cc: '1',
    phoneNumber: '6315550000',
    method: 'sms' as const,
    cert: Buffer.from('{"vname":"Engine Test"}').toString('base64'),
  };

  before(async function () {
    await h.buildImages();
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort(), env: { WA_EMULATOR_TOKEN_TTL_S: TOKEN_TTL_S } });
  });

  after(async function () {
    watch?.dispose();
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('walkthrough step 4–6: up the HA set; containers then health (fixture 01: unregistered)', async function () {
    await h.up(ws, h.HA_SERVICES);
    await h.waitForHealth(ws, (b) => Object.keys(b.health).length === 4, { timeoutMs: 30_000 });
    // untrusted → pinned: the TOFU decision is the caller's; the client never connects otherwise
    const untrusted = new WaApiClient({
      baseUrl: ws.baseUrl,
      transport: createNodeTransport({ kind: 'system' }),
      auth: { kind: 'apikey', key: h.DEFAULT_API_KEY },
    });
    const tlsErr = await untrusted.health().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(tlsErr instanceof ApiError && tlsErr.kind === 'tls', String(tlsErr));
    assert.ok(tlsErr.fingerprint256, 'the refused certificate fingerprint is reported for pinning');
    const pinned = await pinnedTransport(ws.baseUrl);
    assert.equal(pinned.fingerprint, tlsErr.fingerprint256);
    counting = countingTransport(pinned.transport);
    // first login: the client answers 1024 with the configured new password
    client = new WaApiClient({
      baseUrl: ws.baseUrl,
      transport: counting.transport,
      auth: { kind: 'basic', user: 'admin', password: 'secret', newPassword: h.DEFAULT_PASSWORD },
    });
    await client.login();
    client.setAuth({ kind: 'basic', user: 'admin', password: h.DEFAULT_PASSWORD });

    const docker = dockerClient();
    const monitor = new ClusterMonitor({
      project,
      docker,
      health: (signal) => client.health({ signal }),
      pollIntervalMs: POLL_MS,
      burstDelaysMs: [200, 500, 1000, 1500],
    });
    watch = new Watch(monitor);
    const { snapshot: s } = await watch.until(
      (x) =>
        x.nodes.length === 6 &&
        x.cluster.registered === false &&
        x.nodes.filter((n) => n.state === 'unregistered').length === 4,
      30_000,
      'fixture-01 state',
    );
    assert.equal(s.engine.reachable, true);
    assert.equal(node(s, 'waweb')?.state, 'connected');
    assert.equal(node(s, 'db')?.state, 'connected');
    assert.ok(s.nodes.filter((n) => n.kind === 'master').some((n) => n.role === 'primary_master'));
    assert.ok(s.cluster.findings.some((f) => f.id === 'not-registered'));
    assert.equal(s.cluster.version, h.OLD_VERSION);
    assert.ok(node(s, 'wacore1')?.container?.ports.length, 'ports from inspect');
    assert.match(node(s, 'wacore1')?.healthKey ?? '', /^wacore1:[0-9a-f]{12}$/);
  });

  it('a wrong password is "unauthorized" (one login attempt, no loop)', async function () {
    const t = countingTransport((await pinnedTransport(ws.baseUrl)).transport);
    const bad = new WaApiClient({
      baseUrl: ws.baseUrl,
      transport: t.transport,
      auth: { kind: 'basic', user: 'admin', password: 'Wrong-Pass-9' },
    });
    await assert.rejects(bad.health(), (e: unknown) => e instanceof ApiError && e.kind === 'unauthorized');
    assert.equal(t.count('POST /v1/users/login'), 1);
    assert.equal(t.count('GET /v1/health'), 0);
  });

  it('walkthrough step 7–10: register → 1 connected + standby; 2 shards → 2/2 connected, no spare', async function () {
    const reg = await client.registerAccount(registration);
    assert.equal(reg.status, 'codeSent');
    await client.verifyAccount('123456');
    const { snapshot: s1 } = await watch.until(
      (x) => x.cluster.registered === true && x.cluster.connectedCoreapps === 1,
      20_000,
      'registered, 1 coreapp connected',
    );
    assert.equal(s1.cluster.shards, 1);
    assert.equal(s1.nodes.filter((n) => n.kind === 'coreapp' && n.state === 'standby').length, 1);
    await client.patchApplicationSettings({ heartbeat_interval: 1, unhealthy_interval: 3 });
    await client.setShards({
      cc: registration.cc,
      phoneNumber: registration.phoneNumber,
      shards: 2,
      cert: registration.cert,
    });
    const { snapshot: s2 } = await watch.until(
      (x) => x.cluster.connectedCoreapps === 2 && x.cluster.shards === 2,
      20_000,
      '2/2 shards',
    );
    assert.ok(
      s2.cluster.findings.some((f) => f.id === 'no-spare' && f.message.startsWith('2 shards, 2 coreapps: no spare')),
    );
    assert.equal(s2.nodes.find((n) => n.role === 'primary_master')?.state, 'connected');
  });

  it('walkthrough step 11–12: up wacore3 → spare present (standby)', async function () {
    await h.up(ws, ['wacore3']);
    const { snapshot: s } = await watch.until(
      (x) => node(x, 'wacore3')?.state === 'standby',
      20_000,
      'wacore3 standby',
    );
    assert.ok(s.cluster.findings.some((f) => f.id === 'spare-present' && /wacore3/.test(f.message)));
    assert.ok(!s.cluster.findings.some((f) => f.id === 'no-spare'));
  });

  it('docker stop of a shard owner shows within 1 s of the event; the failover within one poll interval of the promotion', async function () {
    const { snapshot: s0 } = await watch.until(
      (x) => x.cluster.connectedCoreapps === 2 && x.nodes.filter((n) => n.shardOwner && n.container).length === 2,
      10_000,
      '2 shard owners with containers',
    );
    const victim = s0.nodes
      .filter((n) => n.shardOwner)
      .map((n) => n.name)
      .sort()[0]!;
    const victimId = node(s0, victim)!.container!.id;
    // Our own event listener tells when Docker announced the stop.
    const probe = dockerClient();
    let eventAt = 0;
    const sub = probe.subscribeEvents(
      { project },
      {
        onEvent: (e: DockerEvent) => {
          if (e.containerId === victimId && e.action === 'die' && !eventAt) {
            eventAt = Date.now();
          }
        },
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    // Independent fast poll of the application to time the emulator's promotion.
    let promotedAt = 0;
    const poller = (async () => {
      const t0 = Date.now();
      while (!promotedAt && Date.now() - t0 < 30_000) {
        try {
          const r = await h.api(ws, 'GET', '/v1/health', { apiKey: h.DEFAULT_API_KEY, timeoutMs: 2000 });
          const b = r.body as h.HealthBody | undefined;
          if (
            b &&
            Object.entries(b.health).some(([k, v]) => k.startsWith('wacore3:') && v.gateway_status === 'connected')
          ) {
            promotedAt = Date.now();
          }
        } catch {
          // keep polling
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const stopped = watch.until((x) => node(x, victim)?.state === 'stopped', 15_000, `${victim} stopped`);
    const stop = await h.exec('docker', ['stop', '-t', '2', victimId]);
    assert.equal(stop.code, 0, stop.stderr);
    const { at: stoppedAt } = await stopped;
    assert.ok(eventAt > 0, 'Docker sent the event');
    console.log(`      ${victim} stopped: model updated ${stoppedAt - eventAt} ms after Docker's event`);
    assert.ok(stoppedAt - eventAt <= 1000, `model lagged the event by ${stoppedAt - eventAt} ms`);
    assert.ok(
      watch.changes.some((c) => c.change.diff.nodeChanges.some((n) => n.kind === 'containerDied' && n.node === victim)),
    );

    const { at: failoverAt, snapshot } = await watch.until(
      (x) => node(x, 'wacore3')?.state === 'connected',
      30_000,
      'wacore3 connected',
    );
    await poller;
    sub.dispose();
    assert.ok(promotedAt > 0, 'the emulator promoted wacore3');
    console.log(
      `      failover: emulator promoted at +${promotedAt - stoppedAt} ms, model showed it ${failoverAt - promotedAt} ms later (poll interval ${POLL_MS} ms)`,
    );
    assert.ok(
      failoverAt - promotedAt <= POLL_MS + 300,
      `failover shown ${failoverAt - promotedAt} ms after the promotion`,
    );
    const fo = watch.changes
      .filter((c) => c.at >= stoppedAt)
      .flatMap((c) => c.change.diff.events)
      .find((e) => e.kind === 'failover');
    assert.ok(fo && fo.kind === 'failover', 'a failover event was emitted');
    assert.equal(fo.message, `failover ${victim}→wacore3`);
    assert.equal(snapshot.cluster.connectedCoreapps, 2);
  });

  it('an expired token (401) is renewed transparently: one re-login, one retry, then success', async function () {
    // A clock that stands still, so the client trusts its cached token and the server must say 401.
    const frozen = new FakeClock();
    const t = countingTransport((await pinnedTransport(ws.baseUrl)).transport);
    const c = new WaApiClient({
      baseUrl: ws.baseUrl,
      transport: t.transport,
      auth: { kind: 'basic', user: 'admin', password: h.DEFAULT_PASSWORD },
      clock: frozen,
    });
    assert.equal(await c.getShards(), 2);
    assert.equal(t.count('POST /v1/users/login'), 1);
    await new Promise((r) => setTimeout(r, (TOKEN_TTL_S + 1) * 1000));
    assert.equal(await c.getShards(), 2);
    assert.equal(t.count('POST /v1/users/login'), 2, 'exactly one re-login');
    assert.equal(t.count('GET /v1/account/shards'), 3, 'first call, the 401, the retry');
  });

  it('logs (tail, timestamps, demultiplexed), wait and start through the Docker port', async function () {
    const docker = dockerClient();
    const s = watch.monitor.snapshot!;
    const stoppedNode = s.nodes.find((n) => n.container?.state === 'exited')!;
    const lines: string[] = [];
    await docker.logs(stoppedNode.container!.id, { tail: 20, timestamps: true }, (l) =>
      lines.push(`${l.stream}:${l.timestamp ?? '-'}:${l.text}`),
    );
    assert.ok(lines.length > 0 && lines.length <= 20);
    assert.match(lines[0]!, /^(stdout|stderr):\d{4}-\d\d-\d\dT/);
    assert.equal(await docker.wait(stoppedNode.container!.id), stoppedNode.container!.exitCode);
    await docker.start(stoppedNode.container!.id);
    await docker.start(stoppedNode.container!.id); // already started: idempotent
    await watch.until(
      (x) => node(x, stoppedNode.name)?.container?.state === 'running',
      5000,
      `${stoppedNode.name} running again`,
    );
    const details = await docker.inspect(stoppedNode.container!.id);
    assert.equal(details.env.WA_DB_PASSWORD, '***', 'secrets masked');
    assert.equal(details.service, stoppedNode.name);
  });
});
