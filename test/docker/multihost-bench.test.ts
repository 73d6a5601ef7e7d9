import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DockerodeClient } from '../../src/docker/client';
import { inventoryHostEndpoint } from '../../src/inventory/endpoint';
import { lintInventory } from '../../src/inventory/lint';
import { nodeFileReader } from '../../src/compose/nodeReader';
import { loadInventory } from '../../src/inventory/inventory';
import * as h from '../emulator/src/harness';
import * as mh from '../emulator/src/multihost';

// Slot 1 (10.213.78.0/24, names wa1-…) so the demo bench (`npm run emulator -- up --hosts 3`, slot 0) can run beside it.
// Under Compose v1 the slot is 10 above (legSlot): that leg runs beside the v2 one.
const SLOT = h.legSlot(1);

describe('multi-host bench (Docker): three engines in network namespaces, reached over unix, ssh and tcp+TLS', function () {
  this.timeout(240_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-multihost-'));
  let bench: mh.Bench | undefined;

  before(async function () {
    await mh.stopHosts({ slot: SLOT, volumes: true }); // a run killed half-way left something behind
    bench = await mh.startHosts({ slot: SLOT, hosts: 3, dir });
  });

  after(async function () {
    await mh.stopHosts({ slot: SLOT, volumes: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes an inventory that lints clean and names each engine the way users reach remote engines', function () {
    assert.ok(bench);
    const text = fs.readFileSync(bench.inventoryPath, 'utf8');
    const r = lintInventory(bench.inventoryPath, text, { reader: nodeFileReader, contexts: ['default'] });
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      r.inventory?.hosts.map((x) => [x.name, x.docker.kind === 'url' ? x.docker.url.split(':')[0] : 'context']),
      [
        ['db', 'unix'],
        ['host1', 'unix'],
        ['host2', 'ssh'],
        ['host3', 'tcp'],
      ],
    );
  });

  it('each engine answers over its own endpoint (unix, ssh:// with a pinned host key, tcp:// with TLS client certificates)', async function () {
    assert.ok(bench);
    const inv = loadInventory(bench.inventoryPath, fs.readFileSync(bench.inventoryPath, 'utf8')).inventory;
    assert.ok(inv);
    const inp = {
      env: {},
      homeDir: os.homedir(),
      platform: process.platform,
      readFile: (p: string) => nodeFileReader.read(p),
      exists: (p: string) => fs.existsSync(p),
    };
    for (const host of inv.hosts) {
      const ep = inventoryHostEndpoint(host, inp);
      assert.ok(ep.ok, `${host.name}: ${ep.ok ? '' : ep.error.message}`);
      const client = DockerodeClient.fromEndpoint(ep.value);
      const info = await client.ping();
      assert.match(info.version, /^\d+\.\d+/, `${host.name} (${ep.value.description})`);
      const containers = await client.listContainers('wa');
      const services = containers.map((c) => c.service).sort();
      assert.deepEqual(
        services,
        host.name === 'db' ? ['db'] : ['master', 'wacore', 'waweb'],
        `${host.name}: ${JSON.stringify(services)}`,
      );
    }
  });

  it('a wrong ssh host key or a missing TLS client certificate is refused, never trusted', async function () {
    assert.ok(bench);
    const inv = loadInventory(bench.inventoryPath, fs.readFileSync(bench.inventoryPath, 'utf8')).inventory;
    const inp = {
      env: {},
      homeDir: os.homedir(),
      platform: process.platform,
      readFile: (p: string) => nodeFileReader.read(p),
      exists: (p: string) => fs.existsSync(p),
    };
    const sshHost = inv?.hosts.find((x) => x.name === 'host2');
    assert.ok(sshHost && sshHost.docker.kind === 'url');
    const wrongKnownHosts = path.join(dir, 'known_hosts.wrong');
    fs.writeFileSync(
      wrongKnownHosts,
      `${bench.hosts[1]?.address} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOk5QqVZ9WcD0rB3s2v3n4m5l6k7j8h9g0f1e2d3c4b5\n`,
    );
    const wrong = inventoryHostEndpoint(
      { ...sshHost, docker: { ...sshHost.docker, ssh: { ...sshHost.docker.ssh, knownHostsFile: wrongKnownHosts } } },
      inp,
    );
    assert.ok(wrong.ok);
    await assert.rejects(DockerodeClient.fromEndpoint(wrong.value).ping());
    const tlsHost = inv?.hosts.find((x) => x.name === 'host3');
    assert.ok(tlsHost && tlsHost.docker.kind === 'url');
    const { tls: _tls, ...noTls } = tlsHost.docker;
    void _tls;
    const bare = inventoryHostEndpoint({ ...tlsHost, docker: noTls }, inp);
    assert.ok(bare.ok);
    await assert.rejects(DockerodeClient.fromEndpoint(bare.value).ping());
  });

  it('the nodes on the three hosts find each other through the DB host: the web of any host lists all 6 nodes, keyed by EXTERNAL_HOSTNAME', async function () {
    assert.ok(bench);
    const addresses = bench.hosts.map((x) => x.address);
    for (const host of bench.hosts) {
      const health = await h.waitForHealth(`https://${host.address}:9090`, (x) => Object.keys(x.health).length === 6, {
        apiKey: bench.apiKey,
        timeoutMs: 60_000,
      });
      const perHost = addresses.map((a) => Object.keys(health.health).filter((k) => k.startsWith(`${a}:`)).length);
      assert.deepEqual(perHost, [2, 2, 2], `${host.name}: ${JSON.stringify(health.health)}`);
      assert.equal(Object.values(health.health).filter((n) => n.role === 'primary_master').length, 1);
    }
  });

  it("across hosts the primary master assigns 2 shards to coreapps on two hosts and heartbeats them; the third host's coreapp is the spare", async function () {
    assert.ok(bench);
    const web = bench.webUrl;
    const token = await h.login(web);
    const cert = Buffer.from(JSON.stringify({ vname: 'Bench' })).toString('base64');
    assert.equal(
      (
        await h.api(web, 'POST', '/v1/account', {
          token,
          body: { cc: '1', phone_number: '6315550000', method: 'sms', cert },
        })
      ).status,
      202,
    );
    assert.equal((await h.api(web, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    assert.equal(
      (
        await h.api(web, 'POST', '/v1/account/shards', {
          token,
          body: { cc: '1', phone_number: '6315550000', shards: 2, cert },
        })
      ).status,
      201,
    );
    const last = bench.hosts[2];
    assert.ok(last);
    const health = await h.waitForHealth(
      `https://${last.address}:9090`,
      (x) =>
        Object.values(x.health).filter((n) => n.role === 'coreapp' && n.gateway_status === 'connected').length === 2,
      { apiKey: bench.apiKey, timeoutMs: 30_000 },
    );
    const connectedHosts = Object.entries(health.health)
      .filter(([, n]) => n.role === 'coreapp' && n.gateway_status === 'connected')
      .map(([k]) => k.split(':')[0]);
    assert.equal(new Set(connectedHosts).size, 2, JSON.stringify(health.health));
    for (const x of bench.hosts) {
      const logs = await h.exec('docker', ['-H', `unix://${x.socketPath}`, 'logs', 'wa_master_1'], {});
      assert.doesNotMatch(
        logs.stdout + logs.stderr,
        /heartbeat to .* failed/,
        `${x.name}'s master could not reach a node on another host`,
      );
    }
  });

  it('down --volumes leaves no namespace, link, engine process or data', async function () {
    assert.ok(bench);
    await mh.stopHosts({ slot: SLOT, volumes: true });
    assert.deepEqual(await mh.benchLeftovers(SLOT), []);
    bench = undefined;
  });
});
