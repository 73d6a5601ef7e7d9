import assert from 'node:assert/strict';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const codeOf = (d: vscode.Diagnostic): string => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('compose linter in the extension host', () => {
  let uri: vscode.Uri;

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'no workspace folder');
    uri = vscode.Uri.file(path.join(folder.uri.fsPath, 'lint', 'broken-compose.yml'));
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('reports the copy-paste hostname at the exact range, and the quick fix clears it', async () => {
    const diag = await waitFor('wa-hostname-mismatch diagnostic', () =>
      vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'wa-hostname-mismatch'),
    );
    assert.equal(diag.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diag.source, 'wa-cluster');
    assert.deepEqual(
      [diag.range.start.line, diag.range.start.character, diag.range.end.line, diag.range.end.character],
      [12, 24, 12, 33],
    );
    assert.match(diag.message, /wacore2.*COREAPP_HOSTNAME=wacore1/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diag.range,
    );
    const fix = actions.find((a) => a.title === 'Set COREAPP_HOSTNAME=wacore2');
    assert.ok(fix?.edit, `no quick fix among ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.lineAt(12).text, '      COREAPP_HOSTNAME: "wacore2"');

    await waitFor('the diagnostic to clear', () =>
      vscode.languages.getDiagnostics(uri).some((d) => codeOf(d) === 'wa-hostname-mismatch') ? undefined : true,
    );
  });
});
