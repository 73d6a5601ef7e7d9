import * as os from 'node:os';
import * as vscode from 'vscode';
import type { FileReader, Finding } from '../compose/types';
import { dockerContextNames } from '../inventory/contexts';
import { isInventoryFile } from '../inventory/inventory';
import { lintInventory } from '../inventory/lint';
import type { RuleSettings } from '../lint/engine';

/** A cluster inventory open in the editor (`wa-cluster.inventory.yml`, `*.inventory.yml`). */
export function isInventoryDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && isInventoryFile(doc.uri.fsPath);
}

/** Lints an inventory document with the hosts' compose/env files and this machine's Docker contexts. */
export function lintInventoryDocument(
  doc: vscode.TextDocument,
  reader: FileReader,
  rules: RuleSettings,
): { findings: Finding[]; deps: Set<string> } {
  const r = lintInventory(doc.uri.fsPath, doc.getText(), {
    reader,
    rules,
    t: vscode.l10n.t,
    contexts: dockerContextNames(process.env, os.homedir()),
  });
  return { findings: r.findings, deps: new Set(r.dependencies) };
}
