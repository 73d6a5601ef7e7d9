import * as vscode from 'vscode';
import { type MonitorChange } from '../cluster/monitor';
import { type SettingsStore } from '../config/settings';
import { Commands } from '../constants';
import { type ClusterSession, type ClusterSessions } from './clusterSessions';

/** Something worth one notification: a failover, a node dying, a node back, the engine lost or back. */
export interface Announcement {
  readonly project: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
}

/**
 * Announces cluster events once each: the monitor's diff reports an event on the snapshot where it
 * happens, never again on later polls. Setting waCluster.notifications.clusterEvents turns it off.
 */
export class ClusterNotifier implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;
  /** Everything announced so far (tests read it). */
  readonly announced: Announcement[] = [];

  constructor(sessions: ClusterSessions, private readonly settings: SettingsStore, private readonly log: vscode.LogOutputChannel) {
    this.subscription = sessions.onDidChangeCluster(({ session, change }) => this.onChange(session, change));
  }

  private onChange(session: ClusterSession, change: MonitorChange): void {
    const project = session.cluster.projectName;
    const out: Announcement[] = [];
    for (const e of change.diff.events) {
      if (e.kind === 'failover') {
        out.push({ project, severity: 'warning', message: vscode.l10n.t('{0}: failover, {1} took over from {2}.', project, e.to, e.from) });
      } else if (e.kind === 'engineUnreachable') {
        out.push({ project, severity: 'error', message: vscode.l10n.t('{0}: the Docker engine is unreachable ({1}).', project, e.message) });
      } else if (e.kind === 'engineRecovered') {
        out.push({ project, severity: 'info', message: vscode.l10n.t('{0}: the Docker engine answers again.', project) });
      }
    }
    for (const c of change.diff.nodeChanges) {
      if (c.kind === 'containerDied') {
        out.push({ project, severity: 'error', message: vscode.l10n.t('{0}: {1} stopped{2}.', project, c.node, c.exitCode !== undefined ? ` (exit ${c.exitCode})` : '') });
      } else if (c.kind === 'containerStarted' && change.diff.nodeChanges.every((o) => o.kind !== 'added' || o.node !== c.node)) {
        out.push({ project, severity: 'info', message: vscode.l10n.t('{0}: {1} is running again.', project, c.node) });
      }
    }
    for (const a of out) {
      this.announced.push(a);
      this.log.info(`announce: ${a.message}`);
      if (this.settings.value.notifyClusterEvents) {
        void this.show(a);
      }
    }
  }

  private async show(a: Announcement): Promise<void> {
    const reveal = vscode.l10n.t('Show Cluster');
    const show = a.severity === 'error' ? vscode.window.showErrorMessage : a.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    if ((await show(a.message, reveal)) === reveal) {
      await vscode.commands.executeCommand(Commands.focusExplorer);
    }
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
