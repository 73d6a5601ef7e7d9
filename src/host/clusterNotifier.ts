import * as vscode from 'vscode';
import { type MonitorChange } from '../cluster/monitor';
import { type SettingsStore } from '../config/settings';
import { Commands } from '../constants';
import { type ClusterSession, type ClusterSessions } from './clusterSessions';

/** The key under which a lost Docker engine is remembered (node names never contain a space). */
const ENGINE = 'docker engine';

/** Deaths less than this apart are announced together... */
const DEATH_WINDOW_MS = 2000;
/** ...but none waits longer than this. */
const DEATH_WINDOW_MAX_MS = 8000;

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
  /** What we announced as down (per project: node names, and `engine`): only those get a "back" message. */
  private readonly down = new Map<string, Set<string>>();
  /** Per project: nodes that died in the current window (with their exit codes), and its timer. */
  private readonly pendingDeaths = new Map<string, { nodes: Map<string, number | undefined>; since: number; timer: NodeJS.Timeout | undefined }>();

  constructor(private readonly sessions: ClusterSessions, private readonly settings: SettingsStore, private readonly log: vscode.LogOutputChannel) {
    this.subscription = sessions.onDidChangeCluster(({ session, change }) => this.onChange(session, change));
  }

  private onChange(session: ClusterSession, change: MonitorChange): void {
    const project = session.cluster.projectName;
    const out: Announcement[] = [];
    let down = this.down.get(project);
    if (!down) {
      down = new Set();
      this.down.set(project, down);
    }
    for (const e of change.diff.events) {
      if (e.kind === 'failover') {
        out.push({ project, severity: 'warning', message: vscode.l10n.t('{0}: failover, {1} took over from {2}.', project, e.to, e.from) });
      } else if (e.kind === 'engineUnreachable' && !down.has(ENGINE)) {
        down.add(ENGINE);
        out.push({ project, severity: 'error', message: vscode.l10n.t('{0}: the Docker engine is unreachable ({1}).', project, e.message) });
      } else if (e.kind === 'engineRecovered' && down.delete(ENGINE)) {
        out.push({ project, severity: 'info', message: vscode.l10n.t('{0}: the Docker engine answers again.', project) });
      }
    }
    // Containers the user started, stopped or recreated on purpose (Up, Down, Upgrade, Add Coreapp) are no news.
    const serviceOf = (node: string): string | undefined => change.snapshot.nodes.find((n) => n.name === node)?.service;
    const died = change.diff.nodeChanges.filter((c) => c.kind === 'containerDied' && !down.has(c.node) && !this.sessions.changesExpected(project, serviceOf(c.node)));
    for (const c of died) {
      down.add(c.node);
      this.deathPending(project).set(c.node, c.kind === 'containerDied' ? c.exitCode : undefined);
    }
    for (const c of change.diff.nodeChanges) {
      if (c.kind === 'containerStarted' && down.delete(c.node)) {
        const pending = this.pendingDeaths.get(project)?.nodes;
        if (pending?.has(c.node)) {
          // Died and back within the window (a restart policy at work): one message, not two.
          const exitCode = pending.get(c.node);
          pending.delete(c.node);
          out.push({ project, severity: 'warning', message: exitCode !== undefined ? vscode.l10n.t('{0}: {1} stopped (exit {2}) and started again.', project, c.node, exitCode) : vscode.l10n.t('{0}: {1} stopped and started again.', project, c.node) });
        } else {
          out.push({ project, severity: 'info', message: vscode.l10n.t('{0}: {1} is running again.', project, c.node) });
        }
      }
    }
    this.announce(out);
  }

  /**
   * Deaths wait a moment before they are announced: a `docker-compose down` or `stop` in a
   * terminal stops the nodes over a second or two, and that is one piece of news, not one per node.
   */
  private deathPending(project: string): Map<string, number | undefined> {
    const now = Date.now();
    let pending = this.pendingDeaths.get(project);
    if (pending) {
      clearTimeout(pending.timer);
    } else {
      pending = { nodes: new Map(), since: now, timer: undefined };
      this.pendingDeaths.set(project, pending);
    }
    const nodes = pending.nodes;
    // Each death extends the window a little, but news is never held back for long.
    const wait = Math.max(0, Math.min(DEATH_WINDOW_MS, pending.since + DEATH_WINDOW_MAX_MS - now));
    pending.timer = setTimeout(() => {
      this.pendingDeaths.delete(project);
      this.announce(deathMessages(project, nodes));
    }, wait);
    return nodes;
  }

  private announce(out: readonly Announcement[]): void {
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
    for (const { timer } of this.pendingDeaths.values()) {
      if (timer) {
        clearTimeout(timer);
      }
    }
    this.pendingDeaths.clear();
  }
}

function deathMessages(project: string, nodes: ReadonlyMap<string, number | undefined>): Announcement[] {
  if (nodes.size > 2) {
    // `down`, `stop` or a host problem: one message, not one per node.
    return [{ project, severity: 'error', message: vscode.l10n.t('{0}: {1} nodes stopped ({2}).', project, nodes.size, [...nodes.keys()].join(', ')) }];
  }
  return [...nodes].map(([node, exitCode]) => ({
    project,
    severity: 'error' as const,
    message: exitCode !== undefined ? vscode.l10n.t('{0}: {1} stopped (exit {2}).', project, node, exitCode) : vscode.l10n.t('{0}: {1} stopped.', project, node),
  }));
}
