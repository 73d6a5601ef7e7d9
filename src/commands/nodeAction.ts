import * as vscode from 'vscode';
import {
  actionImpact,
  composeArgs,
  DEFAULT_UNHEALTHY_INTERVAL_S,
  expectedQuietMs,
  nodeActions,
  type NodeAction,
} from '../cluster/nodeActions';
import { describeNode } from '../cluster/presentation';
import { type ClusterNode } from '../cluster/types';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';
import { safeFirst } from '../util/safeChoice';
import { inventoryClusterFor } from './inventoryCluster';
import { isNodeArg } from './logTargets';
import { isOptionsArg, pickCluster } from './pickCluster';

/** What a script, task or test may pass instead of a tree node: `{ cluster, node }`. */
interface NodeOptions {
  readonly cluster?: string;
  readonly node?: string;
}

function titleOf(action: NodeAction): string {
  switch (action) {
    case 'start':
      return vscode.l10n.t('Start which node?');
    case 'stop':
      return vscode.l10n.t('Stop which node?');
    case 'restart':
      return vscode.l10n.t('Restart which node?');
    case 'recreate':
      return vscode.l10n.t('Recreate which node?');
  }
}

function progressOf(action: NodeAction, node: string, project: string): string {
  switch (action) {
    case 'start':
      return vscode.l10n.t('Starting {0} of {1}…', node, project);
    case 'stop':
      return vscode.l10n.t('Stopping {0} of {1}…', node, project);
    case 'restart':
      return vscode.l10n.t('Restarting {0} of {1}…', node, project);
    case 'recreate':
      return vscode.l10n.t('Recreating {0} of {1}…', node, project);
  }
}

/** The node of a tree item, the one named by a script, or the user's pick among those that offer the action. */
async function resolveNode(
  services: Services,
  action: NodeAction,
  arg: unknown,
): Promise<{ session: ClusterSession; node: ClusterNode } | undefined> {
  const options = isOptionsArg<NodeOptions>(arg, ['cluster', 'node']) ? arg : undefined;
  const session = await pickCluster(services.sessions, options?.cluster ?? arg);
  if (!session) {
    return undefined;
  }
  const nodes = session.snapshot?.nodes ?? [];
  const named = isNodeArg(arg) ? (arg.node?.name ?? arg.name) : options?.node;
  if (named !== undefined) {
    const node = nodes.find((n) => n.name === named);
    if (!node) {
      throw new Error(vscode.l10n.t('{0} has no node {1}.', session.cluster.projectName, named));
    }
    return { session, node };
  }
  const offering = nodes.filter((n) => nodeActions(n).includes(action));
  if (offering.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No node of {0} offers this now.', session.cluster.projectName),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    offering.map((n) => ({ label: n.name, description: describeNode(n, vscode.l10n.t), node: n })),
    { title: titleOf(action), matchOnDescription: true },
  );
  return picked ? { session, node: picked.node } : undefined;
}

/** `unhealthy_interval` of the cluster (seconds), for the words of the warning; the default when it cannot be read. */
async function unhealthyInterval(session: ClusterSession): Promise<number> {
  try {
    const settings = await session.api?.getApplicationSettings({ timeoutMs: 3000 });
    const value = settings?.unhealthy_interval;
    return typeof value === 'number' && value > 0 ? value : DEFAULT_UNHEALTHY_INTERVAL_S;
  } catch {
    return DEFAULT_UNHEALTHY_INTERVAL_S;
  }
}

/**
 * Start, Stop, Restart or Recreate one node with the real Compose CLI. What the user asks for is
 * no news (the notifier stays quiet about that service, the history still logs it); Stop or
 * Restart of a shard owner or the primary master says first what will happen
 * (cluster/nodeActions.ts decides), and goes ahead only when the user agrees.
 */
export async function runNodeAction(services: Services, action: NodeAction, arg?: unknown): Promise<void> {
  const target = await resolveNode(services, action, arg);
  if (!target) {
    return;
  }
  const { session, node } = target;
  if (!nodeActions(node).includes(action) || node.service === undefined) {
    throw new Error(vscode.l10n.t('{0} does not offer this now ({1}).', node.name, describeNode(node, vscode.l10n.t)));
  }
  const interval =
    session.snapshot && action !== 'start' ? await unhealthyInterval(session) : DEFAULT_UNHEALTHY_INTERVAL_S;
  const impact = session.snapshot ? actionImpact(session.snapshot, node, action, vscode.l10n.t, interval) : undefined;
  if (impact) {
    // Enter (the first button) keeps the node running: stopping traffic is always an explicit choice.
    const keep = { title: vscode.l10n.t('Keep It Running'), risky: false };
    const goOn = { title: impact.goOn, risky: true };
    const answer = await vscode.window.showWarningMessage(
      impact.question,
      { modal: true, detail: impact.detail },
      ...safeFirst([keep, goOn]),
    );
    if (answer?.title !== goOn.title) {
      return;
    }
  }
  const project = session.cluster.projectName;
  services.log.info(`${project}: ${action} ${node.name} (asked by the user)`);
  // With an inventory the node's own host runs Compose, never the local engine by accident.
  const host = node.host;
  const inventory = host !== undefined ? await inventoryClusterFor(services, session) : undefined;
  try {
    const runner =
      inventory && host !== undefined ? await inventory.runner(host) : await services.compose.runnerFor(session);
    await services.compose.runVisibly(
      session,
      runner,
      composeArgs(action, node),
      progressOf(action, node.name, project),
    );
  } finally {
    await inventory?.dispose();
  }
  // Its consequences (a failover after unhealthy_interval) are what the user was told about.
  services.sessions.expectChanges(session, expectedQuietMs(impact, interval), [node.service]);
  await session.monitor.refresh();
}
