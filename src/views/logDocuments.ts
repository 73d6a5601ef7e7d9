import * as vscode from 'vscode';
import { BoundedLineBuffer } from '../util/lineBuffer';
import { disposeAll } from '../util/disposable';
import { DEFAULT_LOG_FILTER, type LogFilter, filterLines, isNarrowed } from '../util/logFilter';

/** URI scheme of the read-only, followed log documents. */
export const LOG_SCHEME = 'wa-cluster-logs';
export const LOG_LANGUAGE = 'walog';
/** Editor updates are coalesced to at most one per this many ms. */
const UPDATE_MS = 250;

/** What a followed log needs from its producer. */
export interface LogSource {
  /** Title for the header line, e.g. `wacore1` or `all nodes of biz`. */
  readonly title: string;
  /** The one node of a single node's view (its lines carry no `[node] ` prefix). */
  readonly node?: string | undefined;
  /** The nodes of an all-nodes view (lines prefixed `[node] `), offered by Filter Logs. */
  readonly nodes?: readonly string[] | undefined;
  /**
   * Starts following: calls `append` with each new line (already formatted), until `signal`
   * aborts or the source ends. Resolves when it ends; rejects on failure.
   */
  follow(append: (line: string) => void, signal: AbortSignal): Promise<void>;
}

class LogSession implements vscode.Disposable {
  readonly buffer: BoundedLineBuffer;
  readonly abort = new AbortController();
  state: 'following' | 'ended' | 'failed' | 'stopped' = 'following';
  detail: string | undefined;
  /** What the view shows; applies to the kept lines and to every line that arrives later. */
  filter: LogFilter = DEFAULT_LOG_FILTER;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly uri: vscode.Uri,
    readonly source: LogSource,
    readonly maxLines: number,
    private readonly changed: (uri: vscode.Uri) => void,
  ) {
    this.buffer = new BoundedLineBuffer({ maxLines, maxChars: maxLines * 2048 });
  }

  append(line: string): void {
    this.buffer.push(line);
    this.scheduleUpdate();
  }

  scheduleUpdate(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.changed(this.uri);
      }, UPDATE_MS);
    }
  }

  header(hidden: number, ownPolling: number): string {
    const parts = [
      this.state === 'following'
        ? vscode.l10n.t('Following the logs of {0}', this.source.title)
        : this.state === 'stopped'
          ? vscode.l10n.t('Logs of {0} (no longer followed)', this.source.title)
          : this.state === 'ended'
            ? vscode.l10n.t('Logs of {0} (the log stream ended: the container stopped)', this.source.title)
            : vscode.l10n.t('Logs of {0} (following failed: {1})', this.source.title, this.detail ?? ''),
    ];
    if (this.buffer.dropped > 0) {
      parts.push(
        vscode.l10n.t(
          '{0} earlier lines dropped (keeping the last {1}, setting waCluster.logs.maxLines)',
          this.buffer.dropped,
          this.maxLines,
        ),
      );
    }
    if (isNarrowed(this.filter)) {
      parts.push(vscode.l10n.t('filtered ({0}): {1} lines hidden', describeFilter(this.filter), hidden));
    }
    if (ownPolling > 0) {
      parts.push(vscode.l10n.t('{0} lines of our own /v1/health polling hidden', ownPolling));
    }
    return `# ${parts.join(' · ')}`;
  }

  content(): string {
    const f = filterLines(this.buffer.lines(), this.filter, this.source.node);
    return `${this.header(f.hidden, f.ownPolling)}\n${f.shown.join('\n')}\n`;
  }

  dispose(): void {
    this.abort.abort();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.state === 'following') {
      this.state = 'stopped';
    }
  }
}

/** The filter in words, for the header: `warnings and errors, nodes wacore1, wacore2, text /x/`. */
export function describeFilter(f: LogFilter): string {
  const parts: string[] = [];
  if (f.minLevel !== 'debug') {
    parts.push(levelLabel(f.minLevel));
  }
  if (f.nodes) {
    parts.push(vscode.l10n.t('nodes {0}', f.nodes.join(', ') || '-'));
  }
  if (f.text) {
    parts.push(vscode.l10n.t('text /{0}/', f.text));
  }
  return parts.join(', ');
}

/** The words for "this level and more severe". */
export function levelLabel(level: LogFilter['minLevel']): string {
  switch (level) {
    case 'error':
      return vscode.l10n.t('errors only');
    case 'warning':
      return vscode.l10n.t('warnings and errors');
    case 'info':
      return vscode.l10n.t('info, warnings and errors');
    case 'debug':
      return vscode.l10n.t('every level (with debug)');
  }
}

/**
 * Read-only log documents (`wa-cluster-logs:` URIs, language walog) that follow a log while they
 * are open: updates are throttled, memory is bounded by the line buffer (older lines are
 * dropped and counted in the header), and following stops when the document is closed.
 */
export class LogDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly sessions = new Map<string, LogSession>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  /** Line count of each log document at its previous update, to tell whether an editor was at the end. */
  private readonly lineCounts = new Map<string, number>();

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === LOG_SCHEME) {
          this.stop(doc.uri);
        }
      }),
      // A closed tab disposes its document only later; stop following as soon as no tab shows it.
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const tab of e.closed) {
          const input = tab.input;
          if (input instanceof vscode.TabInputText && input.uri.scheme === LOG_SCHEME && !this.isShown(input.uri)) {
            this.stop(input.uri);
          }
        }
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.scheme === LOG_SCHEME) {
          this.keepTail(e.document);
        }
      }),
    );
  }

  /** Number of logs being followed now (for tests). */
  get following(): number {
    return [...this.sessions.values()].filter((s) => s.state === 'following').length;
  }

  /** The source and filter of a followed log document, for Filter Logs. */
  viewOf(uri: vscode.Uri): { readonly source: LogSource; readonly filter: LogFilter } | undefined {
    return this.sessions.get(uri.toString());
  }

  /** Shows the document's lines through `filter`, now and for every line that arrives later. */
  setFilter(uri: vscode.Uri, filter: LogFilter): void {
    const s = this.sessions.get(uri.toString());
    if (s) {
      s.filter = filter;
      this.changed.fire(uri);
    }
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const s = this.sessions.get(uri.toString());
    return s
      ? s.content()
      : `# ${vscode.l10n.t('This log is no longer followed. Run "Show Node Logs" again to follow it.')}\n`;
  }

  /**
   * Opens (or reveals) the document for `uri` and starts following `source` into it, unless it
   * is already being followed.
   */
  async open(uri: vscode.Uri, source: LogSource, maxLines: number): Promise<vscode.TextEditor> {
    const key = uri.toString();
    let s = this.sessions.get(key);
    if (!s || s.state !== 'following') {
      const filter = s?.filter;
      s?.dispose();
      s = new LogSession(uri, source, maxLines, (u) => this.changed.fire(u));
      s.filter = filter ?? s.filter;
      this.sessions.set(key, s);
      this.start(s);
    }
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== LOG_LANGUAGE) {
      doc = await vscode.languages.setTextDocumentLanguage(doc, LOG_LANGUAGE);
    }
    return vscode.window.showTextDocument(doc, { preview: false });
  }

  private start(s: LogSession): void {
    const started = Date.now();
    this.log.info(`following logs of ${s.source.title}`);
    s.source
      .follow((line) => s.append(line), s.abort.signal)
      .then(
        () => {
          if (s.state === 'following') {
            s.state = s.abort.signal.aborted ? 'stopped' : 'ended';
          }
        },
        (e: unknown) => {
          if (s.state === 'following' && !s.abort.signal.aborted) {
            s.state = 'failed';
            s.detail = e instanceof Error ? e.message : String(e);
            this.log.warn(`following logs of ${s.source.title} failed: ${s.detail}`);
          }
        },
      )
      .finally(() => {
        this.log.info(
          `stopped following logs of ${s.source.title} after ${Math.round((Date.now() - started) / 1000)} s (${s.state})`,
        );
        if (this.sessions.get(s.uri.toString()) === s) {
          s.scheduleUpdate();
        }
      });
  }

  private isShown(uri: vscode.Uri): boolean {
    const key = uri.toString();
    return vscode.window.tabGroups.all.some((g) =>
      g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key),
    );
  }

  /** Keeps editors that were at the end of the log at the end as it grows. */
  private keepTail(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const before = this.lineCounts.get(key) ?? 0;
    this.lineCounts.set(key, doc.lineCount);
    const last = doc.lineCount - 1;
    for (const ed of vscode.window.visibleTextEditors) {
      if (ed.document === doc) {
        const visibleEnd = ed.visibleRanges.at(-1)?.end.line ?? 0;
        if (visibleEnd >= before - 3) {
          ed.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
        }
      }
    }
  }

  stop(uri: vscode.Uri): void {
    const key = uri.toString();
    const s = this.sessions.get(key);
    if (s) {
      s.dispose();
      this.sessions.delete(key);
    }
    this.lineCounts.delete(key);
  }

  dispose(): void {
    disposeAll(this.sessions.values(), this.disposables);
    this.sessions.clear();
  }
}
