/** "New Cluster" writes the vendor's layout; the extension's own linter finds no error in it and the explorer picks it up. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, answerDialogs, workspaceRoot } from './support';

describe('New Cluster (extension host)', function () {
  this.timeout(60_000);
  const project = `newbiz${process.pid}`;
  const dir = path.join(workspaceRoot, project);

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const options = { engine: 'postgres', masters: 2, coreapps: 3, webPort: 9443, version: '2.51.1' } as const;

  it('writes multiconnect-compose.yml, db.env and .env that lint clean and show as a cluster', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const api = await activateExtension();
    await vscode.commands.executeCommand('waCluster.newCluster', {
      folder: dir,
      ...options,
    });
    for (const f of ['multiconnect-compose.yml', 'db.env', '.env']) {
      assert.ok(fs.existsSync(path.join(dir, f)), `${f} written`);
    }
    assert.match(fs.readFileSync(path.join(dir, '.env'), 'utf8'), /^WA_API_VERSION=2\.51\.1$/m);
    const uri = vscode.Uri.file(path.join(dir, 'multiconnect-compose.yml'));
    await vscode.window.showTextDocument(uri);
    // The linter runs on open (debounced): give it time, then there must be no error.
    await new Promise((r) => setTimeout(r, 2000));
    const errors = vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(
      errors.map((d) => d.message),
      [],
    );
    await api.sessions.rediscover();
    const session = api.sessions.all.find((s) => s.cluster.projectName === project);
    assert.ok(session, 'the explorer shows the new cluster');
    assert.equal(session.cluster.declared.filter((d) => d.kind === 'master').length, 2);
    assert.equal(session.cluster.declared.filter((d) => d.kind === 'coreapp').length, 3);
    assert.equal(session.apiUrl, 'https://127.0.0.1:9443');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('again into the same folder: the "Replace" question\'s first button (what Enter does) opens the existing files; dismissed, nothing is written', async () => {
    const names = ['multiconnect-compose.yml', 'db.env', '.env'];
    fs.appendFileSync(path.join(dir, '.env'), '# edited by hand\n');
    const before = names.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    const dialogs = answerDialogs();
    try {
      await vscode.commands.executeCommand('waCluster.newCluster', { folder: dir, ...options });
    } finally {
      dialogs.restore();
    }
    assert.deepEqual(
      dialogs.shown.map((d) => ({ message: d.message, modal: d.modal, items: d.items })),
      [
        {
          message: `Replace ${names.map((f) => vscode.workspace.asRelativePath(path.join(dir, f))).join(', ')}?`,
          modal: true,
          items: ['Open the Existing Files', 'Replace'],
        },
      ],
    );
    assert.deepEqual(
      names.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')),
      before,
      'the files keep their content',
    );
  });
});
