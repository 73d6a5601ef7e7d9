/**
 * One cluster across three hosts in the explorer, inside a real extension host: the multi-host
 * bench (real dockerd engines in network namespaces, reached over unix://, ssh:// and tcp+TLS) writes
 * its inventory into the workspace; the tree shows every node of every host under its role, each
 * with its host, a Hosts group with each engine's version and latency, the roles the cluster's
 * health reports across hosts, the host-by-host upgrade's confirmation (Enter is "Not Now") and
 * its refusal of a version whose images the hosts lack, and a host whose engine stops: its nodes
 * unknown, not stopped.
 * The tree needs only the Docker API (no Compose command runs), so it holds under Compose v1 too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import { type ClusterElement, type NodeElement, type TreeElement } from '../../src/views/clusterTreeProvider';
import { type HostElement } from '../../src/views/hostsGroup';
import * as emulator from '../emulator/src/harness';
import * as mh from '../emulator/src/multihost';
import { sharedPath } from '../support/paths';
import { activateExtension, answerDialogs, eventually, signInAsTheUserWould, until, workspaceRoot } from './support';

// Slot 4 (10.213.81.0/24, names wa4-…): the other multi-host suites use slots 1–3, the UI test 5.
// Under Compose v1 the slot is 10 above (legSlot): that leg runs beside the v2 one.
const SLOT = emulator.legSlot(4);

describe(`one cluster across three hosts in the explorer (extension host, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const dir = path.join(workspaceRoot, `mhtree${process.pid}`);
  let bench: mh.Bench;
  let api: TestApi;
  let token = '';
  const account = {
    cc: '1',
    phone_number: '6315550300',
    method: 'sms',
    cert: Buffer.from('{"vname":"Hosts Tree"}').toString('base64'),
  };

  /** The inventory's cluster (its id is the inventory file). */
  const root = (): ClusterElement | undefined =>
    api.tree
      .getChildren()
      .find((e): e is ClusterElement => e.kind === 'cluster' && e.session?.cluster.id === bench.inventoryPath);
  const children = (e: TreeElement | undefined): TreeElement[] => (e ? api.tree.getChildren(e) : []);
  const item = (e: TreeElement) => api.tree.getTreeItem(e);
  const tooltip = (e: TreeElement): string => {
    const t = item(e).tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  };
  /** Node name → its row's description ("coreapp · standby"), in tree order. */
  const nodeRows = (): Record<string, string> =>
    Object.fromEntries(
      children(root())
        .filter((e): e is NodeElement => e.kind === 'node')
        .map((e) => [e.name, String(item(e).description ?? '')]),
    );
  const hostsGroup = () => children(root()).find((e) => e.kind === 'hosts');
  /** Host name → its row's description ("Docker 20.10.24 · 3 ms"). */
  const hostRows = (): Record<string, string> =>
    Object.fromEntries(
      children(hostsGroup())
        .filter((e): e is HostElement<ClusterElement> => e.kind === 'host')
        .map((e) => [e.name, String(item(e).description ?? '')]),
    );
  /** Every cluster host runs the vendor's file: a web, a master and a coreapp. */
  const services = ['waweb', 'master', 'wacore'];
  /** The rows in tree order: db, then the webs, the masters, the coreapps, each of every host. */
  const byRole = () => ['db/db', ...services.flatMap((s) => bench.hosts.map((x) => `${x.name}/${s}`))];

  before(async function () {
    await mh.stopHosts({ slot: SLOT, volumes: true }); // a run killed half-way left something behind
    bench = await mh.startHosts({ slot: SLOT, hosts: 3, dir });
    api = await activateExtension();
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('health.pollIntervalSeconds', 1, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('waCluster.nodes.focus');
    await eventually(
      'the inventory is one cluster of the workspace',
      async () => {
        await api.sessions.rediscover();
        return root();
      },
      60_000,
    );
  });

  after(async function () {
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('health.pollIntervalSeconds', undefined, vscode.ConfigurationTarget.Global);
    // The inventory leaves the workspace first, so its session stops watching before the engines go.
    fs.rmSync(dir, { recursive: true, force: true });
    await api?.sessions.rediscover();
    await mh.stopHosts({ slot: SLOT, volumes: true });
  });

  it('every node of every host under its role (db, web, masters, coreapps), each with its host; the Hosts group lists each engine with version and latency', async () => {
    const rows = await eventually(
      '10 nodes with their containers',
      () => {
        const x = nodeRows();
        return Object.keys(x).length === 10 && Object.values(x).every((d) => / · running$/.test(d)) ? x : undefined;
      },
      60_000,
    );
    assert.deepEqual(Object.keys(rows), byRole());
    assert.equal(rows['db/db'], 'database · running');
    for (const x of bench.hosts) {
      assert.equal(rows[`${x.name}/waweb`], 'web · running');
    }
    const group = hostsGroup();
    assert.ok(group, 'a Hosts group');
    assert.equal(item(group).label, 'Hosts');
    const hosts = await eventually('every engine answered', () => {
      const x = hostRows();
      return Object.values(x).length === 4 && Object.values(x).every((d) => /^Docker \d+\.\d+\S* · \d+ ms$/.test(d))
        ? x
        : undefined;
    });
    assert.deepEqual(Object.keys(hosts), ['db', ...bench.hosts.map((x) => x.name)]);
    assert.equal(item(group).description, '4 hosts');
    // Each engine as the inventory reaches it: unix://, ssh://, tcp with TLS (https://).
    for (const e of children(group)) {
      const x = [bench.db, ...bench.hosts].find((b) => e.kind === 'host' && b.name === e.name);
      assert.ok(x);
      const endpoint = x.access === 'tcp+tls' ? x.endpoint.replace(/^tcp:/, 'https:') : x.endpoint;
      assert.ok(
        tooltip(e).includes(`Docker endpoint: ${endpoint}`) && tooltip(e).includes(`(host ${x.name})`),
        tooltip(e),
      );
      assert.ok(tooltip(e).includes(`EXTERNAL_HOSTNAME: ${x.address}`) || x.name === 'db', tooltip(e));
    }
    assert.deepEqual(
      [bench.db, ...bench.hosts].map((x) => x.access),
      ['unix', 'unix', 'ssh', 'tcp+tls'],
    );
  });

  it("before registration, then registered with 2 shards: roles and gateway states matched to each host's containers", async () => {
    token = await signInAsTheUserWould(api, { baseUrl: bench.webUrl });
    const before = await eventually('the roles before registration', () => {
      const x = nodeRows();
      return Object.values(x).includes('primary master · unregistered') ? x : undefined;
    });
    assert.deepEqual(Object.keys(before), byRole());
    assert.equal(api.tree.getChildren(root()).filter((e) => e.kind === 'action').length, 0, 'signed in');

    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account', { token, body: account })).status, 202);
    const verify = { token, body: { code: '123456' } };
    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account/verify', verify)).status, 201);
    const shards = { token, body: { ...account, shards: 2 } };
    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account/shards', shards)).status, 201);
    const rows = await eventually(
      '2 coreapps connected, the third standby',
      () => {
        const x = nodeRows();
        const coreapps = bench.hosts.map((h) => x[`${h.name}/wacore`]).sort();
        return coreapps.join('|') === 'coreapp · connected|coreapp · connected|coreapp · standby' ? x : undefined;
      },
      60_000,
    );
    assert.deepEqual(Object.keys(rows), byRole());
    assert.deepEqual(bench.hosts.map((h) => rows[`${h.name}/master`]).sort(), [
      'primary master · connected',
      'secondary master · standby',
      'secondary master · standby',
    ]);
    await until('the root says 2/2 shards connected', () =>
      /2\/2 shards connected/.test(String(item(root() as ClusterElement).description ?? '')),
    );
    // Every master and coreapp is its host's: its health key names that host's EXTERNAL_HOSTNAME.
    for (const e of children(root())) {
      if (e.kind !== 'node' || !/\/(master|wacore)$/.test(e.name)) {
        continue;
      }
      const x = bench.hosts.find((h) => e.name.startsWith(`${h.name}/`));
      assert.ok(x && e.node?.host === x.name, e.name);
      assert.equal(e.node?.healthKey, `${x.address}:${e.node?.container?.id.slice(0, 12) ?? '?'}`);
      assert.ok(tooltip(e).includes(`Health key \`${x.address}:`), tooltip(e));
    }
  });

  /** The vendor's DB upgrade file beside the inventory (a rolling upgrade needs it), image override only; removed by the returned function. */
  const writeUpgradeFile = (): (() => void) => {
    const file = path.join(dir, 'dbupgrade-compose.yml');
    fs.writeFileSync(
      file,
      fs
        .readFileSync(sharedPath('fixtures', 'compose', 'installation', 'dbupgrade-compose.yml'), 'utf8')
        .replace('docker.whatsapp.biz/coreapp:', 'wa-emulator/coreapp:'),
    );
    return () => fs.rmSync(file, { force: true });
  };
  /** Every container id running on every cluster host, sorted per host. */
  const running = async () =>
    (
      await Promise.all(
        bench.hosts.map(async (x) =>
          (await emulator.exec('docker', ['-H', `unix://${x.socketPath}`, 'ps', '-q', '--no-trunc'])).stdout
            .trim()
            .split('\n')
            .sort(),
        ),
      )
    ).flat();

  it('Upgrade host by host: the first button of its confirmation (what Enter does) is "Not Now", which changes nothing', async () => {
    const removeUpgradeFile = writeUpgradeFile();
    const before = await running();
    const dialogs = answerDialogs({ answers: [[/host by host/, 'Not Now']] });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', {
        cluster: bench.inventoryPath,
        version: emulator.NEW_VERSION,
      });
    } finally {
      dialogs.restore();
      removeUpgradeFile();
    }
    assert.deepEqual(
      dialogs.shown.map((d) => ({ message: d.message, modal: d.modal, items: d.items })),
      [
        {
          message: `Upgrade ${mh.PROJECT} to ${emulator.NEW_VERSION} host by host (${bench.hosts.map((x) => x.name).join(', ')})?`,
          modal: true,
          items: ['Not Now', 'Upgrade'],
        },
      ],
      'the confirmation only: no backup asked, no progress, nothing said after',
    );
    assert.deepEqual(await running(), before, 'no container recreated');
  });

  it("Upgrade host by host to a version whose images are not on the hosts' engines: refused in one line naming them, before any question or change", async () => {
    // The hosts' env files (WA_API_VERSION) and every other file of the workspace folder.
    const files = () =>
      Object.fromEntries(
        fs
          .readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => [e.name, fs.readFileSync(path.join(dir, e.name), 'utf8')]),
      );
    const filesBefore = files();
    const removeUpgradeFile = writeUpgradeFile();
    const before = await running();
    const dialogs = answerDialogs({ answers: [[/host by host/, 'Upgrade']] });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', { cluster: bench.inventoryPath, version: '2.99.1' });
    } finally {
      dialogs.restore();
      removeUpgradeFile();
    }
    const [first, ...others] = bench.hosts.map((x) => x.name);
    assert.deepEqual(
      dialogs.shown.map((d) => [d.severity, d.message]),
      [
        [
          'error',
          `WA Cluster: Version 2.99.1 cannot be used: ${[
            `wa-emulator/coreapp:v2.99.1, wa-emulator/web:v2.99.1 not on the Docker engine of ${first}`,
            ...others.map(
              (h) => `wa-emulator/web:v2.99.1, wa-emulator/coreapp:v2.99.1 not on the Docker engine of ${h}`,
            ),
          ].join('; ')} (docker pull, or docker load, there first). Nothing was changed.`,
        ],
      ],
      'one error, no confirmation, no backup asked',
    );
    assert.deepEqual(await running(), before, 'no container recreated on any host');
    assert.deepEqual(files(), filesBefore, 'no env file (nor any other) changed');
  });

  it('a host\'s engine goes away: its row says unreachable, its nodes unknown (not stopped, not "not created"), announced once', async () => {
    // host3, reached over tcp with TLS (host1 runs the web that answers the API).
    const victim = bench.hosts[2];
    assert.ok(victim?.access === 'tcp+tls');
    const dialogs = answerDialogs();
    try {
      await mh.stopEngine(victim);
      await until(
        'the Hosts group says 3/4 reachable',
        () => item(hostsGroup() as TreeElement).description === '3/4 reachable',
        45_000,
      );
      assert.match(hostRows()[victim.name] ?? '', /^unreachable: /);
      const down = await eventually(`${victim.name}'s nodes unknown`, () => {
        const x = nodeRows();
        return services.every((s) => / · unknown$/.test(x[`${victim.name}/${s}`] ?? '')) ? x : undefined;
      });
      assert.deepEqual(Object.keys(down), byRole(), 'the same rows, in the same order');
      for (const s of services) {
        const e = children(root()).find((n) => n.kind === 'node' && n.name === `${victim.name}/${s}`);
        assert.ok(e && tooltip(e).includes(`host ${victim.name} unreachable`), e ? tooltip(e) : s);
      }
      for (const x of bench.hosts.filter((h) => h !== victim)) {
        assert.equal(down[`${x.name}/waweb`], 'web · running');
      }
      await new Promise((r) => setTimeout(r, 3000)); // a few polls later: said once
      const said = dialogs.shown.filter((d) =>
        d.message.includes(`host ${victim.name}'s Docker engine is unreachable`),
      );
      assert.equal(said.length, 1, JSON.stringify(dialogs.shown));
      // (An engine that shuts down stops its containers first: their deaths, seen before it went, are news too.)
    } finally {
      dialogs.restore();
    }
  });
});
