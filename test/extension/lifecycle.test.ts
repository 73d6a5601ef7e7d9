/**
 * Up, Add Coreapp and Down from VS Code, on an emulated cluster that the extension itself starts
 * with the real Compose CLI (options passed as a script or task would, instead of the prompts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { activateExtension, answerDialogs, discovered, until, workspaceRoot } from './support';

describe('cluster lifecycle commands (extension host, real Compose)', function () {
  this.timeout(240_000);
  const project = `walife${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let api: TestApi;

  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  const running = async () =>
    (await emulator.compose(ws, ['ps', '--services', '--filter', 'status=running'])).stdout
      .split('\n')
      .filter(Boolean)
      .sort();

  before(async () => {
    await emulator.buildImages();
    ws = emulator.writeWorkspace({ dir, project, webPort: await emulator.freePort() });
    api = await activateExtension();
    await discovered(api, project);
  });

  after(async () => {
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // v2 is what the extension detects by itself; v1 is what the waCluster.compose.command setting picks (launchCodeServer).
  const flavor = emulator.composeFlavor();
  it(`Up starts the chosen services with the real Compose CLI (Compose ${flavor}: ${flavor === 'v2' ? 'detected' : 'the setting'})`, async () => {
    const id = session()!.cluster.id;
    await vscode.commands.executeCommand('waCluster.up', { cluster: id, services: emulator.HA_SERVICES });
    assert.deepEqual(await running(), [...emulator.HA_SERVICES].sort());
    // The Compose that created them stamps its version and names them its way.
    const ps = await emulator.exec('docker', [
      'ps',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.Names}} {{.Label "com.docker.compose.version"}}',
    ]);
    const made = ps.stdout.trim().split('\n').sort();
    assert.deepEqual(
      made.map((l) => l.split(' ')[0]),
      emulator.HA_SERVICES.map((s) => emulator.containerName(flavor, project, s)).sort(),
    );
    assert.ok(
      made.every((l) => (flavor === 'v2' ? /^2\./ : /^1\./).test(l.split(' ')[1] ?? '')),
      ps.stdout,
    );
    await until(
      'the tree sees the containers',
      () => (session()?.snapshot?.nodes.filter((n) => n.container?.state === 'running').length ?? 0) === 6,
      60_000,
    );
  });

  it('Add Coreapp starts the one declared coreapp that does not run (the spare)', async () => {
    await until(
      'wacore3 known as not running',
      () => session()?.snapshot?.nodes.some((n) => n.name === 'wacore3' && n.container === null) ?? false,
      60_000,
    );
    await vscode.commands.executeCommand('waCluster.addCoreapp', session()!.cluster.id);
    assert.ok((await running()).includes('wacore3'));
  });

  it('Collect Diagnostics into a folder that cannot be written shows the error with "Show Extension Log" (not a silent cancel)', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const dialogs = answerDialogs({
      picks: [
        [/which period/, 'Last 15 minutes'],
        [/Where should the diagnostics bundle go/, 'Choose a folder…'],
      ],
      openFolder: path.join(blocker, 'sub'),
    });
    try {
      await vscode.commands.executeCommand('waCluster.diagnostics.collect', { project });
    } finally {
      dialogs.restore();
      fs.rmSync(blocker, { force: true });
    }
    const errors = dialogs.shown.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(dialogs.shown));
    assert.match(errors[0]!.message, /diagnostics bundle could not be written to .*not-a-folder.*ENOTDIR/);
    assert.deepEqual(errors[0]!.items, ['Show Extension Log']);
    // The period WADebug collects comes first, so it is the one preselected.
    const periods = dialogs.offered.find((o) => /which period/.test(o.prompt));
    assert.equal(periods?.labels[0], 'Last 3 hours', JSON.stringify(dialogs.offered));
  });

  it('Down keeps the data volumes unless asked to delete them, and removes the DB upgrade container', async () => {
    // What an upgrade leaves: the DB upgrade container, from its own compose file under the cluster's project name.
    await emulator.compose(ws, ['up', '--no-start', 'dbupgrade'], { files: [path.join(dir, 'dbupgrade-compose.yml')] });
    const all = async () =>
      (
        await emulator.exec('docker', [
          'ps',
          '-a',
          '--filter',
          `label=com.docker.compose.project=${project}`,
          '--format',
          '{{.Label "com.docker.compose.service"}}',
        ])
      ).stdout
        .split('\n')
        .filter(Boolean);
    assert.ok((await all()).includes('dbupgrade'), 'the DB upgrade container exists before Down');
    const dialogs = answerDialogs();
    await vscode.commands.executeCommand('waCluster.down', { cluster: session()!.cluster.id, volumes: false });
    assert.deepEqual(await running(), []);
    assert.deepEqual(await all(), [], 'no container of the project is left, the DB upgrade one included');
    const volumes = await emulator.exec('docker', [
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${project}`,
    ]);
    assert.ok(volumes.stdout.trim().length > 0, 'the data volumes are still there');
    await until(
      'the tree sees the cluster stopped',
      () => session()?.snapshot?.nodes.every((n) => n.container === null || n.container.state !== 'running') ?? false,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3000)); // past the window in which deaths are gathered
    dialogs.restore();
    assert.deepEqual(dialogs.shown, [], 'a Down the user asked for is no news');
  });
});
