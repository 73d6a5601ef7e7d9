import * as vscode from 'vscode';
import { describeHost, describeHostsGroup, hostLook, hostTooltip, hostsGroupLook } from '../cluster/hostsPresentation';
import { type Look } from '../cluster/presentation';
import { type ClusterSnapshot, type HostStatus } from '../cluster/types';

/** The "Hosts" group of a cluster that spans several Docker hosts (an inventory). */
export class HostsGroupElement<P> {
  readonly kind = 'hosts';
  constructor(
    readonly id: string,
    readonly parent: P,
  ) {}
}

/** One inventory host's engine: reachability, Docker version, latency. */
export class HostElement<P> {
  readonly kind = 'host';
  constructor(
    readonly id: string,
    readonly parent: HostsGroupElement<P>,
    readonly name: string,
  ) {}
}

function themeIcon(look: Look): vscode.ThemeIcon {
  return new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
}

/** The group's children: one element per host, in inventory order. */
export function hostElements<P>(
  group: HostsGroupElement<P>,
  snapshot: ClusterSnapshot | undefined,
  cached: (id: string, make: () => HostElement<P>) => HostElement<P>,
): HostElement<P>[] {
  return (snapshot?.hosts ?? []).map((h) =>
    cached(`${group.id}/${h.name}`, () => new HostElement(`${group.id}/${h.name}`, group, h.name)),
  );
}

export function hostsGroupItem(group: HostsGroupElement<unknown>, hosts: readonly HostStatus[]): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Hosts'), vscode.TreeItemCollapsibleState.Expanded);
  item.id = group.id;
  item.description = describeHostsGroup(hosts, vscode.l10n.t);
  item.iconPath = themeIcon(hostsGroupLook(hosts));
  item.contextValue = 'waCluster.hosts';
  return item;
}

export function hostItem(element: HostElement<unknown>, snapshot: ClusterSnapshot | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(element.name, vscode.TreeItemCollapsibleState.None);
  item.id = element.id;
  const h = snapshot?.hosts?.find((x) => x.name === element.name);
  if (h) {
    item.description = describeHost(h, vscode.l10n.t);
    item.iconPath = themeIcon(hostLook(h));
    const nodes = snapshot?.nodes.filter((n) => n.host === h.name).map((n) => n.name) ?? [];
    item.tooltip = new vscode.MarkdownString(hostTooltip(h, nodes, vscode.l10n.t));
  }
  item.contextValue = h?.reachable ? 'waCluster.host+reachable' : 'waCluster.host+unreachable';
  return item;
}
