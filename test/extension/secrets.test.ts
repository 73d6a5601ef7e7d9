/**
 * Secrets (issue #12, item 5), inside a real extension host: after a walkthrough (sign in, a
 * registration and shards with a certificate and a PIN, a backup, a diagnostics bundle, the
 * command-line status) no file written since (output channel logs, settings, state, workspace
 * files, the bundle, the backup) and no CLI output contains any of the values used: the admin
 * password, the tokens, the API key, the registration certificate, the PIN, the db.env password,
 * the backup password. The test greps for the values themselves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { repoRoot } from '../support/paths';
import { activateExtension, discovered, signInAsTheUserWould, until, workspaceRoot } from './support';

/** Every regular file under `dir` with its modification time (symlinks and sockets skipped). */
function files(dir: string, out = new Map<string, number>()): Map<string, number> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      files(p, out);
    } else if (e.isFile()) {
      out.set(p, fs.statSync(p).mtimeMs);
    }
  }
  return out;
}

describe('no secret in anything we wrote or printed, after a walkthrough (extension host)', function () {
  this.timeout(240_000);
  const project = `wasecrets${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  // The code-server sandbox: user data (settings, state, output channel logs), the workspace, XDG dirs.
  const sandbox = path.dirname(workspaceRoot);
  const backupPassword = 'Backup#Pass-7fq2Lw';
  const pin = '739184';
  const cert = Buffer.from('{"vname":"Secrets Test","cert":"sekret-cert-9c1e"}').toString('base64');
  let ws: emulator.Workspace;
  let api: TestApi;
  let before0 = new Map<string, number>();
  const secrets = new Map<string, string>();
  let cliOutput = '';

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);

  before(async function () {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort() });
    // What the user wrote (compose file, .env, db.env) holds secrets by nature: only what changes from here on is ours.
    before0 = files(sandbox);
    api = await activateExtension();
    await discovered(api, project);
  });

  after(async function () {
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('walkthrough: sign in, register with certificate and PIN, 2 shards, back up, collect diagnostics, CLI status', async () => {
    const token = await signInAsTheUserWould(api, ws);
    await until('signed in', () => session()?.api !== undefined, 30_000);
    // What Register Number keeps: the account, its certificate and PIN, in SecretStorage.
    await api.access.storeAccount(ws.baseUrl, { cc: '1', phoneNumber: '6315550142', cert, pin });
    assert.equal(
      (
        await emulator.api(ws, 'POST', '/v1/account', {
          token,
          body: { cc: '1', phone_number: '6315550142', method: 'sms', cert },
        })
      ).status,
      202,
    );
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    const shards = await emulator.api(ws, 'POST', '/v1/account/shards', {
      token,
      body: { cc: '1', phone_number: '6315550142', cert, shards: 2 },
    });
    assert.ok(shards.status < 300, shards.text);
    await session()!.monitor.refresh();

    const backupFile = path.join(dir, 'backups', `${project}.wabackup`);
    const written = await vscode.commands.executeCommand<string | undefined>('waCluster.backup', {
      cluster: session()!.cluster.id,
      password: backupPassword,
      file: backupFile,
    });
    assert.equal(written, backupFile);

    // Collect Diagnostics: the two quick picks (period, folder) take their first, default item.
    // The command then offers to open the bundle (a notification it waits on), so wait for the zip.
    const bundleDir = path.join(dir, '.wa-diagnostics');
    const zipped = () => fs.existsSync(bundleDir) && fs.readdirSync(bundleDir).some((b) => b.endsWith('.zip'));
    void vscode.commands.executeCommand('waCluster.diagnostics.collect', { project });
    await until(
      'the bundle is written',
      async () => {
        if (!zipped()) {
          await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        }
        return zipped();
      },
      90_000,
    );

    const fingerprint = api.access.trustedCertificate(ws.baseUrl)!.fingerprint256;
    const cli = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'dist/cli.js'),
        'status',
        '--project-dir',
        dir,
        '-p',
        project,
        '--password-env',
        'WA_TEST_PW',
        '--pin',
        fingerprint,
        '--format',
        'json',
      ],
      {
        env: {
          ...process.env,
          WA_TEST_PW: emulator.DEFAULT_PASSWORD,
          WA_API_VERSION: ws.version,
          ELECTRON_RUN_AS_NODE: '1',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    cliOutput = `${cli.stdout}\n${cli.stderr}`;
    assert.match(
      cli.stdout,
      /"shards"|"nodes"/,
      `CLI status printed the cluster (exit ${cli.status}): ${cliOutput.slice(0, 400)}`,
    );

    const dbPassword = /WA_DB_PASSWORD=(.*)/.exec(fs.readFileSync(path.join(dir, 'db.env'), 'utf8'))?.[1] ?? '';
    const extensionToken = (await api.access.token(ws.baseUrl, 'admin'))?.value ?? '';
    for (const [name, value] of Object.entries({
      'admin password': emulator.DEFAULT_PASSWORD,
      'test token': token,
      'extension token': extensionToken,
      'API key': ws.apiKey ?? '',
      'registration certificate': cert,
      PIN: pin,
      'db.env password': dbPassword,
      'backup password': backupPassword,
    })) {
      assert.ok(value.length >= 6, `${name} is known`);
      secrets.set(name, value);
    }
  });

  it('no file written since the walkthrough began and no CLI output contains any of them', async () => {
    assert.equal(secrets.size, 8, 'the walkthrough ran');
    await new Promise((r) => setTimeout(r, 2000)); // let the log service flush the output channels
    const now = files(sandbox);
    const written = [...now].filter(([p, mtime]) => before0.get(p) !== mtime).map(([p]) => p);
    const logs = written.filter((p) => /WA Cluster/.test(path.basename(p)));
    assert.ok(
      logs.length > 0,
      `the output channels' log files are among the files checked (${written
        .filter((p) => p.includes('/logs/'))
        .slice(0, 5)
        .join(', ')})`,
    );
    assert.ok(
      written.some((p) => p.endsWith('.wabackup')) && written.some((p) => p.endsWith('.zip')),
      'the backup and the bundle are among them',
    );
    const leaks: string[] = [];
    for (const p of written) {
      const text = fs.readFileSync(p).toString('latin1');
      for (const [name, value] of secrets) {
        if (text.includes(value)) {
          leaks.push(`${name} in ${path.relative(sandbox, p)}`);
        }
      }
    }
    for (const [name, value] of secrets) {
      if (cliOutput.includes(value)) {
        leaks.push(`${name} in the CLI output`);
      }
    }
    console.log(
      `      ${written.length} files written (${logs.length} output channel logs) and the CLI output checked for ${secrets.size} secret values`,
    );
    assert.deepEqual(leaks, []);
  });
});
