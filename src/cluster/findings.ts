import { type HealthReport } from '../api/health';
import { type Translate, english } from '../util/translate';
import { hintFor } from '../api/errors';
import {
  type ApiStatus,
  type ClusterNode,
  type ClusterSummary,
  type EngineStatus,
  type Finding,
  type HostStatus,
} from './types';

/**
 * Whether the cluster is down: Docker answers and none of its web, master or coreapp containers
 * runs (after Down, or before the first Up). Then an unreachable API is the expected consequence
 * of what the user did, not a problem to warn about.
 */
export function isDown(engine: EngineStatus, api: ApiStatus, nodes: readonly ClusterNode[]): boolean {
  return (
    engine.reachable &&
    api.status !== 'ok' &&
    nodes.some((n) => n.container !== null || n.declared) &&
    nodes.every(
      (n) => !(n.kind === 'web' || n.kind === 'master' || n.kind === 'coreapp') || n.container?.state !== 'running',
    )
  );
}

/**
 * Cluster-level findings: what an operator should know, in plain words (wa-api.md §3, §5), worded
 * through `t`. Ids never change with the language.
 */
export function computeFindings(
  s: Omit<ClusterSummary, 'findings'>,
  nodes: readonly ClusterNode[],
  engine: EngineStatus,
  api: ApiStatus,
  health: HealthReport | undefined,
  t: Translate = english,
  hosts?: readonly HostStatus[],
): Finding[] {
  const out: Finding[] = [];
  const unreachableHosts = new Set((hosts ?? []).filter((h) => !h.reachable).map((h) => h.name));
  for (const h of hosts ?? []) {
    if (!h.reachable && h.problem && hosts?.some((x) => x.reachable)) {
      out.push({
        id: `host-unreachable:${h.name}`,
        severity: 'error',
        message: t(
          "Host {0}'s Docker engine is unreachable ({1}): its nodes are shown as unknown.",
          h.name,
          h.problem.message,
        ),
        nodes: nodes.filter((n) => n.host === h.name).map((n) => n.name),
      });
    }
  }
  if (engine.problem) {
    out.push({
      id: 'engine-unreachable',
      severity: 'error',
      message: t('Docker engine unreachable: {0}', engine.problem.message),
    });
  }
  if (api.status === 'error' && !isDown(engine, api, nodes)) {
    const id =
      api.errorKind === 'tls'
        ? 'api-certificate'
        : api.errorKind === 'unauthorized' || api.errorKind === 'passwordChangeRequired'
          ? 'api-auth'
          : 'api-unreachable';
    out.push({
      id,
      severity: 'warning',
      message: api.message ? t('Cluster API: {0}', api.message) : t('Cluster API: unavailable'),
    });
  }
  if (s.registered === false) {
    out.push({
      id: 'not-registered',
      severity: 'info',
      message: t(
        'The number is not registered yet: coreapps stay "not ready" (1011) until it is. Click to register it.',
      ),
    });
  }

  const coreappNames = nodes
    .filter(
      (n) =>
        (n.reportedRole ?? (n.kind === 'coreapp' ? 'coreapp' : undefined)) === 'coreapp' &&
        (n.container ? n.container.state === 'running' : n.healthKey !== undefined),
    )
    .map((n) => n.name);
  if (s.shards !== null && s.registered && s.healthMode === 'cluster') {
    const sh = s.shards;
    const layout = t(
      '{0}, {1}',
      sh === 1 ? t('1 shard') : t('{0} shards', sh),
      s.coreapps === 1 ? t('1 coreapp') : t('{0} coreapps', s.coreapps),
    );
    if (s.connectedCoreapps < sh) {
      const message =
        sh - s.connectedCoreapps === 1
          ? t(
              '{0}/{1} shards connected: messages for the missing shard are not delivered until a spare coreapp takes over.',
              s.connectedCoreapps,
              sh,
            )
          : t(
              '{0}/{1} shards connected: messages for the missing shards are not delivered until a spare coreapp takes over.',
              s.connectedCoreapps,
              sh,
            );
      out.push({ id: 'shards-degraded', severity: 'error', message });
    }
    if (s.coreapps < sh) {
      out.push({
        id: 'too-few-coreapps',
        severity: 'error',
        message: t('{0}: not every shard can have an owner; start more coreapps.', layout),
      });
    } else if (s.coreapps === sh) {
      const loss =
        sh === 1
          ? t('one failure stops all traffic')
          : sh === 2
            ? t('one failure drops half the traffic')
            : t('one failure drops 1/{0} of the traffic', sh);
      out.push({
        id: 'no-spare',
        severity: 'warning',
        message: t('{0}: no spare, {1}.', layout, loss),
        nodes: coreappNames,
      });
    } else {
      const spares = nodes
        .filter((n) => n.standby && (n.reportedRole === 'coreapp' || n.kind === 'coreapp'))
        .map((n) => n.name);
      const count = s.coreapps - sh;
      const who = count === 1 ? t('1 spare') : t('{0} spares', count);
      const message = spares.length
        ? t('{0}: {1} ({2}) can take over a failed shard.', layout, who, spares.join(', '))
        : t('{0}: {1} can take over a failed shard.', layout, who);
      out.push({ id: 'spare-present', severity: 'info', message, nodes: spares });
    }
  }

  if (health?.mode === 'cluster' && health.entries.length === 0) {
    // `{"health": {}}`: the web answers, but no master or coreapp is part of the cluster.
    out.push({
      id: 'health-empty',
      severity: 'error',
      message: t(
        '/v1/health lists no node: no master or coreapp is part of the cluster (are they running, and do they reach the database?).',
      ),
    });
  }
  if (health?.mode === 'cluster') {
    const runningMasters = nodes.filter((n) => n.kind === 'master' && n.container?.state === 'running');
    if (s.masters > 0 && !s.primaryMaster && health.entries.length > 0) {
      out.push({
        id: 'no-primary-master',
        severity: 'warning',
        message: t('No primary master reported: registration, shard changes and failover need one.'),
      });
    }
    if (runningMasters.length === 1 && s.masters === 1) {
      out.push({
        id: 'single-master',
        severity: 'warning',
        message: t('Only one master is running: HA needs at least two masters.'),
        nodes: runningMasters.map((n) => n.name),
      });
    }
  }

  for (const n of nodes) {
    if (
      health?.mode === 'cluster' &&
      (n.kind === 'master' || n.kind === 'coreapp') &&
      n.container?.state === 'running' &&
      !n.healthKey &&
      n.state !== 'starting'
    ) {
      out.push({
        id: `absent-from-health:${n.name}`,
        severity: 'warning',
        message: t(
          '{0} is running but absent from /v1/health: it is not part of the cluster (check COREAPP_HOSTNAME, WA_APP_MULTICONNECT and its log).',
          n.name,
        ),
        nodes: [n.name],
      });
    }
    if (
      n.healthKey &&
      !n.container &&
      engine.reachable &&
      !(n.host !== undefined && unreachableHosts.has(n.host)) &&
      nodes.some((x) => x.container)
    ) {
      out.push({
        id: `health-without-container:${n.name}`,
        severity: 'info',
        message: t('/v1/health reports {0}, which has no container in this project (another host?).', n.healthKey),
        nodes: [n.name],
      });
    }
    for (const e of n.errors) {
      if (e.code !== 1011) {
        const hint = hintFor(e.code);
        out.push({
          id: `node-error:${n.name}:${e.code}`,
          severity: 'error',
          message: `${n.name}: ${e.title} (${e.code})${e.details ? `: ${e.details}` : ''}${hint ? ` — ${hint}` : ''}`,
          nodes: [n.name],
        });
      }
    }
    if (n.unknownGatewayStatus) {
      out.push({
        id: `unknown-gateway-status:${n.name}`,
        severity: 'warning',
        message: t('{0} reports an undocumented gateway status "{1}".', n.name, n.unknownGatewayStatus),
        nodes: [n.name],
      });
    }
    const c = n.container;
    if (
      c &&
      (c.state === 'exited' || c.state === 'dead') &&
      c.exitCode !== undefined &&
      ![0, 137, 143].includes(c.exitCode) &&
      n.kind !== 'other'
    ) {
      out.push({
        id: `container-crashed:${n.name}`,
        severity: 'error',
        message: t('{0} exited with code {1}: see its log.', n.name, c.exitCode),
        nodes: [n.name],
      });
    }
    if (c?.state === 'restarting' && c.restartCount >= 3) {
      out.push({
        id: `crash-loop:${n.name}`,
        severity: 'error',
        message: t('{0} keeps restarting ({1} restarts): see its log.', n.name, c.restartCount),
        nodes: [n.name],
      });
    }
  }

  if (s.versions.length > 1) {
    const byKind = (k: string): string[] => [
      ...new Set(
        nodes
          .filter((n) => n.kind === k && n.container?.state === 'running' && n.container.version)
          .map((n) => n.container!.version!),
      ),
    ];
    const web = byKind('web');
    const cores = [...new Set([...byKind('coreapp'), ...byKind('master')])];
    const message =
      web.length && cores.length && web.join() !== cores.join()
        ? t(
            'Version mismatch between web ({0}) and coreapps/masters ({1}): run every node on the same WA_API_VERSION.',
            web.join(', '),
            cores.join(', '),
          )
        : t('Several versions are running ({0}): run every node on the same WA_API_VERSION.', s.versions.join(', '));
    out.push({ id: 'version-mismatch', severity: 'error', message });
  }
  const order = { error: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => order[a.severity] - order[b.severity]);
}
