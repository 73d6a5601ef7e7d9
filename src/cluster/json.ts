import { type ClusterSnapshot, type HostStatus, type NodeRole, type NodeState, type Severity } from './types';
import { forTerminal } from '../util/terminal';

/**
 * The stable JSON contract of `cli status --format json` (issue 5). Only add fields; never rename.
 */
export interface StatusJson {
  cluster: {
    version: string | null;
    registered: boolean | null;
    shards: number | null;
    connectedCoreapps: number;
    findings: { id: string; severity: Severity; message: string }[];
  };
  nodes: {
    name: string;
    role: NodeRole;
    gatewayStatus: string | null;
    state: NodeState;
    errors: { code: number; title: string; details: string | null }[];
    container: {
      id: string;
      name: string;
      image: string;
      state: string;
      health: string;
      status: string;
      restartCount: number;
      startedAt: string | null;
      exitCode: number | null;
      ports: { container: number; protocol: string; hostIp: string | null; host: number | null }[];
    } | null;
    /** The inventory host it runs on; null without an inventory (one engine). */
    host: string | null;
  }[];
  /** Every inventory host's engine; empty without an inventory. */
  hosts: {
    name: string;
    endpoint: string | null;
    reachable: boolean;
    problem: string | null;
    dockerVersion: string | null;
    latencyMs: number | null;
  }[];
  engine: { reachable: boolean; endpoint: string | null; problem: string | null };
  api: { status: 'ok' | 'error' | 'off'; error: string | null };
}

export function snapshotToJson(s: ClusterSnapshot): StatusJson {
  return {
    cluster: {
      version: s.cluster.version ?? null,
      registered: s.cluster.registered,
      shards: s.cluster.shards,
      connectedCoreapps: s.cluster.connectedCoreapps,
      findings: s.cluster.findings.map((f) => ({ id: f.id, severity: f.severity, message: f.message })),
    },
    nodes: s.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      gatewayStatus: n.gatewayStatus ?? n.unknownGatewayStatus ?? null,
      state: n.state,
      errors: n.errors.map((e) => ({ code: e.code, title: e.title, details: e.details ?? null })),
      container: n.container
        ? {
            id: n.container.shortId,
            name: n.container.name,
            image: n.container.image,
            state: n.container.state,
            health: n.container.health,
            status: n.container.status,
            restartCount: n.container.restartCount,
            startedAt: n.container.startedAt ?? null,
            exitCode: n.container.exitCode ?? null,
            ports: n.container.ports.map((p) => ({
              container: p.containerPort,
              protocol: p.protocol,
              hostIp: p.hostIp ?? null,
              host: p.hostPort ?? null,
            })),
          }
        : null,
      host: n.host ?? null,
    })),
    hosts: (s.hosts ?? []).map((h) => ({
      name: h.name,
      endpoint: h.endpoint ?? null,
      reachable: h.reachable,
      problem: h.problem?.message ?? null,
      dockerVersion: h.version ?? null,
      latencyMs: h.latencyMs ?? null,
    })),
    engine: {
      reachable: s.engine.reachable,
      endpoint: s.engine.endpoint ?? null,
      problem: s.engine.problem?.message ?? null,
    },
    api: { status: s.api.status, error: s.api.message ?? null },
  };
}

/** A plain-text table of the snapshot (CLI `--format text`); text from the cluster is made safe for a terminal. */
export function snapshotToText(s: ClusterSnapshot): string {
  const c = s.cluster;
  const lines: string[] = [];
  const head = [
    s.project ? `project ${s.project}` : undefined,
    c.version ? `version ${c.version}` : c.versions.length ? `versions ${c.versions.join(', ')}` : undefined,
    c.registered === null ? 'registration unknown' : c.registered ? 'registered' : 'not registered',
    c.shards !== null
      ? `${c.connectedCoreapps}/${c.shards} shards connected`
      : `${c.connectedCoreapps} coreapp(s) connected`,
  ].filter(Boolean);
  lines.push(forTerminal(head.join(' · ')));
  if (!s.engine.reachable && s.engine.problem) {
    lines.push(forTerminal(`Docker: ${s.engine.problem.message}`));
  }
  for (const h of s.hosts ?? []) {
    lines.push(forTerminal(`host ${h.name}: ${hostLine(h)}`));
  }
  const byHost = s.hosts !== undefined;
  const rows = s.nodes.map((n) =>
    [
      n.name,
      ...(byHost ? [n.host ?? '-'] : []),
      n.role,
      n.state,
      n.gatewayStatus ?? n.unknownGatewayStatus ?? '-',
      n.container
        ? `${byHost ? `${n.container.shortId} ` : ''}${n.container.state}${n.container.health !== 'none' ? ` (${n.container.health})` : ''}`
        : '-',
      n.container
        ? // Docker lists a published port once per address family (0.0.0.0 and ::): one column entry each.
          [
            ...new Set(n.container.ports.filter((p) => p.hostPort).map((p) => `${p.hostPort}->${p.containerPort}`)),
          ].join(',') || '-'
        : '-',
      n.stateReason,
    ].map(forTerminal),
  );
  const header = ['NODE', ...(byHost ? ['HOST'] : []), 'ROLE', 'STATE', 'GATEWAY', 'CONTAINER', 'PORTS', 'WHY'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => all.reduce((w, r) => Math.max(w, (r[i] ?? '').length), 0));
  for (const r of all) {
    lines.push(
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
  }
  if (c.findings.length) {
    lines.push('');
    for (const f of c.findings) {
      lines.push(`${f.severity.toUpperCase().padEnd(7)} ${forTerminal(f.message)}`);
    }
  }
  return lines.join('\n');
}

/** `reachable · Docker 20.10.24 · 3 ms · ssh://root@10.0.0.2`, or why it is not. */
function hostLine(h: HostStatus): string {
  return h.reachable
    ? [
        'reachable',
        h.version ? `Docker ${h.version}` : undefined,
        h.latencyMs !== undefined ? `${h.latencyMs} ms` : undefined,
        h.endpoint,
      ]
        .filter(Boolean)
        .join(' · ')
    : `UNREACHABLE${h.problem ? ` (${h.problem.message})` : ''}${h.endpoint ? ` · ${h.endpoint}` : ''}`;
}
