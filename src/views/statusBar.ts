import * as vscode from 'vscode';
import { clusterHealth, describeCluster, healthReasons, statusBarText } from '../cluster/presentation';
import { Commands } from '../constants';
import { type ClusterSessions } from '../host/clusterSessions';

/**
 * One status bar item with the cluster's state ("WA 2/2" with a state icon), coloured on
 * problems; a click focuses the explorer. With several clusters it shows the running one in most trouble.
 */
export class ClusterStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('waCluster.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly sessions: ClusterSessions) {
    this.item.name = vscode.l10n.t('WA Cluster');
    this.item.command = Commands.focusExplorer;
    this.subscriptions = [
      sessions.onDidChangeSessions(() => this.update()),
      sessions.onDidChangeCluster(() => this.update()),
    ];
    this.update();
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip shown now (for tests). */
  get tooltip(): string {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : (this.item.tooltip?.value ?? '');
  }

  update(): void {
    // Clusters that run come first (worst first); one that is not running only when nothing runs.
    const rank = { error: 0, warning: 1, ok: 2, stopped: 3 } as const;
    const withSnapshots = this.sessions.all.filter((s) => s.snapshot !== undefined);
    if (withSnapshots.length === 0) {
      this.item.hide();
      return;
    }
    // Each cluster's health once (not per comparison): with 20 clusters starting at once, every
    // one's first snapshot updates this item.
    const ranked = withSnapshots.map((s) => ({ s, health: clusterHealth(s.snapshot!) }));
    const { s: worst, health } = ranked.reduce((a, b) => (rank[b.health] < rank[a.health] ? b : a));
    const snapshot = worst.snapshot!;
    this.item.text =
      statusBarText(snapshot, vscode.l10n.t) + (withSnapshots.length > 1 ? ` (+${withSnapshots.length - 1})` : '');
    // Amber or red says why: the reasons of each cluster in trouble (cluster/presentation.ts).
    this.item.tooltip = withSnapshots
      .map((s) =>
        [
          `${s.cluster.projectName}: ${describeCluster(s.snapshot!, vscode.l10n.t, s.api !== undefined)}`,
          ...healthReasons(s.snapshot!, vscode.l10n.t).map((r) => `• ${r}`),
        ].join('\n'),
      )
      .join('\n');
    this.item.backgroundColor =
      health === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : health === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.subscriptions) {
      d.dispose();
    }
    this.item.dispose();
  }
}
