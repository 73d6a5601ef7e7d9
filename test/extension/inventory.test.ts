/** The inventory in the editor: New Cluster's production layout lints clean; a mistake shows at its exact range. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, eventually, workspaceRoot } from './support';

const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('cluster inventory in the editor (extension host)', function () {
  this.timeout(60_000);
  const dir = path.join(workspaceRoot, `prodbiz${process.pid}`);

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("New Cluster writes the production layout; its inventory lints clean, and a duplicated EXTERNAL_HOSTNAME is underlined in the host's env file", async () => {
    fs.mkdirSync(dir, { recursive: true });
    await activateExtension();
    const hosts = ['a', 'b', 'c'].map((n) => ({
      name: n,
      docker: `ssh://deploy@wa-${n}.example.internal`,
      externalHostname: `wa-${n}.example.internal`,
    }));
    await vscode.commands.executeCommand('waCluster.newCluster', {
      folder: dir,
      version: '2.51.1',
      production: { hosts, dbHost: 'db.example.internal' },
    });
    for (const f of [
      'prod-multiconnect-compose.yml',
      'db.env',
      'a.env',
      'b.env',
      'c.env',
      'wa-cluster.inventory.yml',
    ]) {
      assert.ok(fs.existsSync(path.join(dir, f)), `${f} written`);
    }
    const inventory = vscode.Uri.file(path.join(dir, 'wa-cluster.inventory.yml'));
    await vscode.window.showTextDocument(inventory);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(
      vscode.languages.getDiagnostics(inventory).map((d) => d.message),
      [],
    );

    const bEnv = vscode.Uri.file(path.join(dir, 'b.env'));
    const doc = await vscode.workspace.openTextDocument(bEnv);
    const line = doc
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('EXTERNAL_HOSTNAME='));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(
      bEnv,
      new vscode.Range(line, 'EXTERNAL_HOSTNAME='.length, line, doc.lineAt(line).text.length),
      'wa-a.example.internal',
    );
    assert.ok(await vscode.workspace.applyEdit(edit));
    const diag = await eventually('inventory-duplicate-hostname on b.env', () =>
      vscode.languages.getDiagnostics(bEnv).find((d) => codeOf(d) === 'inventory-duplicate-hostname'),
    );
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual(
      [diag.range.start.line, diag.range.start.character, diag.range.end.line, diag.range.end.character],
      [line, 18, line, 18 + 'wa-a.example.internal'.length],
    );
    assert.match(diag.message, /Host `b` advertises `wa-a\.example\.internal`/);
  });
});
