/**
 * Upgrade from VS Code on an emulated cluster (walkthrough steps 13–14): a failing DB upgrade stops
 * before anything is restarted; a good one moves .env, the containers and /v1/health to the new
 * version and the registration survives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import { upgradeCluster } from '../../src/commands/upgradeCluster';
import * as emulator from '../emulator/src/harness';
import { activateExtension, discovered, until, workspaceRoot } from './support';


const connected = (b: emulator.HealthBody): number => Object.values(b.health).filter((v) => v.gateway_status === 'connected').length;

describe(`Upgrade command (extension host, real Compose ${emulator.composeFlavor()}, DB upgrade service)`, function () {
  this.timeout(180_000);
  const project = `waupg${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  const emulatorEnv = path.join(dir, 'emulator.env');
  let ws: emulator.Workspace;
  let api: TestApi;
  let token: string;

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  const images = async (): Promise<string[]> => {
    const ids = (await emulator.compose(ws, ['ps', '-q', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'])).stdout.split('\n').filter(Boolean);
    return (await emulator.exec('docker', ['inspect', '-f', '{{.Config.Image}}', ...ids])).stdout.split('\n').filter(Boolean);
  };

  before(async () => {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort(), env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3 } });
    token = await emulator.login(ws);
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: { cc: '1', phone_number: '6315550003', method: 'sms', cert: 'Y2VydA==' } })).status, 202);
    assert.equal((await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    await emulator.waitForHealth(ws, (b) => connected(b) === 1, { timeoutMs: 20_000 });
    api = await activateExtension();
    await discovered(api, project);
    await until('the containers are seen', async () => ((await session()!.monitor.refresh()).nodes.filter((n) => n.container?.state === 'running').length) === 6, 60_000);
  });

  after(async () => {
    if (ws) {
      await emulator.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a version with a leading v or equal to the current one, changing nothing', async () => {
    const id = session()!.cluster.id;
    await assert.rejects(upgradeCluster(api.sessions, { cluster: id, version: `v${emulator.NEW_VERSION}`, path: 'dbupgrade', confirm: false }), /without the leading "v"/);
    await assert.rejects(upgradeCluster(api.sessions, { cluster: id, version: emulator.OLD_VERSION, path: 'downtime', confirm: false }), /already runs/);
    assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), `WA_API_VERSION=${emulator.OLD_VERSION}\n`);
  });

  it('a failing DB upgrade stops before restarting: the old version keeps running, .env unchanged', async () => {
    const envBefore = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    const knobs = fs.readFileSync(emulatorEnv, 'utf8');
    fs.writeFileSync(emulatorEnv, `${knobs}WA_EMULATOR_FAIL_UPGRADE=1\n`);
    try {
      // Called directly (not through executeCommand) so the error text can be checked: the command
      // wrapper would show it in a notification instead.
      await assert.rejects(
        upgradeCluster(api.sessions, { cluster: session()!.cluster.id, version: emulator.NEW_VERSION, path: 'dbupgrade', confirm: false, timeoutMs: 60_000 }),
        (err: Error) => /DB upgrade to 2\.53\.2 failed/.test(err.message) && /exited with 1/.test(err.message) && /Database upgrade failed/.test(err.message) && /NOT started/.test(err.message),
      );
    } finally {
      fs.writeFileSync(emulatorEnv, knobs);
    }
    assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), envBefore);
    assert.deepEqual([...new Set(await images())].sort(), [`wa-emulator/coreapp:v${emulator.OLD_VERSION}`, `wa-emulator/web:v${emulator.OLD_VERSION}`]);
    const b = await emulator.waitForHealth(ws, (x) => connected(x) === 1, { timeoutMs: 15_000 });
    assert.equal(b.meta?.version, `v${emulator.OLD_VERSION}`);
    const state = (await emulator.exec('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=dbupgrade', '--format', '{{.State}}'])).stdout.trim();
    assert.equal(state, 'exited', 'the failed upgrade container is stopped, not restarting in a loop');
  });

  it('upgrades OLD → NEW with the DB upgrade service: .env, images, health version, registration kept', async () => {
    await vscode.commands.executeCommand('waCluster.upgrade', { cluster: session()!.cluster.id, version: emulator.NEW_VERSION, path: 'dbupgrade', confirm: false, timeoutMs: 90_000 });
    assert.match(fs.readFileSync(path.join(dir, '.env'), 'utf8'), new RegExp(`^WA_API_VERSION=${emulator.NEW_VERSION.replace(/\./g, '\\.')}$`, 'm'));
    assert.deepEqual([...new Set(await images())].sort(), [`wa-emulator/coreapp:v${emulator.NEW_VERSION}`, `wa-emulator/web:v${emulator.NEW_VERSION}`]);
    const b = await emulator.waitForHealth(ws, (x) => x.meta?.version === `v${emulator.NEW_VERSION}` && connected(x) === 1, { timeoutMs: 30_000 });
    assert.equal(b.meta?.version, `v${emulator.NEW_VERSION}`);
    assert.ok(!Object.values(b.health).some((v) => v.gateway_status === 'uninitialized' || v.gateway_status === 'unregistered'), JSON.stringify(b.health));
    const logs = (await emulator.compose(ws, ['logs', '--no-color', 'dbupgrade'], { files: ['dbupgrade-compose.yml'], version: emulator.NEW_VERSION })).stdout;
    assert.match(logs, /completed successfully/);
    await until('the session sees the new version', () => session()?.cluster.version === emulator.NEW_VERSION, 10_000);
  });
});

describe(`Upgrade command, upgrade with downtime (extension host, real Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(180_000);
  const project = `waupd${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let api: TestApi;

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);

  before(async () => {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort(), env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3 } });
    fs.writeFileSync(path.join(dir, '.env'), `# kept\nCOMPOSE_HTTP_TIMEOUT=120\nWA_API_VERSION=${emulator.OLD_VERSION}\n`);
    api = await activateExtension();
    await discovered(api, project);
    await until('the containers are seen', async () => ((await session()!.monitor.refresh()).nodes.filter((n) => n.container?.state === 'running').length) === 6, 60_000);
  });

  after(async () => {
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sets WA_API_VERSION (other .env lines kept), recreates the running services on it; the primary master migrates', async () => {
    await vscode.commands.executeCommand('waCluster.upgrade', { cluster: session()!.cluster.id, version: emulator.NEW_VERSION, path: 'downtime', confirm: false, timeoutMs: 90_000 });
    assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), `# kept\nCOMPOSE_HTTP_TIMEOUT=120\nWA_API_VERSION=${emulator.NEW_VERSION}\n`);
    const b = await emulator.waitForHealth(ws, (x) => x.meta?.version === `v${emulator.NEW_VERSION}` && Object.keys(x.health).length === 4 && !Object.values(x.health).some((v) => v.gateway_status === 'uninitialized'), { timeoutMs: 30_000 });
    assert.equal(b.meta?.version, `v${emulator.NEW_VERSION}`);
    const logs = await emulator.compose(ws, ['logs', '--no-color', 'master1', 'master2'], { version: emulator.NEW_VERSION });
    assert.match(logs.stdout, /upgrading database schema from v2\.51\.1 to v2\.53\.2/);
    const running = (await emulator.compose(ws, ['ps', '--services', '--filter', 'status=running'], { version: emulator.NEW_VERSION })).stdout.split('\n').filter(Boolean).sort();
    assert.deepEqual(running, [...emulator.HA_SERVICES].sort(), 'only the services that ran before are started (the spare wacore3 stays off)');
  });
});
