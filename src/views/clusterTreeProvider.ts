import * as vscode from 'vscode';
import { type MonitorChange } from '../cluster/monitor';
import {
  clusterLook,
  isClusterDown,
  describeCluster,
  describeNode,
  describePort,
  findingLook,
  lookOfNode,
  nodeContextValue,
  nodeTooltip,
  orderNodes,
  type Look,
} from '../cluster/presentation';
import { findingAction } from '../cluster/findingActions';
import { DEFAULT_UNHEALTHY_INTERVAL_S } from '../cluster/nodeActions';
import { describeTakeover, TakeoverWatch } from '../cluster/takeover';
import { type ClusterNode, type ClusterSnapshot, type Finding } from '../cluster/types';
import { ViewStates } from '../cluster/viewState';
import { Commands } from '../constants';
import { type ClusterSession, type ClusterSessions } from '../host/clusterSessions';
import { HostElement, HostsGroupElement, hostElements, hostItem, hostsGroupItem } from './hostsGroup';

/** Tree elements hold ids only; their data is read from the session's latest snapshot. */
export class ClusterElement {
  readonly kind = 'cluster';
  constructor(
    readonly id: string,
    private readonly sessions: ClusterSessions,
    readonly sessionId: string,
  ) {}
  get session(): ClusterSession | undefined {
    return this.sessions.get(this.sessionId);
  }
}

export class NodeElement {
  readonly kind = 'node';
  constructor(
    readonly id: string,
    readonly parent: ClusterElement,
    readonly name: string,
  ) {}
  /** The node as of the latest snapshot (what commands such as "Show Logs" act on). */
  get node(): ClusterNode | undefined {
    return this.parent.session?.snapshot?.nodes.find((n) => n.name === this.name);
  }
  get project(): string | undefined {
    return this.parent.session?.cluster.projectName;
  }
}

export class FindingElement {
  readonly kind = 'finding';
  constructor(
    readonly id: string,
    readonly parent: ClusterElement,
    readonly finding: Finding,
  ) {}
}

export class ActionElement {
  readonly kind = 'action';
  constructor(
    readonly id: string,
    readonly parent: ClusterElement,
    readonly label: string,
    readonly detail: string,
    readonly command: vscode.Command,
    readonly look: Look,
  ) {}
}

export class DetailElement {
  readonly kind = 'detail';
  constructor(
    readonly id: string,
    readonly parent: NodeElement,
    readonly label: string,
    readonly description: string,
    readonly look: Look,
    readonly url: string | undefined,
  ) {}
}

export type TreeElement =
  | ClusterElement
  | NodeElement
  | FindingElement
  | ActionElement
  | DetailElement
  | HostsGroupElement<ClusterElement>
  | HostElement<ClusterElement>;

function themeIcon(look: Look): vscode.ThemeIcon {
  return new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/**
 * The cluster explorer: one root per cluster (project, version, shard coverage), its findings,
 * then db → web → masters → coreapps with role and gateway status in words. Element objects are
 * cached by id so expansion and selection survive refreshes, and only changed nodes refresh.
 */
export class ClusterTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly elements = new Map<string, TreeElement>();
  private readonly subscriptions: vscode.Disposable[];
  /** Per cluster: shard owners that stopped answering, until a spare took over (cluster/takeover.ts). */
  private readonly takeovers = new Map<string, { watch: TakeoverWatch; intervalS: number }>();
  /** Ticks the countdown of a pending takeover once a second, only while one is pending. */
  private countdown: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: ClusterSessions) {
    this.subscriptions = [
      this.changed,
      sessions.onDidChangeSessions(() => this.refresh()),
      sessions.onDidChangeCluster(({ session, change }) => this.onClusterChange(session, change)),
    ];
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  private cached<T extends TreeElement>(id: string, make: () => T): T {
    let e = this.elements.get(id) as T | undefined;
    if (!e) {
      e = make();
      this.elements.set(id, e);
    }
    return e;
  }

  private clusterElement(session: ClusterSession): ClusterElement {
    return this.cached(
      `cluster:${session.cluster.id}`,
      () => new ClusterElement(`cluster:${session.cluster.id}`, this.sessions, session.cluster.id),
    );
  }

  private takeoverOf(session: ClusterSession): { watch: TakeoverWatch; intervalS: number } {
    let t = this.takeovers.get(session.cluster.id);
    if (!t) {
      t = { watch: new TakeoverWatch(), intervalS: DEFAULT_UNHEALTHY_INTERVAL_S };
      this.takeovers.set(session.cluster.id, t);
    }
    return t;
  }

  private onClusterChange(session: ClusterSession, change: MonitorChange): void {
    const takeover = this.takeoverOf(session);
    takeover.watch.onChange(change);
    if (change.diff.events.some((e) => e.kind === 'shardOwnerLost') && session.api) {
      // The cluster's own unhealthy_interval, when the API tells it (admin only); else the default.
      void session.api.getApplicationSettings({ timeoutMs: 3000 }).then(
        (a) => {
          if (typeof a.unhealthy_interval === 'number' && a.unhealthy_interval > 0) {
            takeover.intervalS = a.unhealthy_interval;
          }
        },
        () => undefined,
      );
    }
    const root = this.clusterElement(session);
    const structural =
      change.diff.clusterChanged || change.diff.nodeChanges.some((c) => c.kind === 'added' || c.kind === 'removed');
    if (structural || change.diff.changedNodes.length > 3) {
      this.changed.fire(root);
      return;
    }
    for (const name of change.diff.changedNodes) {
      const el = this.elements.get(`${root.id}/node:${name}`);
      this.changed.fire(el ?? root);
    }
  }

  getChildren(element?: TreeElement): TreeElement[] {
    if (!element) {
      if (this.sessions.viewState() !== ViewStates.ready) {
        return [];
      }
      return this.sessions.all.map((s) => this.clusterElement(s));
    }
    if (element instanceof ClusterElement) {
      return this.clusterChildren(element);
    }
    if (element instanceof NodeElement) {
      return this.nodeDetails(element);
    }
    if (element instanceof HostsGroupElement) {
      return hostElements(element, element.parent.session?.snapshot, (id, make) => this.cached(id, make));
    }
    return [];
  }

  private clusterChildren(root: ClusterElement): TreeElement[] {
    const session = root.session;
    if (!session) {
      return [];
    }
    const out: TreeElement[] = [];
    const snapshot = session.snapshot;
    const clusterArg = session.cluster.id;
    if (!session.api) {
      out.push(
        this.cached(
          `${root.id}/action:signIn`,
          () =>
            new ActionElement(
              `${root.id}/action:signIn`,
              root,
              vscode.l10n.t('Sign in to see roles and gateway status'),
              session.apiUrl,
              { command: Commands.signIn, title: vscode.l10n.t('Sign In'), arguments: [clusterArg] },
              { icon: 'account', color: 'charts.blue' },
            ),
        ),
      );
    } else if (snapshot?.api.status === 'error' && !isClusterDown(snapshot)) {
      const tls = snapshot.api.errorKind === 'tls';
      const id = `${root.id}/action:${tls ? 'trust' : 'apiError'}`;
      this.elements.delete(id);
      out.push(
        this.cached(
          id,
          () =>
            new ActionElement(
              id,
              root,
              tls
                ? vscode.l10n.t('The API certificate is not trusted: sign in again to review it')
                : vscode.l10n.t('API unreachable: {0}', snapshot.api.message ?? ''),
              session.apiUrl,
              { command: Commands.signIn, title: vscode.l10n.t('Sign In'), arguments: [clusterArg] },
              { icon: tls ? 'shield' : 'warning', color: 'charts.yellow' },
            ),
        ),
      );
    }
    if (snapshot) {
      out.push(...this.takeoverRows(root, session, snapshot));
    }
    for (const f of snapshot?.cluster.findings ?? []) {
      const id = `${root.id}/finding:${f.id}`;
      this.elements.set(id, new FindingElement(id, root, f));
      out.push(this.elements.get(id) as FindingElement);
    }
    if (snapshot?.hosts) {
      out.push(this.cached(`${root.id}/hosts`, () => new HostsGroupElement(`${root.id}/hosts`, root)));
    }
    for (const n of orderNodes(snapshot?.nodes ?? [])) {
      out.push(
        this.cached(`${root.id}/node:${n.name}`, () => new NodeElement(`${root.id}/node:${n.name}`, root, n.name)),
      );
    }
    return out;
  }

  /** "wacore1 stopped answering: a spare (wacore3) takes over its shard in about 25 s", ticking. */
  private takeoverRows(root: ClusterElement, session: ClusterSession, snapshot: ClusterSnapshot): ActionElement[] {
    const takeover = this.takeoverOf(session);
    const pending = takeover.watch.pending(snapshot, Date.now(), takeover.intervalS);
    if (pending.length > 0 && !this.countdown) {
      this.countdown = setTimeout(() => {
        this.countdown = undefined;
        this.changed.fire(root);
      }, 1000);
    }
    return pending.map((p) => {
      const id = `${root.id}/takeover:${p.node}`;
      const row = new ActionElement(
        id,
        root,
        describeTakeover(p, vscode.l10n.t),
        '',
        { command: Commands.showHealth, title: vscode.l10n.t('Show Health'), arguments: [session.cluster.id] },
        { icon: 'sync~spin', color: 'charts.yellow' },
      );
      this.elements.set(id, row);
      return row;
    });
  }

  /** The command a finding row runs when clicked (cluster/findingActions.ts decides which). */
  private findingCommand(finding: FindingElement): vscode.Command | undefined {
    const clusterId = finding.parent.sessionId;
    const action = findingAction(finding.finding);
    switch (action?.kind) {
      case undefined:
        return undefined;
      case 'registerNumber':
        return { command: Commands.registerNumber, title: vscode.l10n.t('Register Number'), arguments: [clusterId] };
      case 'setShards':
        return { command: Commands.setShards, title: vscode.l10n.t('Set Shards'), arguments: [clusterId] };
      case 'addCoreapp':
        return { command: Commands.addCoreapp, title: vscode.l10n.t('Add Coreapp'), arguments: [clusterId] };
      case 'signIn':
        return { command: Commands.signIn, title: vscode.l10n.t('Sign In'), arguments: [clusterId] };
      case 'showLogs': {
        const node = this.elements.get(`${finding.parent.id}/node:${action.node}`);
        return node ? { command: Commands.showLogs, title: vscode.l10n.t('Show Logs'), arguments: [node] } : undefined;
      }
      case 'openCompose':
        return {
          command: Commands.openComposeAt,
          title: vscode.l10n.t('Open Compose File'),
          arguments: [clusterId, action.service],
        };
    }
  }

  private nodeDetails(element: NodeElement): DetailElement[] {
    const node = element.node;
    if (!node) {
      return [];
    }
    const details: DetailElement[] = [];
    for (const p of node.container?.ports ?? []) {
      if (p.hostPort === undefined) {
        continue;
      }
      const d = describePort(p, vscode.l10n.t);
      const id = `${element.id}/port:${p.containerPort}/${p.protocol}/${p.hostIp ?? ''}:${p.hostPort ?? ''}`;
      details.push(
        new DetailElement(id, element, d.text, vscode.l10n.t('port'), { icon: 'plug', color: undefined }, d.url),
      );
    }
    node.errors.forEach((e, i) => {
      details.push(
        new DetailElement(
          `${element.id}/error:${i}`,
          element,
          `${e.code} ${e.title}`,
          e.details ?? '',
          { icon: 'warning', color: 'charts.yellow' },
          undefined,
        ),
      );
    });
    return details;
  }

  getTreeItem(element: TreeElement): vscode.TreeItem {
    if (element instanceof ClusterElement) {
      const session = element.session;
      const item = new vscode.TreeItem(session?.cluster.projectName ?? '?', vscode.TreeItemCollapsibleState.Expanded);
      item.id = element.id;
      if (session) {
        item.description = session.snapshot
          ? describeCluster(session.snapshot, vscode.l10n.t, session.api !== undefined)
          : vscode.l10n.t('loading…');
        item.iconPath = session.snapshot
          ? themeIcon(clusterLook(session.snapshot))
          : new vscode.ThemeIcon('loading~spin');
        const files = session.cluster.files.map((f) => vscode.workspace.asRelativePath(f)).join(', ');
        item.tooltip = new vscode.MarkdownString(
          `**${session.cluster.projectName}** · ${files}  \nAPI ${session.apiUrl}${session.snapshot?.engine.endpoint ? `  \nDocker ${session.snapshot.engine.endpoint}` : ''}`,
        );
      }
      item.contextValue = 'waCluster.cluster';
      return item;
    }
    if (element instanceof NodeElement) {
      const node = element.node;
      const hasDetails =
        node !== undefined &&
        ((node.container?.ports.some((p) => p.hostPort !== undefined) ?? false) || node.errors.length > 0);
      const item = new vscode.TreeItem(
        element.name,
        hasDetails ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      item.id = element.id;
      if (node) {
        item.description = describeNode(node, vscode.l10n.t);
        item.iconPath = themeIcon(lookOfNode(node));
        const tooltip = new vscode.MarkdownString(nodeTooltip(node, Date.now(), vscode.l10n.t));
        tooltip.supportThemeIcons = true;
        item.tooltip = tooltip;
        item.contextValue = nodeContextValue(node);
      }
      return item;
    }
    if (element instanceof FindingElement) {
      const item = new vscode.TreeItem(element.finding.message, vscode.TreeItemCollapsibleState.None);
      item.id = element.id;
      item.iconPath = themeIcon(findingLook(element.finding));
      const command = this.findingCommand(element);
      item.tooltip = command ? `${element.finding.message}\n\n${command.title}` : element.finding.message;
      item.command = command;
      item.contextValue = `waCluster.finding+${element.finding.severity}`;
      return item;
    }
    if (element instanceof HostsGroupElement) {
      return hostsGroupItem(element, element.parent.session?.snapshot?.hosts ?? []);
    }
    if (element instanceof HostElement) {
      return hostItem(element, element.parent.parent.session?.snapshot);
    }
    if (element instanceof ActionElement) {
      const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
      item.id = element.id;
      item.description = element.detail;
      item.iconPath = themeIcon(element.look);
      item.command = element.command;
      item.contextValue = 'waCluster.action';
      return item;
    }
    const item = new vscode.TreeItem(element.label, vscode.TreeItemCollapsibleState.None);
    item.id = element.id;
    item.description = element.description;
    item.tooltip = element.description ? `${element.label}: ${element.description}` : element.label;
    item.iconPath = themeIcon(element.look);
    if (element.url) {
      item.command = {
        command: 'vscode.open',
        title: vscode.l10n.t('Open'),
        arguments: [vscode.Uri.parse(element.url)],
      };
    }
    item.contextValue = 'waCluster.detail';
    return item;
  }

  getParent(element: TreeElement): TreeElement | undefined {
    return element instanceof ClusterElement ? undefined : element.parent;
  }

  dispose(): void {
    clearTimeout(this.countdown);
    for (const d of this.subscriptions) {
      d.dispose();
    }
  }
}
