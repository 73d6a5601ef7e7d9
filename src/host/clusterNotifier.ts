import * as vscode from 'vscode';
import { Announcer, type Announcement } from '../cluster/announcements';
import { type SettingsStore } from '../config/settings';
import { Commands } from '../constants';
import { type ClusterSessions } from './clusterSessions';

/**
 * Shows what cluster/announcements.ts decides is news, once each, and wakes up when a window of
 * held deaths closes. Setting waCluster.notifications.clusterEvents turns the toasts off (the log
 * keeps every announcement).
 */
export class ClusterNotifier implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];
  private readonly announcer = new Announcer(vscode.l10n.t);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessions: ClusterSessions,
    private readonly settings: SettingsStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      sessions.onDidChangeCluster(({ session, change }) => {
        this.announce(this.announcer.onChange(session.cluster.projectName, change, sessions.expected, Date.now()));
        this.schedule();
      }),
      sessions.onDidChangeSessions(() => {
        const projects = new Set(sessions.all.map((s) => s.cluster.projectName));
        this.announcer.retain(projects);
      }),
    ];
  }

  /** One timer, for the earliest window of held deaths. */
  private schedule(): void {
    clearTimeout(this.timer);
    const at = this.announcer.wakeAt;
    if (at === undefined) {
      return;
    }
    this.timer = setTimeout(
      () => {
        this.announce(this.announcer.due(Date.now()));
        this.schedule();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private announce(out: readonly Announcement[]): void {
    for (const a of out) {
      this.log.info(`announce: ${a.message}`);
      if (this.settings.value.notifyClusterEvents) {
        void this.show(a);
      }
    }
  }

  private async show(a: Announcement): Promise<void> {
    const reveal = vscode.l10n.t('Show Cluster');
    const show =
      a.severity === 'error'
        ? vscode.window.showErrorMessage
        : a.severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    if ((await show(a.message, reveal)) === reveal) {
      await vscode.commands.executeCommand(Commands.focusExplorer);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) {
      s.dispose();
    }
    clearTimeout(this.timer);
  }
}
