import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { nodeFileReader } from '../compose/nodeReader';
import type { Project } from '../compose/project';
import type { FileReader, Finding, Fix } from '../compose/types';
import { type SettingsStore } from '../config/settings';
import { lintFiles, type RuleSettings } from '../lint/engine';
import { describeImage, describeVariable } from '../lint/glossary';
import { isInventoryDocument, lintInventoryDocument } from './inventoryDiagnostics';
import { projectFilesFor } from './projectFiles';

const SOURCE = 'wa-cluster';
const DEBOUNCE_MS = 300;

/** The waCluster.lint settings the linter uses, from the typed settings store. */
function lintSettings(store: SettingsStore): { enable: boolean; include: string; rules: RuleSettings } {
  const v = store.value;
  return { enable: v.lintEnable, include: v.lintInclude, rules: v.lintRules };
}

interface Result {
  findings: Finding[];
  deps: Set<string>;
  /** Undefined for an inventory (its hosts' projects are not hovered). */
  project?: Project;
}

/** Key that ties a diagnostic back to its finding (code actions get copies of diagnostics). */
function diagKey(uri: string, rule: string, range: vscode.Range, message: string): string {
  return `${uri}\0${rule}\0${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}\0${message}`;
}

function toRange(r: Finding['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.column, r.end.line, r.end.column);
}

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/**
 * Lints compose files in the editor: diagnostics on open/change (debounced; stale results are
 * dropped), re-lint when a `.env`/`env_file` they use changes, quick fixes and hovers.
 */
export function registerComposeDiagnostics(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  store: SettingsStore,
): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection(SOURCE);
  const results = new Map<string, Result>();
  const timers = new Map<string, NodeJS.Timeout>();
  const fixes = new Map<string, Fix>();
  let settings = lintSettings(store);
  const published = new Set<string>();

  const isCompose = (doc: vscode.TextDocument): boolean =>
    doc.uri.scheme === 'file' &&
    (doc.languageId === 'dockercompose' || vscode.languages.match({ pattern: settings.include }, doc) > 0);

  const openText = (p: string): string | undefined =>
    vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === p)?.getText();
  const reader: FileReader = {
    read: (p) => openText(p) ?? nodeFileReader.read(p),
    refusal: (p) => nodeFileReader.refusal?.(p),
  };

  /** The files a result has findings in (file URIs as strings). */
  const filesOf = (r: Result | undefined): string[] =>
    r ? [...new Set(r.findings.map((f) => vscode.Uri.file(f.file).toString()))] : [];

  /**
   * Re-publishes the diagnostics of these files only, from every result (a finding may sit in an
   * env file or a base file that several documents use): with many compose files open, a
   * keystroke in one does not re-send the others'.
   */
  function publish(files: Iterable<string>): void {
    for (const uri of new Set(files)) {
      for (const key of [...fixes.keys()]) {
        if (key.startsWith(`${uri}\0`)) {
          fixes.delete(key);
        }
      }
      const diags: vscode.Diagnostic[] = [];
      const seen = new Set<string>();
      for (const r of results.values()) {
        for (const f of r.findings) {
          if (vscode.Uri.file(f.file).toString() !== uri) {
            continue;
          }
          const range = toRange(f.range);
          const key = diagKey(uri, f.rule, range, f.message);
          if (seen.has(key)) {
            continue;
          }
          seen.add(key);
          const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
          d.source = SOURCE;
          d.code = f.rule;
          diags.push(d);
          if (f.fix) {
            fixes.set(key, f.fix);
          }
        }
      }
      if (diags.length > 0) {
        collection.set(vscode.Uri.parse(uri), diags);
        published.add(uri);
      } else if (published.delete(uri)) {
        collection.delete(vscode.Uri.parse(uri));
      }
    }
  }

  /** Sets (or with `undefined` drops) one document's result and re-publishes the files it touches. */
  function setResult(key: string, next: Result | undefined): void {
    const before = filesOf(results.get(key));
    if (next) {
      results.set(key, next);
    } else if (!results.delete(key)) {
      return;
    }
    publish([...before, ...filesOf(next)]);
  }

  function lintNow(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (!settings.enable || doc.isClosed || !(isCompose(doc) || isInventoryDocument(doc))) {
      setResult(key, undefined);
      return;
    }
    const version = doc.version;
    const started = Date.now();
    try {
      if (isInventoryDocument(doc)) {
        setResult(key, lintInventoryDocument(doc, reader, settings.rules));
        return;
      }
      const paths = projectFilesFor(doc.uri.fsPath, (p) => openText(p) !== undefined || fs.existsSync(p));
      const files = paths.map((p) => ({
        path: p,
        text: p === doc.uri.fsPath ? doc.getText() : (reader.read(p) ?? ''),
      }));
      const { findings, project } = lintFiles(
        { files, reader, env: process.env },
        { rules: settings.rules, t: vscode.l10n.t },
      );
      if (doc.version !== version || doc.isClosed) {
        return; // stale: a newer lint is scheduled
      }
      setResult(key, { findings, deps: new Set(project.dependencies), project });
      log.trace(`lint ${doc.uri.fsPath}: ${findings.length} findings in ${Date.now() - started} ms`);
    } catch (err) {
      log.error(`lint ${doc.uri.fsPath} failed:`, err);
    }
  }

  function schedule(doc: vscode.TextDocument, delay = DEBOUNCE_MS): void {
    const key = doc.uri.toString();
    const t = timers.get(key);
    if (t) {
      clearTimeout(t);
    }
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        lintNow(doc);
      }, delay),
    );
  }

  /** Re-lints every compose document that uses `fsPath` (a .env, env_file or merged file). */
  function relintDependents(fsPath: string): void {
    for (const [key, r] of results) {
      if (r.deps.has(fsPath)) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
        if (doc) {
          schedule(doc);
        }
      }
    }
  }

  const watcher = vscode.workspace.createFileSystemWatcher('**/*');
  const onDisk = (uri: vscode.Uri): void => relintDependents(uri.fsPath);

  const codeActions = vscode.languages.registerCodeActionsProvider(
    { scheme: 'file' },
    {
      provideCodeActions(doc, _range, ctx) {
        const actions: vscode.CodeAction[] = [];
        for (const d of ctx.diagnostics) {
          if (d.source !== SOURCE) {
            continue;
          }
          const rule = typeof d.code === 'object' ? String(d.code.value) : String(d.code);
          const fix = fixes.get(diagKey(doc.uri.toString(), rule, d.range, d.message));
          if (!fix) {
            continue;
          }
          const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
          action.diagnostics = [d];
          action.isPreferred = true;
          const edit = new vscode.WorkspaceEdit();
          for (const e of fix.edits) {
            edit.replace(vscode.Uri.file(e.file), toRange(e.range), e.newText);
          }
          action.edit = edit;
          actions.push(action);
        }
        return actions;
      },
    },
    { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
  );

  const hover = vscode.languages.registerHoverProvider(
    [{ language: 'dockercompose' }, { language: 'yaml' }, { pattern: '**/{.env,*.env}' }],
    {
      provideHover(doc, pos) {
        if (!isCompose(doc) && !/(^|[\\/])(\.env|[^\\/]*\.env)$/.test(doc.uri.fsPath)) {
          return undefined;
        }
        const wordRange = doc.getWordRangeAtPosition(pos, /[A-Z][A-Z0-9_]+/);
        const word = wordRange ? doc.getText(wordRange) : '';
        const text = describeVariable(word, vscode.l10n.t);
        if (text) {
          return new vscode.Hover(new vscode.MarkdownString(`**${word}**\n\n${text}`), wordRange);
        }
        const line = doc.lineAt(pos.line).text;
        const m = /^(\s*-?\s*image:\s*)(["']?)(.+?)\2\s*(#.*)?$/.exec(line);
        if (m?.[1] !== undefined && m[3] !== undefined) {
          const start = m[1].length + (m[2]?.length ?? 0);
          const range = new vscode.Range(pos.line, start, pos.line, start + m[3].length);
          if (!range.contains(pos)) {
            return undefined;
          }
          const svc = [...(results.get(doc.uri.toString())?.project?.services.values() ?? [])].find(
            (s) =>
              s.image && s.image.span.file === doc.uri.fsPath && doc.positionAt(s.image.span.start).line === pos.line,
          );
          return new vscode.Hover(
            new vscode.MarkdownString(describeImage(m[3], svc?.role ?? 'other', svc?.image?.value, vscode.l10n.t)),
            range,
          );
        }
        return undefined;
      },
    },
  );

  const subscriptions: vscode.Disposable[] = [
    collection,
    watcher,
    codeActions,
    hover,
    watcher.onDidChange(onDisk),
    watcher.onDidCreate(onDisk),
    watcher.onDidDelete(onDisk),
    vscode.workspace.onDidOpenTextDocument((d) => schedule(d, 0)),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length === 0) {
        return;
      }
      if (isCompose(e.document) || isInventoryDocument(e.document)) {
        schedule(e.document);
      }
      relintDependents(e.document.uri.fsPath);
    }),
    vscode.workspace.onDidCloseTextDocument((d) => {
      setResult(d.uri.toString(), undefined);
      relintDependents(d.uri.fsPath);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('waCluster.lint')) {
        settings = lintSettings(store);
        results.clear();
        publish([...published]);
        for (const d of vscode.workspace.textDocuments) {
          schedule(d, 0);
        }
      }
    }),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  ];
  for (const d of vscode.workspace.textDocuments) {
    schedule(d, 0);
  }
  void context;
  return vscode.Disposable.from(...subscriptions);
}

export type { RuleSettings };
