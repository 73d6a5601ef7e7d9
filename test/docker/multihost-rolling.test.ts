// Host-aware commands on the real multi-host bench: Down/Up run Compose against each inventory
// host's own engine (unix, ssh:// through the verified forwarder, tcp:// with TLS) and never the
// local one; the rolling upgrade stops at a host that does not come back and, run again once that
// host is fixed, finishes the rest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseHealth } from '../../src/api/health';
import { declaredOnHost, downRuns, inventoryProject, upRuns, versionEnvFile } from '../../src/cluster/hostPlacement';
import { planRollingUpgrade, type RollingHostInput } from '../../src/cluster/rollingUpgradePlan';
import { type RollingUpgradePorts, runRollingUpgrade } from '../../src/cluster/rollingUpgradeRunner';
import { versionFromImage } from '../../src/cluster/classify';
import { nodeFileReader } from '../../src/compose/nodeReader';
import { setDotenvValue } from '../../src/compose/setDotenv';
import { type ComposeCommand } from '../../src/docker/compose';
import { InventoryEngines } from '../../src/docker/inventoryEngines';
import { type Inventory, loadInventory } from '../../src/inventory/inventory';
import { systemClock } from '../../src/util/abort';
import { english as t } from '../../src/util/translate';
import * as h from '../emulator/src/harness';
import { sharedPath } from '../support/paths';
import * as mh from '../emulator/src/multihost';

// Slot 3 (10.213.80.0/24, names wa3-…) so this suite runs beside the bench suite (slot 1) and the demo (slot 0).
// Under Compose v1 the slot is 10 above (legSlot): that leg runs beside the v2 one.
const SLOT = h.legSlot(3);
const PROJECT = 'wa';

describe('multi-host commands (Docker): Up/Down per host engine and the rolling upgrade across 3 hosts', function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-rolling-'));
  let bench: mh.Bench | undefined;
  let inventory: Inventory;
  let engines: InventoryEngines;
  const flavor = h.composeFlavor();
  const command: ComposeCommand = { ...h.composeCli(flavor), flavor, version: undefined };
  const log: string[] = [];

  /** Each host's engine, as the bench itself reaches it (its unix socket), for checking from outside. */
  const onHost = (name: string, args: string[]) => {
    const b = [bench!.db, ...bench!.hosts].find((x) => x.name === name)!;
    return h.exec('docker', ['-H', `unix://${b.socketPath}`, ...args], { timeoutMs: 120_000 });
  };
  const servicesOn = async (name: string): Promise<string[]> =>
    (await engines.docker(name).listContainers(PROJECT))
      .filter((c) => c.state === 'running')
      .map((c) => `${c.service ?? '?'}@${versionFromImage(c.image) ?? '-'}`)
      .sort();
  const hostServices = async () =>
    Promise.all(
      inventory.hosts.map(async (x) => ({
        host: x.name,
        declared: declaredOnHost(x, nodeFileReader, {}),
        running: (await engines.docker(x.name).listContainers(PROJECT))
          .filter((c) => c.state === 'running')
          .map((c) => c.service ?? ''),
      })),
    );
  /** Containers of this workspace on the machine's own engine: there must never be any. */
  const onLocalEngine = async () =>
    (
      await h.exec('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project.working_dir=${bench!.dir}`])
    ).stdout.trim();

  before(async function () {
    await mh.stopHosts({ slot: SLOT, volumes: true });
    bench = await mh.startHosts({ slot: SLOT, hosts: 3, dir });
    // The vendor's DB upgrade file beside the inventory, image override only (like emulator-images.yml).
    fs.writeFileSync(
      path.join(dir, 'dbupgrade-compose.yml'),
      fs
        .readFileSync(sharedPath('fixtures', 'compose', 'installation', 'dbupgrade-compose.yml'), 'utf8')
        .replace('docker.whatsapp.biz/coreapp:', 'wa-emulator/coreapp:'),
    );
    const loaded = loadInventory(bench.inventoryPath, fs.readFileSync(bench.inventoryPath, 'utf8'));
    assert.ok(loaded.inventory, JSON.stringify(loaded.issues));
    inventory = loaded.inventory;
    engines = new InventoryEngines(inventory, {
      env: {},
      homeDir: os.homedir(),
      platform: process.platform,
      readFile: (p) => nodeFileReader.read(p),
      exists: (p) => fs.existsSync(p),
    });
  });

  after(async function () {
    await engines?.close();
    await mh.stopHosts({ slot: SLOT, volumes: true });
    fs.rmSync(dir, { recursive: true, force: true });
    if (this.currentTest?.state === 'failed') {
      console.log(log.join('\n'));
    }
  });

  const composeOn = async (
    host: string,
    sub: string[],
    o: { env?: Record<string, string>; files?: readonly string[] } = {},
  ) =>
    (await engines.composeRunner(host, command, PROJECT, o.files)).run(sub, {
      ...(o.env ? { env: o.env } : {}),
      onLine: (l) => log.push(`${host} | ${l}`),
      timeoutMs: 300_000,
    });

  it('the project is found from the containers on the hosts (the bench started it with -p wa)', async function () {
    const all = (
      await Promise.all(inventory.hosts.map((x) => engines.docker(x.name).listContainers(undefined)))
    ).flat();
    assert.equal(inventoryProject(all, dir, 'fallback'), PROJECT);
  });

  if (flavor === 'v1') {
    // Compose v1 failed on the ssh and tcp+TLS hosts that v2 reaches (hostTarget.ts composeV1Refusal):
    // with v1 the commands refuse those hosts up front and run on the unix ones.
    it('Compose v1: refused on the ssh and tcp+TLS hosts with what to install, before anything runs; the unix hosts run it; the local engine gets nothing', async function () {
      const before = await hostServices();
      for (const x of inventory.hosts) {
        const url = x.docker.kind === 'url' ? x.docker.url : '';
        if (url.startsWith('unix://')) {
          await composeOn(x.name, ['ps']);
        } else {
          await assert.rejects(composeOn(x.name, ['up', '-d']), (e: Error) =>
            /Compose v1 \(docker-compose\) cannot run on host .*install Compose v2/.test(e.message),
          );
        }
      }
      assert.deepEqual(await hostServices(), before);
      assert.equal(await onLocalEngine(), '');
    });
  } else {
    it('the rolling upgrade across 3 hosts succeeds: backup, the DB upgrade once, then host by host; every host on the new version, traffic on 2 shards', async function () {
      token = await register();
      await h.waitForHealth(bench!.webUrl, (x) => connectedCoreapps(x) === 2, {
        apiKey: bench!.apiKey,
        timeoutMs: 60_000,
      });
      const plan = await planNow();
      assert.deepEqual(
        plan.steps.map((s) => (s.kind === 'host' ? s.host : s.kind)),
        ['backup', 'dbUpgrade', 'host1', 'host2', 'host3'],
      );
      const out = await runRollingUpgrade(plan, ports(token), t, { timeoutMs: 180_000 });
      assert.equal(out.ok, true, out.message);
      assert.deepEqual(
        out.hosts.map((x) => [x.host, x.state, x.runs]),
        bench!.hosts.map((x) => [x.name, 'upgraded', h.NEW_VERSION]),
      );
      await assertAllOn(h.NEW_VERSION);
    });

    it('Down -v then Up (back to the old version on a fresh database) run Compose on each host over its own endpoint (unix, ssh, tcp+TLS), the database last down and first up; the local engine gets nothing', async function () {
      const hosts = await hostServices();
      const down = downRuns(hosts);
      assert.deepEqual(
        down.map((r) => r.host),
        ['host3', 'host2', 'host1', 'db'],
      );
      for (const r of down) {
        await composeOn(r.host, ['down', '-v']);
      }
      for (const x of inventory.hosts) {
        assert.deepEqual(await servicesOn(x.name), [], `${x.name} after Down`);
      }
      assert.equal(await onLocalEngine(), '');
      for (const x of bench!.hosts) {
        const f = path.join(dir, `${x.name}.env`);
        fs.writeFileSync(f, setDotenvValue(fs.readFileSync(f, 'utf8'), 'WA_API_VERSION', h.OLD_VERSION));
      }
      const up = upRuns(hosts);
      assert.deepEqual(
        up.map((r) => `${r.host}:${[...r.services].sort().join(',')}`),
        ['db:db', 'host1:master,wacore,waweb', 'host2:master,wacore,waweb', 'host3:master,wacore,waweb'],
      );
      for (const r of up) {
        await composeOn(r.host, ['up', '-d', ...r.services]);
      }
      assert.deepEqual(await servicesOn('db'), ['db@-']);
      for (const x of bench!.hosts) {
        assert.deepEqual(await servicesOn(x.name), [
          `master@${h.OLD_VERSION}`,
          `wacore@${h.OLD_VERSION}`,
          `waweb@${h.OLD_VERSION}`,
        ]);
      }
      assert.equal(await onLocalEngine(), '');
      await h.waitForHealth(bench!.webUrl, (x) => Object.keys(x.health).length === 6, {
        apiKey: bench!.apiKey,
        timeoutMs: 120_000,
      });
    });

    const register = async (): Promise<string> => {
      const web = bench!.webUrl;
      const token = await h.login(web);
      const cert = Buffer.from(JSON.stringify({ vname: 'Rolling' })).toString('base64');
      const body = { cc: '1', phone_number: '6315550003', cert };
      assert.equal((await h.api(web, 'POST', '/v1/account', { token, body: { ...body, method: 'sms' } })).status, 202);
      assert.equal((await h.api(web, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
      assert.equal(
        (await h.api(web, 'POST', '/v1/account/shards', { token, body: { ...body, shards: 2 } })).status,
        201,
      );
      return token;
    };

    const connectedCoreapps = (b: h.HealthBody) =>
      Object.values(b.health).filter((n) => n.role === 'coreapp' && n.gateway_status === 'connected').length;

    /** The runner's effects on the bench: Compose and Docker per host, /v1/health and the backup through the web. */
    const ports = (token: string): RollingUpgradePorts => ({
      backup: async () => {
        const r = await h.api(bench!.webUrl, 'POST', '/v1/settings/backup', {
          token,
          body: { password: 'Backup-Pass-1' },
        });
        assert.equal(r.status, 200, r.text);
        const file = path.join(dir, 'backups', 'before-upgrade.wabackup');
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, r.text);
        return file;
      },
      compose: async (host, sub, o) => {
        log.push(`# ${o.title}`);
        await composeOn(host, [...sub], { env: { ...o.env }, ...(o.files ? { files: o.files } : {}) });
      },
      docker: (host) => engines.docker(host),
      health: async () => {
        try {
          const r = await h.api(bench!.webUrl, 'GET', '/v1/health', { apiKey: bench!.apiKey, timeoutMs: 5000 });
          const parsed = r.status === 200 ? parseHealth(r.body) : undefined;
          return parsed?.ok ? parsed.value : undefined;
        } catch {
          return undefined; // the web itself is being recreated
        }
      },
      readEnv: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : ''),
      writeEnv: (f, text) => fs.writeFileSync(f, text),
      ui: { log: (l) => log.push(l) },
      clock: systemClock,
    });

    const planNow = async () => {
      const hosts = await hostServices();
      const input: RollingHostInput[] = await Promise.all(
        inventory.hosts.map(async (x) => {
          const containers = await engines.docker(x.name).listContainers(PROJECT);
          const declared = hosts.find((y) => y.host === x.name)!.declared;
          return {
            name: x.name,
            envFile: versionEnvFile(x, nodeFileReader),
            running: declared
              .map((d) => ({ d, c: containers.find((c) => c.service === d.name && c.state === 'running') }))
              .filter((y) => y.c)
              .map(({ d, c }) => ({
                service: d.name,
                kind: d.kind,
                ...(versionFromImage(c!.image) ? { version: versionFromImage(c!.image)! } : {}),
              })),
          };
        }),
      );
      const p = planRollingUpgrade(
        {
          project: PROJECT,
          version: h.NEW_VERSION,
          hosts: input,
          upgradeService: { service: 'dbupgrade', files: [path.join(dir, 'dbupgrade-compose.yml')] },
        },
        t,
      );
      assert.ok(p.ok, p.ok ? '' : p.message);
      return p.plan;
    };

    let token = '';

    /** Every host runs `version` (containers and env file), /v1/health reports it with 2 shards connected, nothing on the local engine. */
    const assertAllOn = async (version: string) => {
      for (const x of bench!.hosts) {
        assert.deepEqual(
          await servicesOn(x.name),
          [`master@${version}`, `wacore@${version}`, `waweb@${version}`],
          x.name,
        );
        assert.match(fs.readFileSync(path.join(dir, `${x.name}.env`), 'utf8'), new RegExp(`WA_API_VERSION=${version}`));
      }
      const b = await h.waitForHealth(
        bench!.webUrl,
        (x) => connectedCoreapps(x) === 2 && x.meta?.version === `v${version}` && Object.keys(x.health).length === 6,
        { apiKey: bench!.apiKey, timeoutMs: 90_000 },
      );
      assert.equal(Object.keys(b.health).length, 6, JSON.stringify(b.health));
      assert.equal(await onLocalEngine(), '');
    };
    const newImages = [h.coreappImage(h.NEW_VERSION), h.webImage(h.NEW_VERSION)];

    it('a rolling upgrade that fails on the second host (its target images missing, no registry reachable) leaves hosts 2 and 3 on the old version and says so', async function () {
      token = await register();
      await h.waitForHealth(bench!.webUrl, (x) => connectedCoreapps(x) === 2, {
        apiKey: bench!.apiKey,
        timeoutMs: 60_000,
      });
      const rmi = await onHost('host2', ['rmi', ...newImages]);
      assert.equal(rmi.code, 0, rmi.stderr);
      const plan = await planNow();
      assert.deepEqual(
        plan.steps.map((s) => (s.kind === 'host' ? s.host : s.kind)),
        ['backup', 'dbUpgrade', 'host1', 'host2', 'host3'],
      );
      const out = await runRollingUpgrade(plan, ports(token), t, { timeoutMs: 180_000 });
      assert.equal(out.ok, false, out.message);
      assert.ok(out.backup && fs.statSync(out.backup).size > 0);
      assert.deepEqual(
        out.hosts.map((x) => [x.host, x.state, x.runs]),
        [
          ['host1', 'upgraded', h.NEW_VERSION],
          ['host2', 'failed', h.OLD_VERSION],
          ['host3', 'untouched', h.OLD_VERSION],
        ],
        out.message,
      );
      assert.match(out.message, /host2: did not come back \("up -d master" failed on host2: .*registry/);
      assert.match(out.message, /host3: not touched, runs 2\.51\.1/);
      assert.deepEqual(await servicesOn('host1'), [
        `master@${h.NEW_VERSION}`,
        `wacore@${h.NEW_VERSION}`,
        `waweb@${h.NEW_VERSION}`,
      ]);
      for (const x of ['host2', 'host3']) {
        assert.deepEqual(
          await servicesOn(x),
          [`master@${h.OLD_VERSION}`, `wacore@${h.OLD_VERSION}`, `waweb@${h.OLD_VERSION}`],
          x,
        );
        assert.match(fs.readFileSync(path.join(dir, `${x}.env`), 'utf8'), /WA_API_VERSION=2\.51\.1/);
      }
      assert.match(fs.readFileSync(path.join(dir, 'host1.env'), 'utf8'), /WA_API_VERSION=2\.53\.2/);
      // Old and new nodes share the upgraded schema: the cluster still carries traffic on 2 shards.
      await h.waitForHealth(bench!.webUrl, (x) => connectedCoreapps(x) === 2, {
        apiKey: bench!.apiKey,
        timeoutMs: 60_000,
      });
      assert.equal(await onLocalEngine(), '');
    });

    it('run again once host 2 has its images, it leaves host 1 alone and upgrades hosts 2 and 3: every host on the new version, traffic on 2 shards', async function () {
      const load = await h.exec(
        'sh',
        ['-c', `docker save ${newImages.join(' ')} | docker -H unix://${bench!.hosts[1]!.socketPath} load -q`],
        { timeoutMs: 120_000 },
      );
      assert.equal(load.code, 0, load.stderr);
      const plan = await planNow();
      assert.deepEqual(plan.skipped, [
        { host: 'db', why: 'no WhatsApp node runs there' },
        { host: 'host1', why: `already runs ${h.NEW_VERSION}` },
      ]);
      const out = await runRollingUpgrade(plan, ports(token), t, { timeoutMs: 180_000 });
      assert.equal(out.ok, true, out.message);
      assert.deepEqual(
        out.hosts.map((x) => [x.host, x.state]),
        [
          ['host2', 'upgraded'],
          ['host3', 'upgraded'],
        ],
      );
      await assertAllOn(h.NEW_VERSION);
    });
  }

  it('the bench goes down leaving no namespace, link, engine process or data; no forwarder socket is left', async function () {
    const forwarded = (await engines.engineEnv('host2')).DOCKER_HOST?.replace(/^unix:\/\//, '') ?? '';
    assert.ok(fs.existsSync(forwarded), 'host2 (ssh) is reached through a forwarded socket');
    await engines.close();
    assert.ok(!fs.existsSync(path.dirname(forwarded)), `${forwarded} is left`);
    await mh.stopHosts({ slot: SLOT, volumes: true });
    assert.deepEqual(await mh.benchLeftovers(SLOT), []);
  });
});
