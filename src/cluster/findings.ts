import { type HealthReport } from '../api/health';
import { hintFor } from '../api/errors';
import { type ApiStatus, type ClusterNode, type ClusterSummary, type EngineStatus, type Finding } from './types';

/** Cluster-level findings: what an operator should know, in plain words (wa-api.md §3, §5). */
export function computeFindings(s: Omit<ClusterSummary, 'findings'>, nodes: readonly ClusterNode[], engine: EngineStatus, api: ApiStatus, health: HealthReport | undefined, _now: number): Finding[] {
  const out: Finding[] = [];
  if (engine.problem) {
    out.push({ id: 'engine-unreachable', severity: 'error', message: `Docker engine unreachable: ${engine.problem.message}` });
  }
  if (api.status === 'error') {
    const id = api.errorKind === 'tls' ? 'api-certificate' : api.errorKind === 'unauthorized' || api.errorKind === 'passwordChangeRequired' ? 'api-auth' : 'api-unreachable';
    out.push({ id, severity: 'warning', message: `Cluster API: ${api.message ?? 'unavailable'}` });
  }
  if (s.registered === false) {
    out.push({ id: 'not-registered', severity: 'info', message: 'The number is not registered yet: coreapps stay "not ready" (1011) until it is (POST /v1/account).' });
  }

  const coreappNames = nodes.filter((n) => (n.reportedRole ?? (n.kind === 'coreapp' ? 'coreapp' : undefined)) === 'coreapp' && (n.container ? n.container.state === 'running' : n.healthKey !== undefined)).map((n) => n.name);
  if (s.shards !== null && s.registered && s.healthMode === 'cluster') {
    const sh = s.shards;
    const shardWord = `${sh} shard${sh === 1 ? '' : 's'}`;
    const coreWord = `${s.coreapps} coreapp${s.coreapps === 1 ? '' : 's'}`;
    if (s.connectedCoreapps < sh) {
      out.push({ id: 'shards-degraded', severity: 'error', message: `${s.connectedCoreapps}/${sh} shards connected: messages for the missing shard${sh - s.connectedCoreapps === 1 ? '' : 's'} are not delivered until a spare coreapp takes over.` });
    }
    if (s.coreapps < sh) {
      out.push({ id: 'too-few-coreapps', severity: 'error', message: `${shardWord}, ${coreWord}: not every shard can have an owner; start more coreapps.` });
    } else if (s.coreapps === sh) {
      const loss = sh === 1 ? 'one failure stops all traffic' : sh === 2 ? 'one failure drops half the traffic' : `one failure drops 1/${sh} of the traffic`;
      out.push({ id: 'no-spare', severity: 'warning', message: `${shardWord}, ${coreWord}: no spare, ${loss}.`, nodes: coreappNames });
    } else {
      const spares = nodes.filter((n) => n.standby && (n.reportedRole === 'coreapp' || n.kind === 'coreapp')).map((n) => n.name);
      const count = s.coreapps - sh;
      out.push({ id: 'spare-present', severity: 'info', message: `${shardWord}, ${coreWord}: ${count} spare${count === 1 ? '' : 's'}${spares.length ? ` (${spares.join(', ')})` : ''} can take over a failed shard.`, nodes: spares });
    }
  }

  if (health?.mode === 'cluster') {
    const runningMasters = nodes.filter((n) => n.kind === 'master' && n.container?.state === 'running');
    if (s.masters > 0 && !s.primaryMaster && health.entries.length > 0) {
      out.push({ id: 'no-primary-master', severity: 'warning', message: 'No primary master reported: registration, shard changes and failover need one.' });
    }
    if (runningMasters.length === 1 && s.masters === 1) {
      out.push({ id: 'single-master', severity: 'warning', message: 'Only one master is running: HA needs at least two masters.', nodes: runningMasters.map((n) => n.name) });
    }
  }

  for (const n of nodes) {
    if (health?.mode === 'cluster' && (n.kind === 'master' || n.kind === 'coreapp') && n.container?.state === 'running' && !n.healthKey && n.state !== 'starting') {
      out.push({ id: `absent-from-health:${n.name}`, severity: 'warning', message: `${n.name} is running but absent from /v1/health: it is not part of the cluster (check COREAPP_HOSTNAME, WA_APP_MULTICONNECT and its log).`, nodes: [n.name] });
    }
    if (n.healthKey && !n.container && engine.reachable && nodes.some((x) => x.container)) {
      out.push({ id: `health-without-container:${n.name}`, severity: 'info', message: `/v1/health reports ${n.healthKey}, which has no container in this project (another host?).`, nodes: [n.name] });
    }
    for (const e of n.errors) {
      if (e.code !== 1011) {
        const hint = hintFor(e.code);
        out.push({ id: `node-error:${n.name}:${e.code}`, severity: 'error', message: `${n.name}: ${e.title} (${e.code})${e.details ? `: ${e.details}` : ''}${hint ? ` — ${hint}` : ''}`, nodes: [n.name] });
      }
    }
    if (n.unknownGatewayStatus) {
      out.push({ id: `unknown-gateway-status:${n.name}`, severity: 'warning', message: `${n.name} reports an undocumented gateway status "${n.unknownGatewayStatus}".`, nodes: [n.name] });
    }
    const c = n.container;
    if (c && (c.state === 'exited' || c.state === 'dead') && c.exitCode !== undefined && ![0, 137, 143].includes(c.exitCode) && n.kind !== 'other') {
      out.push({ id: `container-crashed:${n.name}`, severity: 'error', message: `${n.name} exited with code ${c.exitCode}: see its log.`, nodes: [n.name] });
    }
    if (c?.state === 'restarting' && c.restartCount >= 3) {
      out.push({ id: `crash-loop:${n.name}`, severity: 'error', message: `${n.name} keeps restarting (${c.restartCount} restarts): see its log.`, nodes: [n.name] });
    }
  }

  if (s.versions.length > 1) {
    const byKind = (k: string): string[] => [...new Set(nodes.filter((n) => n.kind === k && n.container?.state === 'running' && n.container.version).map((n) => n.container!.version!))];
    const web = byKind('web');
    const cores = [...new Set([...byKind('coreapp'), ...byKind('master')])];
    const message = web.length && cores.length && web.join() !== cores.join()
      ? `Version mismatch between web (${web.join(', ')}) and coreapps/masters (${cores.join(', ')}): run every node on the same WA_API_VERSION.`
      : `Several versions are running (${s.versions.join(', ')}): run every node on the same WA_API_VERSION.`;
    out.push({ id: 'version-mismatch', severity: 'error', message });
  }
  const order = { error: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => order[a.severity] - order[b.severity]);
}
