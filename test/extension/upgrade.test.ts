/**
 * Upgrade from VS Code on an emulated cluster (walkthrough steps 13–14), end to end: the user
 * answers the confirmation with Back Up and Upgrade, the backup is written, the DB upgrade service
 * runs, .env, the containers and /v1/health move to the new version and the registration
 * survives; a version whose images are missing is refused, and a recreate Compose cannot do ends in
 * one error line with "Show Output". Every other decision of the upgrade (versions
 * refused, a failing or hanging DB upgrade, the downtime path, timeouts, cancel) is a plain-Node
 * test of cluster/upgradePlan.ts and cluster/upgradeRunner.ts (test/unit/cluster/upgrade.test.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { activateExtension, answerDialogs, discovered, signInAsTheUserWould, until, workspaceRoot } from './support';

const connected = (b: emulator.HealthBody): number =>
  Object.values(b.health).filter((v) => v.gateway_status === 'connected').length;

describe(`Upgrade command (extension host, real Compose ${emulator.composeFlavor()}, DB upgrade service)`, function () {
  this.timeout(180_000);
  const project = `waupg${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let api: TestApi;
  let token: string;

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  const images = async (): Promise<string[]> => {
    const ids = (await emulator.compose(ws, ['ps', '-q', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'])).stdout
      .split('\n')
      .filter(Boolean);
    return (await emulator.exec('docker', ['inspect', '-f', '{{.Config.Image}}', ...ids])).stdout
      .split('\n')
      .filter(Boolean);
  };

  before(async () => {
    ws = await emulator.startCluster({
      dir,
      project,
      webPort: await emulator.freePort(),
      env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3 },
    });
    token = await emulator.login(ws);
    assert.equal(
      (
        await emulator.api(ws, 'POST', '/v1/account', {
          token,
          body: { cc: '1', phone_number: '6315550003', method: 'sms', cert: 'Y2VydA==' },
        })
      ).status,
      202,
    );
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    await emulator.waitForHealth(ws, (b) => connected(b) === 1, { timeoutMs: 20_000 });
    api = await activateExtension();
    await discovered(api, project);
    await signInAsTheUserWould(api, ws); // Back Up and Upgrade asks the cluster's API for the backup
    await until(
      'the containers are seen',
      async () =>
        (await session()!.monitor.refresh()).nodes.filter((n) => n.container?.state === 'running').length === 6,
      60_000,
    );
  });

  after(async () => {
    if (ws) {
      await emulator.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a version whose images are not on the engine, in one line, before anything changes', async () => {
    const envBefore = fs.readFileSync(path.join(dir, '.env'), 'utf8');
    const idsBefore = (await emulator.compose(ws, ['ps', '-q'])).stdout;
    const dialogs = answerDialogs({ answers: [[/^Upgrade /, 'Upgrade']] });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', {
        cluster: session()!.cluster.id,
        version: '2.99.0',
        path: 'dbupgrade',
      });
    } finally {
      dialogs.restore();
    }
    assert.deepEqual(
      dialogs.shown.map((d) => [d.severity, d.message]),
      [
        [
          'error',
          'WA Cluster: Version 2.99.0 cannot be used: wa-emulator/web:v2.99.0, wa-emulator/coreapp:v2.99.0 not on this Docker engine (docker pull, or docker load, first). Nothing was changed.',
        ],
      ],
      'one line, no confirmation asked',
    );
    assert.equal(fs.readFileSync(path.join(dir, '.env'), 'utf8'), envBefore);
    assert.equal((await emulator.compose(ws, ['ps', '-q'])).stdout, idsBefore, 'no container was touched');
  });

  it('Back Up and Upgrade writes the backup (of OLD) first, then upgrades OLD → NEW with the DB upgrade service: .env, images, health version, registration kept', async () => {
    const backup = path.join(dir, 'backups', 'before-upgrade.wabackup');
    const dialogs = answerDialogs({
      answers: [[/^Upgrade waupg\d+ from 2\.51\.1 to 2\.53\.2\?$/, 'Back Up and Upgrade']],
      inputs: [[/^Back up waupg\d+ \([12]\/2\)/, 'upgrade backup password']],
      saveFile: backup,
    });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', {
        cluster: session()!.cluster.id,
        version: emulator.NEW_VERSION,
        path: 'dbupgrade',
        timeoutMs: 90_000,
      });
    } finally {
      dialogs.restore();
    }
    assert.deepEqual(
      dialogs.shown.filter((d) => d.modal).map((d) => d.message),
      [`Upgrade ${project} from ${emulator.OLD_VERSION} to ${emulator.NEW_VERSION}?`],
      'the confirmation is asked (the lint gate passes quietly)',
    );
    // Enter (the first button) changes nothing; the backup is offered before the bare upgrade.
    assert.deepEqual(dialogs.shown.find((d) => d.modal)?.items, ['Not Now', 'Back Up and Upgrade', 'Upgrade']);
    const written = JSON.parse(fs.readFileSync(backup, 'utf8')) as Record<string, unknown>;
    assert.equal(written.project, project);
    assert.equal(written.version, emulator.OLD_VERSION, 'backed up before the upgrade');
    assert.ok(typeof written.data === 'string' && written.data.length > 20, 'the encrypted blob');
    assert.ok(
      dialogs.shown.some((d) => d.message.startsWith(`Backup of ${project} saved to ${backup}.`)),
      JSON.stringify(dialogs.shown),
    );
    assert.deepEqual(
      dialogs.shown.filter((d) => d.severity === 'error'),
      [],
    );
    assert.ok(
      dialogs.shown.some((d) => d.message === `${project} runs version ${emulator.NEW_VERSION}: 1/1 shards connected.`),
      JSON.stringify(dialogs.shown),
    );
    assert.match(
      fs.readFileSync(path.join(dir, '.env'), 'utf8'),
      new RegExp(`^WA_API_VERSION=${emulator.NEW_VERSION.replace(/\./g, '\\.')}$`, 'm'),
    );
    assert.deepEqual([...new Set(await images())].sort(), [
      `wa-emulator/coreapp:v${emulator.NEW_VERSION}`,
      `wa-emulator/web:v${emulator.NEW_VERSION}`,
    ]);
    const b = await emulator.waitForHealth(
      ws,
      (x) => x.meta?.version === `v${emulator.NEW_VERSION}` && connected(x) === 1,
      { timeoutMs: 30_000 },
    );
    assert.equal(b.meta?.version, `v${emulator.NEW_VERSION}`);
    assert.ok(
      !Object.values(b.health).some((v) => v.gateway_status === 'uninitialized' || v.gateway_status === 'unregistered'),
      JSON.stringify(b.health),
    );
    // The DB upgrade container migrated the schema before the nodes started (no master had to),
    // and, finished, it is removed (its exit code and last lines are in the Compose output).
    const masters = (await emulator.compose(ws, ['logs', '--no-color', 'master1', 'master2'])).stdout;
    assert.doesNotMatch(masters, /upgrading database schema from v2\.51\.1/);
    assert.equal(
      (
        await emulator.exec('docker', [
          'ps',
          '-a',
          '-q',
          '--filter',
          `label=com.docker.compose.project=${project}`,
          '--filter',
          'label=com.docker.compose.service=dbupgrade',
        ])
      ).stdout.trim(),
      '',
      'the finished DB upgrade container is removed',
    );
    await until('the session sees the new version', () => session()?.cluster.version === emulator.NEW_VERSION, 10_000);
  });

  it('a recreate that Compose cannot do (the new images are present but broken): one error line with the cause, "Show Output"; the old .env and Up bring it back', async () => {
    const broken = '2.99.2';
    const tags = [`wa-emulator/web:v${broken}`, `wa-emulator/coreapp:v${broken}`];
    // An image with an empty file system: present (the image check passes), but no node can start from it.
    const imported = await emulator.exec('sh', [
      '-c',
      `tar cf - -T /dev/null | docker import - ${tags[0]} && docker tag ${tags[0]} ${tags[1]}`,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const envFile = path.join(dir, '.env');
    const envBefore = fs.readFileSync(envFile, 'utf8');
    const dialogs = answerDialogs({ answers: [[/^Upgrade waupg\d+ from /, 'Upgrade']] });
    try {
      await vscode.commands.executeCommand('waCluster.upgrade', {
        cluster: session()!.cluster.id,
        version: broken,
        path: 'downtime',
        timeoutMs: 60_000,
      });
      const errors = dialogs.shown.filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, JSON.stringify(dialogs.shown));
      const [error] = errors;
      assert.match(
        error!.message,
        new RegExp(
          `^The upgrade of ${project} to 2\\.99\\.2 stopped while the nodes were restarted on it: [^\\n]*(no such file or directory|No command specified)[^\\n]*\\. \\.env already names 2\\.99\\.2: once Docker answers again, run WA Cluster: Up to start every node on 2\\.99\\.2, then check the WA Cluster view\\.$`,
        ),
        "the cause in one line, not Compose's whole output",
      );
      assert.deepEqual(error!.items, ['Show Output']);
      assert.equal(error!.modal, false);
    } finally {
      dialogs.restore();
      // Back as it was: the old .env, every node recreated on it, the broken images gone.
      fs.writeFileSync(envFile, envBefore);
      await emulator.up(ws, emulator.HA_SERVICES, { version: emulator.NEW_VERSION });
      await emulator.exec('docker', ['rmi', ...tags]);
    }
    assert.equal(fs.readFileSync(envFile, 'utf8'), envBefore);
    await emulator.waitForHealth(ws, (x) => x.meta?.version === `v${emulator.NEW_VERSION}` && connected(x) === 1, {
      timeoutMs: 60_000,
    });
  });
});
