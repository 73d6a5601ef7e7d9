// Upgrade behaviour: WA_DB_UPGRADE=1 (exit 0 / non-zero on failure / EXIT_ON_SUCCESS=FALSE), nodes
// newer than the stored schema wait as `uninitialized`, and the downtime upgrade of the source
// document (change WA_API_VERSION, `up -d`) where the primary master migrates the schema itself.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from '../emulator/src/harness';

const statusOf = (b: h.HealthBody, service: string): string | undefined =>
  Object.entries(b.health).find(([k]) => k.startsWith(`${service}:`))?.[1].gateway_status;

describe('emulator: DB upgrade (WA_DB_UPGRADE, EXIT_ON_SUCCESS, uninitialized nodes)', function () {
  this.timeout(120_000);
  const project = `emuupg${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-upg-'));
  const upgradeFiles = { files: ['dbupgrade-compose.yml'], version: h.NEW_VERSION };
  const extra: string[] = [];
  let ws: h.Workspace;

  before(async function () {
    ws = await h.startCluster({
      dir,
      project,
      webPort: await h.freePort(),
      env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3 },
    });
  });

  after(async function () {
    for (const name of extra) {
      await h.exec('docker', ['rm', '-f', name]);
    }
    if (ws) {
      await h.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a coreapp newer than the stored schema waits as uninitialized', async function () {
    await h.compose(ws, ['up', '-d', '--no-deps', 'wacore3'], { version: h.NEW_VERSION });
    const b = await h.waitForHealth(ws, (x) => statusOf(x, 'wacore3') === 'uninitialized', { timeoutMs: 15_000 });
    assert.equal(b.meta?.version, `v${h.OLD_VERSION}`, 'the web still runs the old version');
  });

  it('a failing upgrade exits non-zero and leaves the schema alone', async function () {
    const name = `${project}_upgfail`;
    extra.push(name);
    await h.compose(ws, ['run', '-d', '--name', name, '-e', 'WA_EMULATOR_FAIL_UPGRADE=1', 'dbupgrade'], upgradeFiles);
    const w = await h.exec('docker', ['wait', name], { timeoutMs: 30_000 });
    assert.notEqual(w.stdout.trim(), '0');
    assert.match((await h.exec('docker', ['logs', name])).stdout, /^E .*Database upgrade failed/m);
    await new Promise((r) => setTimeout(r, 1500));
    const b = await h.waitForHealth(ws);
    assert.equal(statusOf(b, 'wacore3'), 'uninitialized');
  });

  it('EXIT_ON_SUCCESS=FALSE keeps the container running after a successful upgrade; then the new coreapp leaves uninitialized', async function () {
    const name = `${project}_upgstay`;
    extra.push(name);
    await h.compose(ws, ['run', '-d', '--name', name, '-e', 'EXIT_ON_SUCCESS=FALSE', 'dbupgrade'], upgradeFiles);
    // Its last line comes just after "completed successfully": wait for that one, not the one before.
    const stayingUp = /EXIT_ON_SUCCESS=FALSE: staying up after success/;
    let logs = '';
    for (let i = 0; i < 60 && !stayingUp.test(logs); i++) {
      await new Promise((r) => setTimeout(r, 250));
      logs = (await h.exec('docker', ['logs', name])).stdout;
    }
    assert.match(logs, /Database upgrade completed successfully\n.*EXIT_ON_SUCCESS=FALSE: staying up after success/);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await h.exec('docker', ['inspect', '-f', '{{.State.Running}}', name])).stdout.trim(), 'true');
    await h.waitForHealth(
      ws,
      (x) =>
        statusOf(x, 'wacore3') === 'unregistered' ||
        x.health[Object.keys(x.health).find((k) => k.startsWith('wacore3:')) ?? '']?.errors?.[0]?.code === 1011,
      { timeoutMs: 10_000 },
    );
  });

  it('running it again is a no-op that exits 0 (docker wait)', async function () {
    // The one-off runs above carry the service's label too (one still runs: EXIT_ON_SUCCESS=FALSE),
    // so `ps dbupgrade` could name one of them instead of the service's own container.
    for (const name of extra.splice(0)) {
      await h.exec('docker', ['rm', '-f', name]);
    }
    await h.compose(ws, ['up', '-d'], upgradeFiles);
    // -a: a no-op upgrade may have exited already.
    const id = (await h.compose(ws, ['ps', '-a', '-q', 'dbupgrade'], upgradeFiles)).stdout.trim();
    assert.match(id, /^[0-9a-f]+$/, 'one dbupgrade container');
    assert.equal((await h.exec('docker', ['wait', id], { timeoutMs: 30_000 })).stdout.trim(), '0');
    assert.match((await h.exec('docker', ['logs', id])).stdout, /already at v2\.53\.2; nothing to do/);
  });
});

describe('emulator: downtime upgrade (source document "upgrade" steps 1–2)', function () {
  this.timeout(120_000);
  const project = `emuupd${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-upd-'));
  let ws: h.Workspace;

  before(async function () {
    ws = await h.startCluster({
      dir,
      project,
      webPort: await h.freePort(),
      env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3, WA_EMULATOR_MIGRATION_MS: 3000 },
    });
  });

  after(async function () {
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('export WA_API_VERSION=<new>; up -d → nodes uninitialized while the primary master migrates, then connected again', async function () {
    const token = await h.login(ws);
    assert.equal(
      (
        await h.api(ws, 'POST', '/v1/account', {
          token,
          body: { cc: '1', phone_number: '6315550002', method: 'sms', cert: 'Y2VydA==' },
        })
      ).status,
      202,
    );
    assert.equal((await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    await h.waitForHealth(ws, (x) => statusOf(x, 'wacore1') === 'connected', { token, timeoutMs: 15_000 });
    fs.writeFileSync(path.join(dir, '.env'), `WA_API_VERSION=${h.NEW_VERSION}\n`);
    const seen = new Set<string>();
    // Watched from before `up`: on a busy machine Compose is still recreating the other nodes when
    // the primary master's migration (3 s) is over, and a watch started after `up` misses it.
    const settled = h.waitForHealth(
      ws,
      (x) => {
        Object.values(x.health).forEach((v) => v.gateway_status && seen.add(v.gateway_status));
        return (
          x.meta?.version === `v${h.NEW_VERSION}` &&
          Object.values(x.health).filter((v) => v.gateway_status === 'connected').length === 1 &&
          Object.keys(x.health).length === 4
        );
      },
      { token, timeoutMs: 90_000, intervalMs: 150 },
    );
    settled.catch(() => undefined); // awaited below, after `up`
    await h.up(ws, h.HA_SERVICES, { version: h.NEW_VERSION });
    const b = await settled;
    assert.ok(seen.has('uninitialized'), `states seen: ${[...seen].join(', ')}`);
    assert.equal(b.meta?.version, `v${h.NEW_VERSION}`);
    const logs = await h.compose(ws, ['logs', '--no-color', 'master1', 'master2'], { version: h.NEW_VERSION });
    assert.match(logs.stdout, /upgrading database schema from v2\.51\.1 to v2\.53\.2/);
  });
});
