/**
 * Cluster faults and data safety in a real extension host against an emulated HA cluster (issue
 * #12): a token that expires in the middle of Set Shards and of Upgrade, a password changed behind
 * the extension's back, an Upgrade whose DB upgrade fails or that the user cancels, a Restore with
 * a wrong password or a corrupt file. Before and after each data case the test lists what must not
 * change: the project's volumes (name and creation time), `.env`, the compose files, the images the
 * nodes run, and what the database holds (registration, shards, application settings).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type RestoreOutcome } from '../../src/commands/restoreCluster';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { projectVolumes } from '../support/projectVolumes';
import { type Shown, activateExtension, answerDialogs, signInAsTheUserWould, until, workspaceRoot } from './support';

const connected = (b: emulator.HealthBody): number =>
  Object.values(b.health).filter((v) => v.gateway_status === 'connected').length;
const connectedCoreapps = (b: emulator.HealthBody): number =>
  Object.values(b.health).filter((v) => v.gateway_status === 'connected' && v.role === 'coreapp').length;

/** What no failed or cancelled operation may change. */
interface DataState {
  readonly volumes: string[];
  readonly env: string;
  readonly composeFiles: Record<string, string>;
  readonly images: string[];
  readonly registration: unknown;
  readonly shards: unknown;
  readonly settings: unknown;
}

type WithProgress = typeof vscode.window.withProgress;

/**
 * Wraps vscode.window.withProgress: for a progress whose title matches, `onStart` runs first and
 * may cancel it (as the user's click on Cancel would). Returns the restore function.
 */
function aroundProgress(
  title: RegExp,
  onStart: (cancel: () => void) => void | Promise<void>,
): { restore(): void; seen: string[] } {
  const w = vscode.window as unknown as { withProgress: WithProgress };
  const original = w.withProgress;
  const seen: string[] = [];
  w.withProgress = ((options, task) =>
    original.call(vscode.window, options, async (progress, token) => {
      seen.push(options.title ?? '');
      if (!title.test(options.title ?? '')) {
        return task(progress, token);
      }
      const source = new vscode.CancellationTokenSource();
      token.onCancellationRequested(() => source.cancel());
      await onStart(() => source.cancel());
      try {
        return await task(progress, source.token);
      } finally {
        source.dispose();
      }
    })) as WithProgress;
  return {
    seen,
    restore: () => {
      w.withProgress = original;
    },
  };
}

describe(`cluster faults and data safety (extension host, real Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(240_000);
  const project = `warel${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  const otherPassword = 'Other-Admin-Pass-2';
  const backupPassword = 'Backup#Pass-77';
  const registration = {
    cc: '1',
    phone_number: '6315550177',
    method: 'sms',
    cert: Buffer.from('{"vname":"Reliability Test"}').toString('base64'),
  };
  let ws: emulator.Workspace;
  let api: TestApi;

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  const clusterId = () => session()!.cluster.id;

  const images = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const service of emulator.HA_SERVICES) {
      const id = await emulator.containerIdOf(ws, service);
      out.push(
        `${service} ${(await emulator.exec('docker', ['inspect', '-f', '{{.Config.Image}}', id])).stdout.trim()}`,
      );
    }
    return out;
  };

  async function dataState(): Promise<DataState> {
    const volumes = await projectVolumes((args) => emulator.exec('docker', args), project);
    const composeFiles: Record<string, string> = {};
    for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
      composeFiles[f] = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex');
    }
    const state = (await emulator.api(ws, 'GET', '/_emulator/state')).body as Record<string, unknown>;
    const token = await emulator.login(ws);
    const settings = await emulator.api(ws, 'GET', '/v1/settings/application', { token });
    assert.equal(settings.status, 200, settings.text);
    return {
      volumes,
      env: fs.readFileSync(path.join(dir, '.env'), 'utf8'),
      composeFiles,
      images: await images(),
      registration: state.registration,
      shards: state.shards,
      settings: settings.body,
    };
  }

  const errorsShown = (shown: readonly { severity: string; message: string }[]) =>
    shown.filter((d) => d.severity === 'error').map((d) => d.message);

  /** Upgrade OLD → NEW with the DB upgrade service, the confirmation answered "Upgrade"; what was shown. */
  async function upgradeConfirmed(timeoutMs = 90_000): Promise<Shown[]> {
    const dialogs = answerDialogs({ answers: [[/^Upgrade warel\d+ from 2\.51\.1 to 2\.53\.2\?$/, 'Upgrade']] });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', {
        cluster: clusterId(),
        version: emulator.NEW_VERSION,
        path: 'dbupgrade',
        timeoutMs,
      });
    } finally {
      dialogs.restore();
    }
    return dialogs.shown;
  }

  before(async () => {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort() });
    const token = await emulator.login(ws);
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    await emulator.waitForHealth(ws, (b) => connected(b) === 1, { timeoutMs: 30_000 });
    api = await activateExtension();
    await signInAsTheUserWould(api, ws);
    await until('the cluster is discovered and signed in', async () => {
      if (!session()) {
        await api.sessions.rediscover();
      }
      return session()?.api !== undefined;
    });
    await api.access.storeAccount(session()!.apiUrl, {
      cc: registration.cc,
      phoneNumber: registration.phone_number,
      cert: registration.cert,
    });
    await until(
      'the containers and health are seen',
      async () => {
        const s = await session()!.monitor.refresh();
        return s.api.status === 'ok' && s.nodes.filter((n) => n.container?.state === 'running').length === 6;
      },
      60_000,
    );
  });

  after(async () => {
    if (ws) {
      await emulator.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('Set Shards: the token expires as the shards request arrives → signs in again with the stored password and sets 2 shards', async () => {
    await emulator.tokenControl(ws, { resetCounts: true, expireOn: '/v1/account/shards' });
    // 2 shards on this cluster's 2 coreapps leave no spare: that needs the explicit second choice.
    const dialogs = answerDialogs({ picks: [[/^Shards for /, '2']], answers: [[/leave no spare/, 'Set Anyway']] });
    try {
      await vscode.commands.executeCommand('waCluster.setShards', clusterId());
    } finally {
      dialogs.restore();
    }
    const counts = await emulator.tokenControl(ws);
    assert.equal(counts.expirations, 1, 'the token expired once, in the middle of Set Shards');
    assert.equal(counts.expireOn, null);
    assert.ok(counts.logins >= 1 && counts.logins <= 2, `signed in again (${counts.logins} logins)`);
    assert.deepEqual(errorsShown(dialogs.shown), []);
    assert.ok(
      dialogs.shown.some((d) => d.message === `${project}: 2/2 shards connected.`),
      JSON.stringify(dialogs.shown),
    );
    const token = await emulator.login(ws);
    assert.deepEqual((await emulator.api(ws, 'GET', '/v1/account/shards', { token })).body, {
      account: { shards: 2 },
      meta: { api_status: 'stable', version: `v${emulator.OLD_VERSION}` },
    });
  });

  it('Set Shards: token expired and the password changed behind our back → stops with a clear message, nothing changed, every node says why', async () => {
    const changed = await emulator.api(ws, 'POST', '/v1/users/login', {
      basic: ['admin', emulator.DEFAULT_PASSWORD],
      body: { new_password: otherPassword },
    });
    assert.equal(changed.status, 200, changed.text);
    try {
      const token = await emulator.login(ws, otherPassword);
      const shardsBefore = (await emulator.api(ws, 'GET', '/v1/account/shards', { token })).body;
      await emulator.tokenControl(ws, { expire: true });
      const dialogs = answerDialogs({ picks: [[/^Shards for /, '1']] });
      try {
        await vscode.commands.executeCommand('waCluster.setShards', clusterId());
      } finally {
        dialogs.restore();
      }
      const errors = errorsShown(dialogs.shown);
      assert.equal(errors.length, 1, JSON.stringify(dialogs.shown));
      assert.match(
        errors[0]!,
        /^WA Cluster: The session ended \(token expired or revoked\) and signing in again with the saved password was refused .*: the password may have changed; sign in again$/,
      );
      const fresh = await emulator.login(ws, otherPassword);
      assert.deepEqual(
        (await emulator.api(ws, 'GET', '/v1/account/shards', { token: fresh })).body,
        shardsBefore,
        'the shard count is unchanged',
      );
      const s = await session()!.monitor.refresh();
      assert.equal(s.api.status, 'error');
      assert.equal(s.api.errorKind, 'unauthorized');
      assert.ok(
        s.cluster.findings.some((f) => f.id === 'api-auth'),
        JSON.stringify(s.cluster.findings),
      );
      const nodes = s.nodes.filter(
        (n) => (n.kind === 'master' || n.kind === 'coreapp') && n.container?.state === 'running',
      );
      assert.equal(nodes.length, 4);
      for (const n of nodes) {
        assert.equal(n.stateReason, `running; /v1/health unavailable: ${s.api.message ?? ''}`, n.name);
        assert.match(n.stateReason, /saved password was refused/, n.name);
      }
    } finally {
      const back = await emulator.api(ws, 'POST', '/v1/users/login', {
        basic: ['admin', otherPassword],
        body: { new_password: emulator.DEFAULT_PASSWORD },
      });
      assert.equal(back.status, 200, back.text);
      await api.sessions.reconnect();
    }
    await until('health is back after the password is', async () => {
      return (await session()!.monitor.refresh()).api.status === 'ok';
    });
  });

  it('Upgrade whose DB upgrade container fails → the old version runs; volumes, .env, compose files and data unchanged; a clear message', async () => {
    const knobs = path.join(dir, 'emulator.env');
    const saved = fs.readFileSync(knobs, 'utf8');
    fs.writeFileSync(knobs, `${saved.trimEnd()}\nWA_EMULATOR_FAIL_UPGRADE=1\n`);
    const before = await dataState();
    let shown: Shown[];
    try {
      shown = await upgradeConfirmed(90_000);
    } finally {
      fs.writeFileSync(knobs, saved);
    }
    const errors = errorsShown(shown);
    assert.equal(errors.length, 1, JSON.stringify(shown));
    assert.match(
      errors[0]!,
      /The DB upgrade to 2\.53\.2 failed \(container \S+ exited with 1\)\. The new version was NOT started/,
    );
    assert.match(errors[0]!, /injected by WA_EMULATOR_FAIL_UPGRADE/, 'the last log lines');
    assert.deepEqual(await dataState(), before);
    assert.ok(
      (await images()).every((i) => i.endsWith(`:v${emulator.OLD_VERSION}`) || i.startsWith('db ')),
      'every node runs the old version',
    );
  });

  it('Upgrade cancelled while the DB upgrade runs → the old version runs; volumes, .env, compose files and data unchanged', async () => {
    const before = await dataState();
    const progress = aroundProgress(/^Waiting for the DB upgrade/, (cancel) => {
      setTimeout(cancel, 200);
    });
    let shown: Shown[];
    try {
      shown = await upgradeConfirmed(90_000);
    } finally {
      progress.restore();
    }
    assert.ok(
      progress.seen.some((t) => /^Waiting for the DB upgrade/.test(t)),
      `cancelled in the DB upgrade wait: ${JSON.stringify(progress.seen)}`,
    );
    assert.deepEqual(errorsShown(shown), [], 'a cancel is not an error');
    assert.ok(!shown.some((d) => /runs version/.test(d.message)), JSON.stringify(shown));
    // The DB upgrade container was started before the cancel: let it end before comparing.
    await until(
      'the DB upgrade container has exited',
      async () =>
        (
          await emulator.exec('docker', [
            'ps',
            '-q',
            '--filter',
            `label=com.docker.compose.project=${project}`,
            '--filter',
            'label=com.docker.compose.service=dbupgrade',
          ])
        ).stdout.trim() === '',
      60_000,
    );
    assert.deepEqual(await dataState(), before);
    await emulator.waitForHealth(
      ws,
      (b) => connectedCoreapps(b) === 2 && b.meta?.version === `v${emulator.OLD_VERSION}`,
      {
        timeoutMs: 30_000,
      },
    );
  });

  it('Restore with a wrong password, a cut-short file or a damaged blob → refused with a clear message, nothing changed', async () => {
    const file = path.join(dir, 'backups', `${project}.wabackup`);
    const written = await vscode.commands.executeCommand<string | undefined>('waCluster.backup', {
      cluster: clusterId(),
      password: backupPassword,
      file,
    });
    assert.equal(written, file);
    const text = fs.readFileSync(file, 'utf8');
    const cut = path.join(dir, 'backups', 'cut.wabackup');
    fs.writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    const damaged = path.join(dir, 'backups', 'damaged.wabackup');
    const json = JSON.parse(text) as { data: string };
    const middle = Math.floor(json.data.length / 2);
    fs.writeFileSync(
      damaged,
      JSON.stringify({
        ...json,
        data: json.data.slice(0, middle) + (json.data[middle] === 'A' ? 'B' : 'A') + json.data.slice(middle + 1),
      }),
    );
    const token = await emulator.login(ws);
    assert.equal(
      (await emulator.api(ws, 'PATCH', '/v1/settings/application', { token, body: { heartbeat_interval: 9 } })).status,
      200,
    );
    const cases: [string, string, RegExp][] = [
      [file, 'Not-The-Password-1', /wrong password/],
      [cut, backupPassword, /is not a WA Cluster backup \(it is not JSON; maybe the wrong file, or it was cut short\)/],
      [damaged, backupPassword, /was not restored/],
    ];
    for (const [backup, password, expected] of cases) {
      const before = await dataState();
      const question = new RegExp(`^Restore ${project} from .*\\?$`);
      const dialogs = answerDialogs({ answers: [[question, 'Restore Without Backup']], inputs: [[question, project]] });
      let outcome: RestoreOutcome | undefined;
      try {
        outcome = await vscode.commands.executeCommand<RestoreOutcome | undefined>('waCluster.restore', {
          cluster: clusterId(),
          password,
          file: backup,
        });
      } finally {
        dialogs.restore();
      }
      assert.ok(!outcome?.restored, `${path.basename(backup)}: not restored`);
      const told = [outcome?.message ?? '', ...dialogs.shown.map((d) => d.message)].join('\n');
      assert.match(told, expected, path.basename(backup));
      assert.deepEqual(await dataState(), before, path.basename(backup));
    }
  });

  it('Upgrade: the token expires as the nodes are restarted on the new version → signs in again and the upgrade completes; volumes and data kept', async () => {
    const before = await dataState();
    const tokenBefore = await api.access.token(session()!.apiUrl, 'admin');
    assert.ok(tokenBefore, 'the extension keeps a token');
    // After the DB upgrade, before the recreate: the old web (this suite's emulator build) expires
    // every token in the database, so the new web refuses the one the extension holds.
    let expired: number | undefined;
    const progress = aroundProgress(/ on version 2\.53\.2…$/, async () => {
      expired = (await emulator.tokenControl(ws, { expire: true })).expired;
    });
    let shown: Shown[];
    try {
      shown = await upgradeConfirmed(120_000);
    } finally {
      progress.restore();
    }
    assert.ok(expired !== undefined && expired >= 1, `tokens expired mid-upgrade: ${JSON.stringify(progress.seen)}`);
    assert.deepEqual(errorsShown(shown), []);
    assert.ok(
      // Done only when traffic flows again: every shard connected on the new version.
      shown.some((d) =>
        new RegExp(`^${project} runs version ${emulator.NEW_VERSION}: (\\d+)/\\1 shards connected\\.$`).test(d.message),
      ),
      JSON.stringify(shown),
    );
    // Signed in again (on the old web before it stopped, or on the new one): the token kept in SecretStorage is a new one.
    await until(
      'a new token is kept and health answers',
      async () =>
        (await api.access.token(session()!.apiUrl, 'admin'))?.value !== tokenBefore?.value &&
        (await session()!.monitor.refresh()).api.status === 'ok',
    );
    await emulator.waitForHealth(
      ws,
      (b) =>
        b.meta?.version === `v${emulator.NEW_VERSION}` &&
        connectedCoreapps(b) === ((before.shards as { count?: number } | undefined)?.count ?? 1),
      { timeoutMs: 60_000 },
    );
    const after = await dataState();
    assert.deepEqual(after.volumes, before.volumes, 'the same volumes, none recreated');
    assert.deepEqual(after.registration, before.registration);
    assert.deepEqual(after.shards, before.shards);
    assert.deepEqual(after.settings, {
      ...(before.settings as object),
      meta: { api_status: 'stable', version: `v${emulator.NEW_VERSION}` },
    });
    assert.equal(after.env, before.env.replace(/^WA_API_VERSION=.*$/m, `WA_API_VERSION=${emulator.NEW_VERSION}`));
  });
});
