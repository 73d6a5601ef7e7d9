/**
 * Back Up and Restore from VS Code against a live emulated cluster, inside a real extension host
 * (options passed as a script or test would, instead of the prompts and the modal).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { BACKUP_FORMAT } from '../../src/cluster/backupFile';
import { type RestoreOutcome } from '../../src/commands/restoreCluster';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { activateExtension, answerDialogs, signInAsTheUserWould, until, workspaceRoot } from './support';

describe('backup and restore on an emulated cluster (extension host)', function () {
  this.timeout(120_000);
  const project = `wabackup${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  const backupPassword = 'Backup#Pass-42';
  let ws: emulator.Workspace;
  let api: TestApi;
  let token = '';
  let file = '';
  let registration: Record<string, string> = {};

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  const heartbeat = async () => {
    const r = await emulator.api(ws, 'GET', '/v1/settings/application', { token });
    assert.equal(r.status, 200, r.text);
    return (JSON.parse(r.text) as { settings: { application: { heartbeat_interval: number } } }).settings.application
      .heartbeat_interval;
  };

  before(async function () {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort() });
    api = await activateExtension();
    token = await signInAsTheUserWould(api, ws);
    await until('the cluster is discovered and signed in', async () => {
      if (!session()) {
        await api.sessions.rediscover();
      }
      return session()?.api !== undefined;
    });
    registration = {
      cc: '1',
      phone_number: '6315550101',
      method: 'sms',
      cert: Buffer.from('{"vname":"Backup Test"}').toString('base64'),
    };
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    const p = await emulator.api(ws, 'PATCH', '/v1/settings/application', { token, body: { heartbeat_interval: 7 } });
    assert.equal(p.status, 200, p.text);
  });

  after(async function () {
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Restore as a user would: the command, with its real confirmation answered "Restore Without Backup" and the project name typed. */
  async function restoreConfirmed(args: {
    cluster: string;
    password: string;
    file: string;
  }): Promise<RestoreOutcome | undefined> {
    const question = new RegExp(`^Restore ${project} from .*\\?$`);
    const dialogs = answerDialogs({ answers: [[question, 'Restore Without Backup']], inputs: [[question, project]] });
    try {
      return await vscode.commands.executeCommand<RestoreOutcome | undefined>('waCluster.restore', args);
    } finally {
      dialogs.restore();
    }
  }

  it('Back Up writes a .wabackup file: valid JSON with the encrypted blob and no API password', async () => {
    const target = path.join(dir, 'backups', `${project}.wabackup`);
    const written = await vscode.commands.executeCommand<string | undefined>('waCluster.backup', {
      cluster: session()!.cluster.id,
      password: backupPassword,
      file: target,
    });
    assert.equal(written, target);
    file = target;
    const text = fs.readFileSync(file, 'utf8');
    const json = JSON.parse(text) as Record<string, unknown>;
    assert.equal(json.format, BACKUP_FORMAT);
    assert.equal(json.project, project);
    assert.equal(json.apiUrl, ws.baseUrl);
    assert.equal(typeof json.createdAt, 'string');
    assert.equal(json.shards, 1);
    assert.ok(typeof json.data === 'string' && json.data.length > 20, 'the encrypted blob');
    assert.ok(!text.includes(emulator.DEFAULT_PASSWORD), 'no API password in the file');
    assert.ok(!text.includes(backupPassword), 'no backup password in the file');
    assert.ok(!text.includes(token), 'no token in the file');
    assert.equal(
      fs.readFileSync(path.join(dir, 'backups', '.gitignore'), 'utf8'),
      '*\n',
      'backups stay out of version control',
    );
  });

  it('a wrong restore password fails with a clear message and changes nothing', async () => {
    const p = await emulator.api(ws, 'PATCH', '/v1/settings/application', { token, body: { heartbeat_interval: 13 } });
    assert.equal(p.status, 200, p.text);
    const outcome = await restoreConfirmed({ cluster: session()!.cluster.id, password: 'Not-The-Password-1', file });
    assert.ok(outcome && !outcome.restored, 'not restored');
    assert.match(outcome.message, new RegExp(`^${project} was not restored: .*wrong password`));
    assert.equal(await heartbeat(), 13, 'the setting is unchanged');
  });

  it('Restore with the right password brings the backed-up setting back', async () => {
    const outcome = await restoreConfirmed({ cluster: session()!.cluster.id, password: backupPassword, file });
    assert.deepEqual(outcome, { restored: true });
    assert.equal(await heartbeat(), 7);
  });

  it("a restore onto a different shard layout is refused with the API's explanation and our hint", async () => {
    const r = await emulator.api(ws, 'POST', '/v1/account/shards', { token, body: { ...registration, shards: 2 } });
    assert.equal(r.status, 201, r.text);
    await until('the extension sees 2 shards', async () => (await session()!.monitor.refresh()).cluster.shards === 2);
    await emulator.api(ws, 'PATCH', '/v1/settings/application', { token, body: { heartbeat_interval: 21 } });
    const outcome = await restoreConfirmed({ cluster: session()!.cluster.id, password: backupPassword, file });
    assert.ok(outcome && !outcome.restored, 'not restored');
    assert.match(
      outcome.message,
      /1 shard\(s\) but this cluster has 2; restore onto the same shard layout/,
      'the API explanation',
    );
    assert.match(outcome.message, /Set the shards to 1 first/, 'what to do');
    assert.equal(await heartbeat(), 21, 'the setting is unchanged');
  });
});
