// The source document end to end against the emulator, with the real docker-compose CLI and plain
// HTTPS (emulator CA trusted explicitly). Done-when item 1 of issue 3.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sharedPath } from '../support/paths';
import * as h from '../emulator/src/harness';

function fixtureShape(name: string): Record<string, h.NodeHealth> {
  const body = JSON.parse(fs.readFileSync(sharedPath('fixtures', 'health', name), 'utf8')) as h.HealthBody;
  return h.healthShape(body.health);
}

function connectedCoreapps(b: h.HealthBody): string[] {
  return Object.entries(b.health)
    .filter(([k, v]) => k.startsWith('wacore') && v.gateway_status === 'connected')
    .map(([k]) => k.split(':')[0] ?? k);
}

describe('emulator: source document walkthrough (HA + multiconnect, failover, DB upgrade, down)', function () {
  this.timeout(180_000);
  let ws: h.Workspace;
  let token = '';
  const project = `emuwalk${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-walk-'));
  const registration = {
    cc: '1',
    phone_number: '6315550000',
    method: 'sms',
    cert: Buffer.from('{"vname":"Acme Walkthrough"}').toString('base64'),
  };

  before(async function () {
    const build = await h.buildImages();
    console.log(`      images ready in ${build.ms} ms (built ${build.built.length}, cached ${build.cached.length})`);
    assert.ok(build.ms < 60_000, `image build took ${build.ms} ms`);
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort() });
  });

  after(async function () {
    if (ws) {
      await h.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('step 4–6: up the HA set; health answers within 20 s and looks like fixture 01', async function () {
    const t0 = Date.now();
    await h.up(ws, h.HA_SERVICES);
    const first = await h.waitForHealth(ws, (b) => Object.keys(b.health).length === 4, { timeoutMs: 20_000 });
    console.log(`      health answered ${Date.now() - t0} ms after \`up\``);
    assert.ok(Date.now() - t0 < 20_000);
    const ps = await h.compose(ws, ['ps']);
    for (const s of h.HA_SERVICES) {
      assert.match(
        ps.stdout,
        new RegExp(`${h.containerName(ws.compose, project, s)} .* Up`),
        `${s} is Up in compose ps (${ws.compose})`,
      );
    }
    // Keys are COREAPP_HOSTNAME:<container hostname = short container id>.
    const id = (await h.containerIdOf(ws, 'master1')).slice(0, 12);
    assert.ok(Object.keys(first.health).includes(`master1:${id}`), JSON.stringify(first.health));
    const b = await h.waitForHealth(
      ws,
      (x) => isDeepEqual(h.healthShape(x.health), fixtureShape('01-up-before-register.json')),
      { timeoutMs: 10_000 },
    );
    assert.equal(b.meta?.version, `v${h.OLD_VERSION}`);
  });

  it('first login must set a new password (1024), then a token is issued', async function () {
    const r = await h.api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'secret'] });
    assert.equal((r.body as { errors: { code: number }[] }).errors[0]?.code, 1024);
    token = await h.login(ws);
  });

  it('step 7–8: register + verify → health like fixture 02 (one coreapp connected)', async function () {
    const r = await h.api(ws, 'POST', '/v1/account', { token, body: registration });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual((r.body as { account: unknown }).account, [{ vname: 'Acme Walkthrough' }]);
    const v = await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } });
    assert.equal(v.status, 201, v.text);
    await h.waitForHealth(ws, (b) => isDeepEqual(h.healthShape(b.health), fixtureShape('02-after-register.json')), {
      token,
      timeoutMs: 15_000,
    });
  });

  it('settings: heartbeat_interval/unhealthy_interval default 5/30, set to 1/3 via PATCH', async function () {
    const g = await h.api(ws, 'GET', '/v1/settings/application', { token });
    const app = (g.body as { settings: { application: Record<string, unknown> } }).settings.application;
    assert.equal(app.heartbeat_interval, 5);
    assert.equal(app.unhealthy_interval, 30);
    const p = await h.api(ws, 'PATCH', '/v1/settings/application', {
      token,
      body: { heartbeat_interval: 1, unhealthy_interval: 3 },
    });
    assert.equal(p.status, 200, p.text);
    const g2 = await h.api(ws, 'GET', '/v1/settings/application', { token });
    assert.equal(
      (g2.body as { settings: { application: Record<string, unknown> } }).settings.application.unhealthy_interval,
      3,
    );
  });

  it('lowering unhealthy_interval below the time since the last answered heartbeat replaces nobody', async function () {
    const patch = async (heartbeat: number, unhealthy: number) =>
      assert.equal(
        (
          await h.api(ws, 'PATCH', '/v1/settings/application', {
            token,
            body: { heartbeat_interval: heartbeat, unhealthy_interval: unhealthy },
          })
        ).status,
        200,
      );
    const owner = connectedCoreapps(await h.waitForHealth(ws, (b) => connectedCoreapps(b).length === 1, { token }));
    // Slow the beat to 10 s and let one beat happen on it: the owner answered, the next beat is far.
    await patch(10, 30);
    await new Promise((r) => setTimeout(r, 1_500));
    // Now 1.5 s or more have passed since the last answer; a 1 s unhealthy_interval must not count that as silence.
    await patch(1, 1);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.deepEqual(connectedCoreapps(await h.waitForHealth(ws, () => true, { token })), owner);
    const masters = await h.compose(ws, ['logs', '--no-color', 'master1', 'master2']);
    assert.doesNotMatch(masters.stdout, /silent for more than unhealthy_interval/);
    await patch(1, 3);
  });

  it('multiconnect step 1–2: 2 shards → 201, health like fixture 03', async function () {
    const r = await h.api(ws, 'POST', '/v1/account/shards', {
      token,
      body: { cc: '1', phone_number: '6315550000', shards: 2, cert: registration.cert },
    });
    assert.equal(r.status, 201, r.text);
    await h.waitForHealth(ws, (b) => isDeepEqual(h.healthShape(b.health), fixtureShape('03-after-two-shards.json')), {
      token,
      timeoutMs: 15_000,
    });
  });

  it('step 3–4: up -d wacore3 → health like fixture 04 (spare disconnected)', async function () {
    await h.up(ws, ['wacore3']);
    await h.waitForHealth(
      ws,
      (b) => isDeepEqual(h.healthShape(b.health), fixtureShape('04-third-coreapp-standby.json')),
      { token, timeoutMs: 15_000 },
    );
  });

  it('docker stop the connected coreapp → the spare takes over within unhealthy_interval + 5 s', async function () {
    const before = await h.waitForHealth(ws, (b) => connectedCoreapps(b).length === 2, { token });
    const victim = connectedCoreapps(before).sort()[0] ?? 'wacore1';
    const id = await h.containerIdOf(ws, victim);
    const t0 = Date.now();
    const stop = await h.exec('docker', ['stop', '-t', '5', id]);
    assert.equal(stop.code, 0, stop.stderr);
    const after = await h.waitForHealth(
      ws,
      (b) => connectedCoreapps(b).length === 2 && connectedCoreapps(b).includes('wacore3'),
      { token, timeoutMs: 3_000 + 5_000 + 2_000, intervalMs: 200 },
    );
    const took = Date.now() - t0;
    console.log(`      ${victim} stopped; wacore3 connected after ${took} ms`);
    assert.ok(took <= 3_000 + 5_000, `failover took ${took} ms`);
    assert.ok(!connectedCoreapps(after).includes(victim));
  });

  it('step 14: DB upgrade container for the new version exits 0 (docker wait)', async function () {
    await h.compose(ws, ['up', '-d'], { files: ['dbupgrade-compose.yml'], version: h.NEW_VERSION });
    const id = await h.containerIdOf(ws, 'dbupgrade', { files: ['dbupgrade-compose.yml'], version: h.NEW_VERSION });
    const w = await h.exec('docker', ['wait', id], { timeoutMs: 60_000 });
    assert.equal(w.stdout.trim(), '0', w.stderr);
    const logs = await h.exec('docker', ['logs', id]);
    assert.match(logs.stdout, /Upgrading database schema from v2\.51\.1 to v2\.53\.2/);
  });

  it('restart with the new version → meta.version is new; registration and shards survived', async function () {
    await h.compose(ws, ['up', '-d'], { version: h.NEW_VERSION });
    const b = await h.waitForHealth(
      ws,
      (x) =>
        x.meta?.version === `v${h.NEW_VERSION}` &&
        connectedCoreapps(x).length === 2 &&
        Object.keys(x.health).length === 5,
      { token, timeoutMs: 30_000 },
    );
    assert.equal(b.meta?.version, `v${h.NEW_VERSION}`);
    const shards = await h.api(ws, 'GET', '/v1/account/shards', { token });
    assert.deepEqual((shards.body as { account: unknown }).account, { shards: 2 });
    const again = await h.api(ws, 'POST', '/v1/account', { token, body: registration });
    assert.equal(again.status, 201, 'already registered');
    const img = await h.exec('docker', ['inspect', '-f', '{{.Config.Image}}', await h.containerIdOf(ws, 'wacore1')]);
    assert.equal(img.stdout.trim(), h.coreappImage(h.NEW_VERSION));
  });

  it('step 15: down keeps the data; down -v removes it', async function () {
    await h.down(ws, { files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    const vols = await h.exec('docker', ['volume', 'ls', '-q', '--filter', `name=${project}_`]);
    assert.match(vols.stdout, new RegExp(`${project}_mysqlData`));
    ws = { ...ws, version: h.NEW_VERSION };
    await h.up(ws, h.HA_SERVICES);
    await h.waitForHealth(ws, (x) => connectedCoreapps(x).length === 2, { token, timeoutMs: 30_000 });
    await h.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    const gone = await h.exec('docker', ['volume', 'ls', '-q', '--filter', `name=${project}_`]);
    assert.equal(gone.stdout.trim(), '');
    await h.up(ws, h.HA_SERVICES);
    const fresh = await h.waitForHealth(ws, (x) => Object.keys(x.health).length === 4, { timeoutMs: 20_000 });
    // Fresh database: nobody is registered any more, and the old token is gone with the data.
    await h.waitForHealth(ws, (x) => isDeepEqual(h.healthShape(x.health), fixtureShape('01-up-before-register.json')), {
      timeoutMs: 10_000,
    });
    assert.ok(fresh);
    const r = await h.api(ws, 'GET', '/v1/account/shards', { token });
    assert.equal(r.status, 401);
  });
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
