/**
 * Workspace trust (issue #12, item 7): in an untrusted workspace the linter works, and every
 * command that runs Compose, starts containers or sends API requests refuses before doing
 * anything. Counted from outside: the engine's containers of the project and the connections
 * that reach the cluster's web port (a plain TCP listener standing in for the web container).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import { Commands, TRUSTED_ONLY_COMMANDS } from '../../src/constants';
import * as emulator from '../emulator/src/harness';
import { activateExtension, discovered, eventually, workspaceRoot } from '../extension/support';

const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('untrusted workspace (extension host, workspace trust on)', function () {
  this.timeout(120_000);
  const project = `wauntrusted${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let web: net.Server;
  let connections = 0;

  const containers = async () =>
    (
      await emulator.exec('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])
    ).stdout.trim();

  before(async () => {
    ws = emulator.writeWorkspace({ dir, project, webPort: await emulator.freePort() });
    web = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((r) => web.listen(ws.webPort, '127.0.0.1', r));
  });

  after(async () => {
    await new Promise((r) => web.close(r));
    if ((await containers()) !== '') {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the workspace is not trusted and the extension is active in it', async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const api = await activateExtension();
    await discovered(api, project);
  });

  it('the linter works', async () => {
    const uri = vscode.Uri.file(path.join(workspaceRoot, 'lint', 'broken-compose.yml'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const diag = await eventually('wa-hostname-mismatch diagnostic', () =>
      vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'wa-hostname-mismatch'),
    );
    assert.equal(diag.source, 'wa-cluster');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('every command that runs Compose, starts containers or sends API requests refuses: no container, no connection', async () => {
    const api = await activateExtension();
    const session = await discovered(api, project);
    const id = session.cluster.id;
    // What a script, task or keybinding would pass: enough to act without a prompt.
    const args: Record<string, unknown> = {
      [Commands.up]: { cluster: id, services: emulator.HA_SERVICES },
      [Commands.down]: { cluster: id, volumes: true },
      [Commands.addCoreapp]: id,
      [Commands.upgrade]: id,
      [Commands.signIn]: id,
    };
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(connections, 0, 'nothing reaches the web port before any command runs');
    for (const command of TRUSTED_ONLY_COMMANDS) {
      const outcome = await Promise.race([
        vscode.commands.executeCommand(command, args[command] ?? id).then((v) => ({ v })),
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      if (outcome === 'hung') {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
        assert.fail(`${command} waited for input instead of refusing`);
      }
      assert.equal(outcome.v, undefined, `${command} returned a result`);
      assert.equal(await containers(), '', `${command} created containers`);
      assert.equal(connections, 0, `${command} connected to the cluster's web port`);
    }
    console.log(`      ${TRUSTED_ONLY_COMMANDS.length} commands refused; 0 containers, 0 connections to the web port`);
  });
});
