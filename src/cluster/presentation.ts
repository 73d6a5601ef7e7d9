import { type Translate, english } from '../util/translate';
import { isDown } from './findings';
import { nodeActions } from './nodeActions';
import { type ClusterNode, type ClusterSnapshot, type Finding, type NodeKind, type NodeState } from './types';

/**
 * How the cluster looks in the explorer and the status bar, as plain data (icon ids, colour ids,
 * words), so the editor layer only maps it onto TreeItems and the wording is unit-tested.
 * Every word goes through a {@link Translate} function (see util/translate.ts).
 */

export interface Look {
  /** A codicon id (`pass-filled`). */
  readonly icon: string;
  /** A theme colour id (`charts.green`), or undefined for the default foreground. */
  readonly color: string | undefined;
}

const stateLooks: Readonly<Record<NodeState, Look>> = {
  connected: { icon: 'pass-filled', color: 'charts.green' },
  standby: { icon: 'circle-large-outline', color: 'charts.blue' },
  starting: { icon: 'loading~spin', color: 'charts.yellow' },
  unregistered: { icon: 'circle-slash', color: 'charts.yellow' },
  error: { icon: 'error', color: 'charts.red' },
  stopped: { icon: 'debug-stop', color: 'disabledForeground' },
  unknown: { icon: 'question', color: undefined },
};

export function lookOfState(state: NodeState): Look {
  return stateLooks[state];
}

/** A node's icon: its state's, except a running container whose application state is unknown (not signed in). */
export function lookOfNode(node: ClusterNode): Look {
  return node.state === 'unknown' && node.container?.state === 'running'
    ? { icon: 'vm-running', color: undefined }
    : stateLooks[node.state];
}

/** db → web → masters → coreapps → anything else; by name within a kind. */
const kindOrder: Readonly<Record<NodeKind, number>> = { db: 0, web: 1, master: 2, coreapp: 3, other: 4 };

export function orderNodes(nodes: readonly ClusterNode[]): ClusterNode[] {
  return [...nodes].sort(
    (a, b) => kindOrder[a.kind] - kindOrder[b.kind] || a.name.localeCompare(b.name, undefined, { numeric: true }),
  );
}

function roleWords(node: ClusterNode, t: Translate): string {
  switch (node.role) {
    case 'primary_master':
      return t('primary master');
    case 'secondary_master':
      return t('secondary master');
    case 'coreapp':
      return t('coreapp');
    case 'web':
      return t('web');
    case 'db':
      return t('database');
    case 'unknown':
      return node.kind === 'master'
        ? t('master')
        : node.kind === 'coreapp'
          ? t('coreapp')
          : node.kind === 'other'
            ? t('service')
            : node.kind === 'web'
              ? t('web')
              : t('database');
  }
}

function stateWords(node: ClusterNode, t: Translate): string {
  const first = node.errors[0];
  switch (node.state) {
    case 'connected':
      // Web and database have no gateway: "connected" only means their container runs.
      return node.kind === 'web' || node.kind === 'db' ? t('running') : t('connected');
    case 'standby':
      return t('standby');
    case 'starting':
      return first ? t('not ready ({0})', first.code) : t('starting');
    case 'unregistered':
      return t('unregistered');
    case 'error':
      return first ? t('error {0}', first.code) : t('failing');
    case 'stopped':
      if (!node.container) {
        return t('not created');
      }
      return node.container.exitCode !== undefined && node.container.exitCode !== 0
        ? t('stopped (exit {0})', node.container.exitCode)
        : t('stopped');
    case 'unknown':
      // No container known: its engine does not answer (an unreachable host), which is not "not created".
      return node.container?.state === 'running' ? t('running') : node.container ? node.container.state : t('unknown');
  }
}

/** "primary master · connected", "coreapp · standby", "coreapp · not ready (1011)". */
export function describeNode(node: ClusterNode, t: Translate = english): string {
  return t('{0} · {1}', roleWords(node, t), stateWords(node, t));
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) {
    return `${s}s`;
  }
  const m = Math.floor(s / 60);
  if (m < 60) {
    return `${m}m ${s % 60}s`;
  }
  const h = Math.floor(m / 60);
  if (h < 48) {
    return `${h}h ${m % 60}m`;
  }
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A published port in words and, for the web's HTTPS port, a link. */
export function describePort(
  p: { containerPort: number; protocol: string; hostIp: string | undefined; hostPort: number | undefined },
  t: Translate = english,
): { text: string; url: string | undefined } {
  if (p.hostPort === undefined) {
    return { text: t('{0} (not published)', `${p.containerPort}/${p.protocol}`), url: undefined };
  }
  const ip =
    p.hostIp === undefined || p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::' ? '127.0.0.1' : p.hostIp;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const url = p.containerPort === 443 ? `https://${host}:${p.hostPort}` : undefined;
  return { text: `${host}:${p.hostPort} → ${p.containerPort}/${p.protocol}`, url };
}

function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** The node's tooltip as Markdown (trusted links only to the ports it publishes). */
export function nodeTooltip(node: ClusterNode, now: number, t: Translate = english): string {
  const lines: string[] = [
    `**${escapeMarkdown(node.name)}** · ${escapeMarkdown(describeNode(node, t))}`,
    '',
    escapeMarkdown(node.stateReason),
  ];
  const c = node.container;
  if (c) {
    lines.push('', t('Container {0} · {1}', `\`${c.shortId}\``, escapeMarkdown(c.status)));
    lines.push(
      c.version
        ? t('Image {0} (version {1})', `\`${c.image}\``, escapeMarkdown(c.version))
        : t('Image {0}', `\`${c.image}\``),
    );
    if (c.uptimeMs !== undefined) {
      lines.push(t('Up {0}', formatUptime(c.uptimeMs)));
    } else if (c.startedAt && c.state === 'running') {
      lines.push(t('Up {0}', formatUptime(now - Date.parse(c.startedAt))));
    }
    if (c.restartCount > 0) {
      lines.push(c.restartCount === 1 ? t('Restarted once') : t('Restarted {0} times', c.restartCount));
    }
    const ports = c.ports.filter((p) => p.hostPort !== undefined).map((p) => describePort(p, t));
    if (ports.length > 0) {
      lines.push(
        t(
          'Ports: {0}',
          ports.map((p) => (p.url ? `[${escapeMarkdown(p.text)}](${p.url})` : escapeMarkdown(p.text))).join(', '),
        ),
      );
    }
  } else {
    lines.push('', t('No container'));
  }
  if (node.healthKey) {
    lines.push(t('Health key {0}', `\`${node.healthKey}\``));
  }
  for (const e of node.errors) {
    lines.push('', `**${e.code}** ${escapeMarkdown(e.title)}${e.details ? `: ${escapeMarkdown(e.details)}` : ''}`);
  }
  return lines.join('  \n');
}

/** `waCluster.node+container+running+coreapp+connected`: one string per node for menus' `viewItem` matches. */
export function nodeContextValue(node: ClusterNode): string {
  const flags: string[] = [node.kind, node.state];
  if (node.container) {
    flags.push('container', node.container.state === 'running' ? 'running' : 'notRunning');
  }
  if (node.errors.length > 0) {
    flags.push('errors');
  }
  // `canStart`, `canStop`, …: what the node's context menu offers (cluster/nodeActions.ts).
  for (const action of nodeActions(node)) {
    flags.push(`can${action.charAt(0).toUpperCase()}${action.slice(1)}`);
  }
  return ['waCluster.node', ...flags].join('+');
}

/** Whether the cluster is down (after Down, or before the first Up): see {@link isDown}. */
export function isClusterDown(snapshot: ClusterSnapshot): boolean {
  return isDown(snapshot.engine, snapshot.api, snapshot.nodes);
}

/** The cluster root's description: "v2.53.2 · 2/2 shards connected · registered"; `signedIn`: the API has credentials. */
export function describeCluster(snapshot: ClusterSnapshot, t: Translate = english, signedIn = false): string {
  const parts: string[] = [];
  const c = snapshot.cluster;
  if (isClusterDown(snapshot)) {
    return t('down');
  }
  if (!snapshot.engine.reachable && snapshot.nodes.every((n) => n.container === null)) {
    parts.push(t('Docker unreachable'));
  }
  if (c.version) {
    parts.push(`v${c.version}`);
  }
  if (c.registered === false) {
    parts.push(t('not registered'));
  } else if (c.shards !== null && c.shards > 0) {
    parts.push(
      c.shards === 1
        ? t('{0}/1 shard connected', Math.min(c.connectedCoreapps, 1))
        : t('{0}/{1} shards connected', Math.min(c.connectedCoreapps, c.shards), c.shards),
    );
  } else if (c.registered === true) {
    parts.push(c.connectedCoreapps === 1 ? t('1 coreapp connected') : t('{0} coreapps connected', c.connectedCoreapps));
  }
  // Signed in, first health answer pending: not "not signed in".
  if (snapshot.api.status === 'off' && !signedIn) {
    parts.push(t('API not signed in'));
  } else if (snapshot.api.status === 'error') {
    parts.push(t('API unreachable'));
  }
  if (parts.length === 0) {
    parts.push(snapshot.nodes.length === 0 ? t('not running') : t('{0} nodes', snapshot.nodes.length));
  }
  return parts.join(' · ');
}

/** The worst thing about the cluster, for the root icon and the status bar colour. */
export function clusterHealth(snapshot: ClusterSnapshot): 'ok' | 'warning' | 'error' | 'stopped' {
  const waNodes = snapshot.nodes.filter((n) => n.kind !== 'other');
  if (!snapshot.engine.reachable && waNodes.every((n) => n.container === null)) {
    return 'error';
  }
  if (waNodes.length === 0 || waNodes.every((n) => n.state === 'stopped') || isClusterDown(snapshot)) {
    return 'stopped';
  }
  if (waNodes.some((n) => n.state === 'error') || snapshot.cluster.findings.some((f) => f.severity === 'error')) {
    return 'error';
  }
  // A declared service that was never created (a spare not started yet) is no problem.
  if (
    snapshot.cluster.findings.some((f) => f.severity === 'warning') ||
    waNodes.some((n) => (n.state === 'stopped' && n.container !== null) || n.state === 'unregistered')
  ) {
    return 'warning';
  }
  return 'ok';
}

const clusterColors = {
  ok: 'charts.green',
  warning: 'charts.yellow',
  error: 'charts.red',
  stopped: 'disabledForeground',
} as const;

export function clusterLook(snapshot: ClusterSnapshot): Look {
  return { icon: 'server-environment', color: clusterColors[clusterHealth(snapshot)] };
}

export function findingLook(finding: Finding): Look {
  return finding.severity === 'error'
    ? { icon: 'error', color: 'charts.red' }
    : finding.severity === 'warning'
      ? { icon: 'warning', color: 'charts.yellow' }
      : { icon: 'info', color: undefined };
}

/** "WA 2/2 ●": the status bar text (codicon syntax), short enough for a crowded bar. */
export function statusBarText(snapshot: ClusterSnapshot, t: Translate = english): string {
  const c = snapshot.cluster;
  const health = clusterHealth(snapshot);
  const dot =
    health === 'ok'
      ? '$(pass-filled)'
      : health === 'warning'
        ? '$(warning)'
        : health === 'error'
          ? '$(error)'
          : '$(debug-stop)';
  if (!snapshot.engine.reachable && snapshot.nodes.every((n) => n.container === null)) {
    return `${dot} ${t('WA: Docker unreachable')}`;
  }
  if (isClusterDown(snapshot)) {
    return `${dot} ${t('WA down')}`;
  }
  if (c.shards !== null && c.shards > 0 && c.registered !== false) {
    return `${dot} WA ${Math.min(c.connectedCoreapps, c.shards)}/${c.shards}`;
  }
  if (c.registered === false) {
    return `${dot} ${t('WA unregistered')}`;
  }
  const created = snapshot.nodes.filter((n) => n.container !== null);
  if (created.length === 0) {
    return `${dot} ${t('WA: not running')}`;
  }
  const running = created.filter((n) => n.container?.state === 'running').length;
  return `${dot} ${t('WA {0}/{1} up', running, created.length)}`;
}

/**
 * Why the cluster is amber or red, one line per reason (the status bar's tooltip): the findings
 * that are warnings or errors, nodes that stopped after having run, an unregistered number.
 * Empty when the cluster is fine or down.
 */
export function healthReasons(snapshot: ClusterSnapshot, t: Translate = english): string[] {
  const health = clusterHealth(snapshot);
  if (health === 'ok' || health === 'stopped') {
    return [];
  }
  const reasons = snapshot.cluster.findings
    .filter((f) => f.severity === 'error' || f.severity === 'warning')
    .map((f) => f.message);
  const waNodes = snapshot.nodes.filter((n) => n.kind !== 'other');
  for (const n of waNodes) {
    if (n.state === 'error' && !snapshot.cluster.findings.some((f) => f.nodes?.includes(n.name))) {
      reasons.push(t('{0}: {1}', n.name, n.stateReason));
    }
  }
  const stopped = waNodes.filter((n) => n.state === 'stopped' && n.container !== null).map((n) => n.name);
  if (stopped.length > 0) {
    reasons.push(stopped.length === 1 ? t('{0} is stopped.', stopped[0]!) : t('{0} are stopped.', stopped.join(', ')));
  }
  if (snapshot.cluster.registered === false) {
    reasons.push(t('The number is not registered.'));
  }
  if (reasons.length === 0 && !snapshot.engine.reachable) {
    reasons.push(t('Docker unreachable'));
  }
  return reasons;
}
