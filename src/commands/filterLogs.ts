import * as vscode from 'vscode';
import { LOG_LEVELS, type LogFilter, type LogLevel, compileFilterText, DEFAULT_LOG_FILTER } from '../util/logFilter';
import { LOG_SCHEME, type LogDocumentProvider, describeFilter, levelLabel } from '../views/logDocuments';

interface Choice extends vscode.QuickPickItem {
  readonly change: () => Promise<LogFilter | undefined>;
}

/**
 * "WA Cluster: Filter Logs…" on the active log view (Show Node Logs, Show Logs of All Nodes): by
 * level, node and text (regular expression), and whether our own health polling shows. The
 * filter applies to the lines shown and to every line that arrives while the view follows.
 */
export async function filterLogs(documents: LogDocumentProvider, arg?: unknown): Promise<void> {
  const uri =
    arg instanceof vscode.Uri && arg.scheme === LOG_SCHEME ? arg : vscode.window.activeTextEditor?.document.uri;
  const view = uri && uri.scheme === LOG_SCHEME ? documents.viewOf(uri) : undefined;
  if (!uri || !view) {
    throw new Error(vscode.l10n.t('Open a log first (Show Node Logs or Show Logs of All Nodes), then filter it.'));
  }
  const f = view.filter;
  const nodes = view.source.nodes;
  const choices: Choice[] = [
    {
      label: vscode.l10n.t('$(filter) Level…'),
      description: levelLabel(f.minLevel),
      change: async () => {
        const pick = await vscode.window.showQuickPick(
          LOG_LEVELS.map((level: LogLevel) => ({ label: levelLabel(level), level, picked: level === f.minLevel })),
          { title: vscode.l10n.t('Show which levels of {0}?', view.source.title) },
        );
        return pick && { ...f, minLevel: pick.level };
      },
    },
    ...(nodes && nodes.length > 1
      ? [
          {
            label: vscode.l10n.t('$(server) Nodes…'),
            description: f.nodes ? f.nodes.join(', ') : vscode.l10n.t('every node'),
            change: async () => {
              const picks = await vscode.window.showQuickPick(
                nodes.map((n) => ({ label: n, picked: !f.nodes || f.nodes.includes(n) })),
                { title: vscode.l10n.t('Show the lines of which nodes?'), canPickMany: true },
              );
              return picks && { ...f, nodes: picks.length === nodes.length ? undefined : picks.map((p) => p.label) };
            },
          },
        ]
      : []),
    {
      label: vscode.l10n.t('$(regex) Text…'),
      description: f.text ? `/${f.text}/` : vscode.l10n.t('any text'),
      change: async () => {
        const text = await vscode.window.showInputBox({
          title: vscode.l10n.t('Show only the lines of {0} that match', view.source.title),
          prompt: vscode.l10n.t('A regular expression, case-insensitive (e.g. error|timeout). Empty: every line.'),
          value: f.text ?? '',
          validateInput: (v) => {
            const c = compileFilterText(v);
            return c.ok ? undefined : vscode.l10n.t('Not a regular expression: {0}', c.message);
          },
        });
        return text === undefined ? undefined : { ...f, text: text || undefined };
      },
    },
    {
      label: f.showOwnPolling
        ? vscode.l10n.t('$(eye-closed) Hide Our Own Health Polling')
        : vscode.l10n.t('$(eye) Show Our Own Health Polling'),
      description: vscode.l10n.t("the web's access-log lines of this extension's GET /v1/health"),
      change: () => Promise.resolve({ ...f, showOwnPolling: !f.showOwnPolling }),
    },
    {
      label: vscode.l10n.t('$(clear-all) Clear Filter'),
      description: describeFilter(f) || vscode.l10n.t('nothing is filtered'),
      change: () => Promise.resolve(DEFAULT_LOG_FILTER),
    },
  ];
  const choice = await vscode.window.showQuickPick(choices, {
    title: vscode.l10n.t('Filter the logs of {0}', view.source.title),
  });
  const next = await choice?.change();
  if (next) {
    documents.setFilter(uri, next);
  }
}
