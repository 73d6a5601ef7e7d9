import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, Views } from '../../src/constants';
import type { TestApi } from '../../src/extension';

describe('extension in a real extension host', () => {
  let api: TestApi | undefined;

  before(async () => {
    const ext = vscode.extensions.getExtension<TestApi | undefined>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
  });

  it('activates and returns its test API in test mode', () => {
    assert.ok(api, 'activate() returned no test API');
  });

  it('registers every command it contributes', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of Object.values(Commands)) {
      assert.ok(registered.has(id), `${id} is not registered`);
    }
  });

  it('contributes the nodes view, which opens', async () => {
    await vscode.commands.executeCommand(`${Views.nodes}.focus`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as {
      contributes: { views: Record<string, { id: string }[]> };
    };
    assert.ok(pkg.contributes.views[Views.container]?.some((v) => v.id === Views.nodes));
  });

  it('runs the refresh command without error', async () => {
    await vscode.commands.executeCommand(Commands.refresh);
  });
});
