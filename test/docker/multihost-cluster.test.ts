import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WaApiClient } from '../../src/api/client';
import { createNodeTransport } from '../../src/api/transport';
import { type Announcement, Announcer, ExpectedChanges } from '../../src/cluster/announcements';
import { collectDiagnosticsBundle, diagnosticsHosts, logFileStems } from '../../src/cluster/diagnosticsBundle';
import {
  type HostEngine,
  type HostEngineInputs,
  hostEngines,
  inventoryProjectName,
} from '../../src/cluster/hostEngines';
import { ClusterMonitor } from '../../src/cluster/monitor';
import { type ClusterSnapshot } from '../../src/cluster/types';
import { nodeFileReader } from '../../src/compose/nodeReader';
import { DockerodeClient } from '../../src/docker/client';
import { type Inventory, loadInventory } from '../../src/inventory/inventory';
import { secretValuesFromText } from '../../src/util/redact';
import { english } from '../../src/util/translate';
import * as h from '../emulator/src/harness';
import * as mh from '../emulator/src/multihost';
import { Watch } from '../fakes/engineWatch';
import { DockerProxy } from '../support/dockerProxy';

// Slot 2 (10.213.79.0/24, names wa2-…): beside the bench test (slot 1) and the demo (slot 0).
// Under Compose v1 the slot is 10 above (legSlot): that leg runs beside the v2 one.
const SLOT = h.legSlot(2);
const POLL_MS = 2000;

/**
 * One model across hosts, against the real multi-host bench: the monitor watches every host's own
 * engine at once, matches `/v1/health` entries (`EXTERNAL_HOSTNAME:<container id>`) to the
 * container on the right host, follows the walkthrough (register, 2 shards, the spare on another
 * host), the diagnostics bundle with one folder per host, the failover when a shard owner's whole
 * host engine stops, and a host that becomes unreachable and comes back. Each host's engine is reached through a DockerProxy on its socket, so
 * the event subscriptions are counted on the engine's side of the wire, not by the product.
 */
describe('multi-host cluster (Docker): one model across three hosts', function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-multihost-cluster-'));
  let bench: mh.Bench;
  let inventory: Inventory;
  let engines: HostEngine[];
  const engineInputs: HostEngineInputs = {
    env: {},
    homeDir: os.homedir(),
    platform: process.platform,
    readFile: (p) => nodeFileReader.read(p),
    exists: (p) => fs.existsSync(p),
    reader: nodeFileReader,
    connect: (ep) => DockerodeClient.fromEndpoint(ep, { eventBackoffMs: [200, 400, 800, 1000] }),
  };
  let webFingerprint: string;
  const proxies = new Map<string, DockerProxy>();
  let watch: Watch;
  let web: string;
  const announcer = new Announcer(english);
  const expected = new ExpectedChanges(() => Date.now());
  const announced: Announcement[] = [];
  const node = (s: ClusterSnapshot, name: string) => s.nodes.find((n) => n.name === name);
  const benchHost = (name: string): mh.BenchHost => {
    const x = bench.hosts.find((b) => b.name === name) ?? (name === 'db' ? bench.db : undefined);
    assert.ok(x, name);
    return x;
  };

  before(async function () {
    await mh.stopHosts({ slot: SLOT, volumes: true }); // a run killed half-way left something behind
    bench = await mh.startHosts({ slot: SLOT, hosts: 3, dir });
    web = bench.webUrl;
    const loaded = loadInventory(bench.inventoryPath, fs.readFileSync(bench.inventoryPath, 'utf8')).inventory;
    assert.ok(loaded);
    // Every engine through a proxy on its own socket: what the engine sees is counted there.
    for (const x of [bench.db, ...bench.hosts]) {
      const proxy = new DockerProxy(path.join(dir, `${x.name}.proxy.sock`), x.socketPath);
      await proxy.start();
      proxies.set(x.name, proxy);
    }
    inventory = {
      ...loaded,
      hosts: loaded.hosts.map((x) => ({
        ...x,
        docker: { kind: 'url' as const, url: `unix://${proxies.get(x.name)?.path ?? ''}` },
      })),
    };
    engines = hostEngines(inventory, engineInputs);
    const fingerprint256 = loaded.web?.certificateFingerprint;
    assert.ok(fingerprint256);
    webFingerprint = fingerprint256;
    const api = new WaApiClient({
      baseUrl: web,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256 }),
      auth: { kind: 'apikey', key: bench.apiKey },
    });
    const monitor = new ClusterMonitor({
      project: inventoryProjectName(engines),
      hosts: engines,
      health: (signal) => api.health({ signal }),
      pollIntervalMs: POLL_MS,
      burstDelaysMs: [200, 500, 1000, 1500],
    });
    watch = new Watch(monitor);
    monitor.onDidChange((change) => {
      announced.push(...announcer.onChange(mh.PROJECT, change, expected, Date.now()));
    });
  });

  after(async function () {
    watch?.dispose();
    for (const p of proxies.values()) {
      await p.stop();
    }
    await mh.stopHosts({ slot: SLOT, volumes: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every node of every host, each with its host and its own container, health matched by container id on its host', async function () {
    const { snapshot: s } = await watch.until(
      (x) => x.nodes.filter((n) => n.healthKey && n.container).length === 6 && x.nodes.length === 10,
      60_000,
      '6 nodes in health with containers, 10 nodes',
    );
    assert.equal(inventoryProjectName(engines), mh.PROJECT);
    assert.deepEqual(
      s.hosts?.map((x) => [x.name, x.reachable, /^\d+\.\d+/.test(x.version ?? ''), (x.latencyMs ?? -1) >= 0]),
      [
        ['db', true, true, true],
        ['host1', true, true, true],
        ['host2', true, true, true],
        ['host3', true, true, true],
      ],
    );
    for (const x of bench.hosts) {
      for (const service of ['waweb', 'master', 'wacore']) {
        const n = node(s, `${x.name}/${service}`);
        assert.ok(n?.container, `${x.name}/${service} has a container`);
        assert.equal(n.host, x.name);
        if (service !== 'waweb') {
          // The health key names this host's EXTERNAL_HOSTNAME and this container's id.
          assert.equal(n.healthKey, `${x.address}:${n.container.id.slice(0, 12)}`);
        }
      }
    }
    assert.equal(node(s, 'db/db')?.host, 'db');
    assert.equal(s.nodes.filter((n) => !n.host).length, 0, 'no node without its host');
  });

  it('register and 2 shards: two coreapps on two hosts own a shard, the third host has the spare', async function () {
    const token = await h.login(web);
    const cert = Buffer.from(JSON.stringify({ vname: 'Hosts' })).toString('base64');
    const account = { cc: '1', phone_number: '6315550000', method: 'sms', cert };
    assert.equal((await h.api(web, 'POST', '/v1/account', { token, body: account })).status, 202);
    assert.equal((await h.api(web, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    await watch.until((x) => x.cluster.registered === true, 30_000, 'registered');
    // Fast heartbeats so the failover below takes seconds (the emulator's documented settings).
    assert.equal(
      (
        await h.api(web, 'PATCH', '/v1/settings/application', {
          token,
          body: { heartbeat_interval: 1, unhealthy_interval: 3 },
        })
      ).status < 300,
      true,
    );
    const shards = { cc: '1', phone_number: '6315550000', shards: 2, cert };
    assert.equal((await h.api(web, 'POST', '/v1/account/shards', { token, body: shards })).status, 201);
    const { snapshot: s } = await watch.until(
      (x) =>
        x.cluster.connectedCoreapps === 2 &&
        x.cluster.shards === 2 &&
        x.nodes.some((n) => n.kind === 'coreapp' && n.state === 'standby'),
      30_000,
      '2/2 shards and a standby',
    );
    const owners = s.nodes.filter((n) => n.shardOwner && n.kind === 'coreapp');
    assert.equal(new Set(owners.map((n) => n.host)).size, 2, JSON.stringify(owners.map((n) => n.name)));
    const spare = s.nodes.find((n) => n.kind === 'coreapp' && n.state === 'standby');
    assert.ok(spare?.host && !owners.some((n) => n.host === spare.host), 'the spare is on the third host');
    assert.ok(s.cluster.findings.some((f) => f.id === 'spare-present' && f.message.includes(spare.name)));
  });

  it("Collect Diagnostics over the inventory: one folder per host from that host's own engine, the local engine's containers nowhere, no secret, a host that is gone its ERROR.txt", async function () {
    const outDir = path.join(dir, 'diagnostics');
    // One more host whose engine is gone: it gets its folder with the reason, the others are collected.
    const gone = hostEngines(
      {
        ...inventory,
        hosts: [{ ...inventory.hosts[0]!, name: 'gone', docker: { kind: 'url', url: `unix://${dir}/gone.sock` } }],
      },
      engineInputs,
    );
    // Signed in as the extension is (/v1/support needs a user login).
    const api = new WaApiClient({
      baseUrl: web,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256: webFingerprint }),
      auth: { kind: 'basic', user: 'admin', password: h.DEFAULT_PASSWORD },
    });
    // The secrets: the API key, the admin password, every value the bench's env and compose files set (WA_DB_PASSWORD…).
    const secrets = [
      bench.apiKey,
      h.DEFAULT_PASSWORD,
      ...listFiles(bench.dir)
        .filter((f) => /\.(env|ya?ml)$/.test(f))
        .flatMap((f) => secretValuesFromText(fs.readFileSync(f, 'utf8'))),
    ];
    assert.ok(secrets.includes('testpass'), 'the database password is among them');
    const requestsBefore = new Map([...proxies].map(([n, p]) => [n, p.requests.length]));
    const result = await collectDiagnosticsBundle({
      hosts: diagnosticsHosts([...engines, ...gone]) ?? [],
      project: inventoryProjectName(engines),
      api,
      sinceMs: Date.now() - 3600_000,
      windowLabel: 'last hour',
      outDir,
      extensionVersion: '0.1.0-test',
      knownSecrets: [h.DEFAULT_PASSWORD],
    });
    assert.ok(result.zipPath);
    const unpacked = path.join(outDir, 'unzipped');
    assert.equal(spawnSync('unzip', ['-q', result.zipPath, '-d', unpacked]).status, 0);
    const folder = path.join(unpacked, result.name);
    const read = (f: string): string => fs.readFileSync(path.join(folder, f), 'utf8');
    const readme = read('README.txt');
    assert.equal(result.failed, 1, readme);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'hosts')).sort(), ['db', 'gone', 'host1', 'host2', 'host3']);
    assert.ok(!fs.existsSync(path.join(folder, 'logs')), 'no container outside its host folder');
    const table = read('containers.txt');
    for (const x of [bench.db, ...bench.hosts]) {
      // What the host's own engine has, asked directly on its socket (not through the product's client).
      const direct = DockerodeClient.create({ hostSetting: `unix://${x.socketPath}`, env: {} });
      assert.ok(direct.ok);
      const own = (await direct.value.listContainers(engines.find((e) => e.name === x.name)?.projectName)).sort(
        (a, b) => (a.service ?? '').localeCompare(b.service ?? ''),
      );
      assert.ok(own.length > 0, x.name);
      const stems = logFileStems(own);
      for (const c of own) {
        const log = read(`hosts/${x.name}/logs/${stems.get(c.id) ?? ''}.log`);
        assert.match(log, /^\d{4}-\d\d-\d\dT[\d:.]+Z /m, `${x.name}/${c.service ?? ''} has its logs`);
        assert.ok(read(`hosts/${x.name}/inspect/${stems.get(c.id) ?? ''}.json`).includes(c.id));
        // Asked of that host's engine: its proxy carried the request.
        const proxy = proxies.get(x.name)!;
        assert.ok(
          proxy.requests.slice(requestsBefore.get(x.name)).some((r) => r.path === `/containers/${c.id}/logs`),
          `${x.name} served the logs of ${c.name}`,
        );
      }
      assert.deepEqual(
        table
          .split('\n')
          .filter((l) => l.startsWith(`${x.name} `))
          .map((l) => l.split(/ +/)[3])
          .sort(),
        own.map((c) => c.id.slice(0, 12)).sort(),
        `containers.txt lists ${x.name}'s own containers`,
      );
      const engine = JSON.parse(read(`hosts/${x.name}/engine.json`)) as { reachable: boolean; version: string };
      assert.equal(engine.reachable, true);
      assert.match(engine.version, /^\d+\.\d+/);
    }
    assert.match(read('hosts/gone/ERROR.txt'), /host gone \(unix\) could not be reached[\s\S]*gone\.sock/);
    assert.equal((JSON.parse(read('hosts/gone/engine.json')) as { reachable: boolean }).reachable, false);
    // The cluster-level parts as before: the support JSON, and the health as answered names every host's nodes.
    assert.ok(fs.statSync(path.join(folder, 'api/support.json')).size > 2);
    const answer = JSON.parse(read('api/health-answer.json')) as { health: Record<string, unknown> };
    for (const x of bench.hosts) {
      assert.ok(
        Object.keys(answer.health).some((k) => k.startsWith(`${x.address}:`)),
        x.name,
      );
    }
    // Nothing of the local engine: none of its containers is in the bundle.
    const everything = listFiles(folder)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const local = DockerodeClient.create();
    assert.ok(local.ok);
    for (const c of await local.value.listContainers(undefined)) {
      assert.ok(!everything.includes(c.id.slice(0, 12)), `local container ${c.name} is in the bundle`);
    }
    // No secret anywhere in the bundle.
    for (const secret of secrets) {
      const g = spawnSync('grep', ['-rlF', '--', secret, unpacked], { encoding: 'utf8' });
      assert.equal(g.status, 1, `secret ${secret.slice(0, 3)}… found in ${g.stdout}`);
    }
  });

  it("the connected coreapp's host engine stops: its nodes turn unknown (not stopped), the failover is seen within one poll interval of the promotion and announced once", async function () {
    const { snapshot: s0 } = await watch.until(
      (x) => x.cluster.connectedCoreapps === 2 && x.nodes.some((n) => n.state === 'standby' && n.kind === 'coreapp'),
      10_000,
      'a spare',
    );
    // A shard owner away from the web's host (the API stays up), and the spare that will take over.
    const victim = s0.nodes.find((n) => n.shardOwner && n.kind === 'coreapp' && n.host !== 'host1');
    const spare = s0.nodes.find((n) => n.kind === 'coreapp' && n.state === 'standby');
    assert.ok(victim?.host && spare?.host);
    const victimHost = benchHost(victim.host);
    const spareKey = spare.healthKey;
    assert.ok(spareKey);
    const since = announced.length;
    const changesSince = watch.changes.length;
    let promotedAt = 0;
    const poller = (async () => {
      const t0 = Date.now();
      while (!promotedAt && Date.now() - t0 < 60_000) {
        try {
          const r = await h.api(web, 'GET', '/v1/health', { apiKey: bench.apiKey, timeoutMs: 2000 });
          const b = r.body as h.HealthBody | undefined;
          if (b?.health[spareKey]?.gateway_status === 'connected') {
            promotedAt = Date.now();
          }
        } catch {
          // keep polling
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await mh.stopEngine(victimHost);
    const { snapshot: down } = await watch.until(
      (x) => x.hosts?.find((y) => y.name === victimHost.name)?.reachable === false,
      30_000,
      `${victimHost.name} unreachable`,
    );
    for (const n of down.nodes.filter((y) => y.host === victimHost.name)) {
      assert.equal(n.state, 'unknown', `${n.name}: ${n.state} (${n.stateReason})`);
      assert.match(n.stateReason, new RegExp(`host ${victimHost.name} unreachable`));
    }
    assert.ok(down.cluster.findings.some((f) => f.id === `host-unreachable:${victimHost.name}`));
    const { at: failoverAt, snapshot } = await watch.until(
      (x) => node(x, spare.name)?.state === 'connected',
      60_000,
      `${spare.name} connected`,
    );
    await poller;
    assert.ok(promotedAt > 0, `the emulator promoted ${spare.name}`);
    console.log(
      `      failover across hosts: model showed it ${failoverAt - promotedAt} ms after the promotion (poll interval ${POLL_MS} ms)`,
    );
    assert.ok(
      failoverAt - promotedAt <= POLL_MS,
      `failover shown ${failoverAt - promotedAt} ms after the promotion, over one poll interval`,
    );
    assert.equal(snapshot.cluster.connectedCoreapps, 2);
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    const failovers = watch.changes
      .slice(changesSince)
      .flatMap((c) => c.change.diff.events)
      .filter((e) => e.kind === 'failover');
    assert.equal(failovers.length, 1, JSON.stringify(failovers));
    assert.equal(failovers[0]?.kind === 'failover' && failovers[0].to, spare.name);
    const news = announced.slice(since).map((a) => a.message);
    assert.equal(news.filter((m) => /failover/.test(m)).length, 1, JSON.stringify(news));
    assert.equal(news.filter((m) => m.includes(`host ${victimHost.name}'s Docker engine is unreachable`)).length, 1);

    // The host comes back: its engine restarts its containers, the model follows on its own.
    await mh.startEngine(bench, victimHost);
    await watch.until(
      (x) =>
        x.hosts?.find((y) => y.name === victimHost.name)?.reachable === true &&
        x.nodes.filter((n) => n.host === victimHost.name && n.container?.state === 'running').length === 3,
      90_000,
      `${victimHost.name} back with its 3 containers`,
    );
    assert.equal(
      announced.slice(since).filter((a) => a.message.includes(`host ${victimHost.name}'s Docker engine answers again`))
        .length,
      1,
    );
  });

  it('a host unreachable on the network, then back: its nodes unknown meanwhile (never stopped), one announcement each way', async function () {
    const name = 'host1';
    const proxy = proxies.get(name);
    assert.ok(proxy);
    const since = announced.length;
    const changesSince = watch.changes.length;
    await proxy.stop();
    const { snapshot: s } = await watch.until(
      (x) => x.hosts?.find((y) => y.name === name)?.reachable === false,
      3 * POLL_MS + 5000,
      `${name} unreachable`,
    );
    for (const n of s.nodes.filter((y) => y.host === name)) {
      assert.equal(n.state, 'unknown', `${n.name}: ${n.state}`);
    }
    assert.ok(
      !watch.changes
        .slice(changesSince)
        .flatMap((c) => c.change.diff.nodeChanges)
        .some((c) => c.kind === 'containerDied' && c.node.startsWith(`${name}/`)),
      'an unreachable host is no container death',
    );
    await new Promise((r) => setTimeout(r, 2 * POLL_MS));
    await proxy.start();
    await watch.until(
      (x) =>
        x.hosts?.find((y) => y.name === name)?.reachable === true &&
        x.nodes.filter((n) => n.host === name && n.container?.state === 'running').length === 3,
      3 * POLL_MS + 10_000,
      `${name} back`,
    );
    const news = announced.slice(since).map((a) => a.message);
    assert.equal(
      news.filter((m) => m.includes(`host ${name}'s Docker engine is unreachable`)).length,
      1,
      JSON.stringify(news),
    );
    assert.equal(
      news.filter((m) => m.includes(`host ${name}'s Docker engine answers again`)).length,
      1,
      JSON.stringify(news),
    );
    assert.ok(!news.some((m) => / stopped/.test(m)), JSON.stringify(news));
  });

  it('afterwards: exactly one event subscription per host, counted on each engine side', async function () {
    // Reconnects are retried with backoff: give the last one a moment to settle.
    const deadline = Date.now() + 10_000;
    const counts = (): [string, number][] => [...proxies].map(([n, p]) => [n, p.eventsOpenFor(mh.PROJECT)]);
    while (Date.now() < deadline && counts().some(([, c]) => c !== 1)) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(counts(), [
      ['db', 1],
      ['host1', 1],
      ['host2', 1],
      ['host3', 1],
    ]);
  });

  it('down --volumes leaves nothing of the bench', async function () {
    watch.dispose();
    await mh.stopHosts({ slot: SLOT, volumes: true });
    assert.deepEqual(await mh.benchLeftovers(SLOT), []);
  });
});

/** Every file under a folder. */
function listFiles(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
