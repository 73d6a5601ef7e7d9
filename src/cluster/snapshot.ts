import { type HealthEntry, type HealthReport } from '../api/health';
import { type ContainerDetails } from '../docker/types';
import { isTruthyFlag } from '../compose/roles';
import { classifyContainer, classifyName, normalizeVersion, versionFromImage } from './classify';
import { type Translate } from '../util/translate';
import { computeFindings } from './findings';
import {
  type ApiStatus,
  type ClusterNode,
  type ClusterSnapshot,
  type ClusterSummary,
  type DeclaredService,
  type EngineStatus,
  type HostStatus,
  type NodeContainer,
  type NodeKind,
  type NodeRole,
  type NodeState,
} from './types';

export interface SnapshotInput {
  readonly now: number;
  readonly project: string | undefined;
  /** Compose services; undefined when no compose model is available. */
  readonly declared?: readonly DeclaredService[] | undefined;
  /** The project's containers; undefined when Docker was not asked or is unreachable. */
  readonly containers?: readonly ContainerDetails[] | undefined;
  readonly engine?: EngineStatus;
  /** The health report, or undefined when the API was not queried or failed (see `api`). */
  readonly health?: HealthReport | undefined;
  readonly api?: ApiStatus;
  /** From `GET /v1/account/shards`, when known. */
  readonly shards?: number | undefined;
  /** The previous snapshot, to remember the shard count during a failover. */
  readonly previous?: ClusterSnapshot | undefined;
  /** Words the findings (default English). */
  readonly translate?: Translate | undefined;
  /**
   * With an inventory: every host's engine, containers and declared services, in inventory order.
   * Replaces `containers`, `declared` and `engine`; each node then carries its host.
   */
  readonly hosts?: readonly HostInput[] | undefined;
}

/** One inventory host's part of a snapshot. */
export interface HostInput {
  readonly status: HostStatus;
  /** Its project containers; undefined when its engine is unreachable (or not asked yet). */
  readonly containers?: readonly ContainerDetails[] | undefined;
  /** The services its compose files declare (interpolated with its env files). */
  readonly declared?: readonly DeclaredService[] | undefined;
}

/** Containers and declared services of one engine: the only one without an inventory, or one host's. */
interface HostGroup {
  readonly host: string | undefined;
  readonly externalHostname: string | undefined;
  readonly reachable: boolean;
  readonly problem: string | undefined;
  readonly containers: readonly ContainerDetails[];
  readonly declared: readonly DeclaredService[];
}

/** `wacore2` before `wacore10`. One collator: `localeCompare` with options builds one per call (seconds for 100k nodes). */
const byNumericName = new Intl.Collator(undefined, { numeric: true });

/** A node is given this long after start before "absent from health" counts against it. */
export const START_GRACE_MS = 90_000;

const ENGINE_UNKNOWN: EngineStatus = { reachable: false, endpoint: undefined, problem: undefined };
const API_OFF: ApiStatus = { status: 'off', errorKind: undefined, message: undefined, fingerprint256: undefined };

/**
 * Merges declared services, actual containers and `/v1/health` into one snapshot. Pure: same input,
 * same output; tolerant of any part missing.
 */
export function buildSnapshot(input: SnapshotInput): ClusterSnapshot {
  const engine = input.hosts
    ? combinedEngine(input.hosts.map((h) => h.status))
    : (input.engine ??
      (input.containers ? { reachable: true, endpoint: undefined, problem: undefined } : ENGINE_UNKNOWN));
  const api = input.api ?? (input.health ? { ...API_OFF, status: 'ok' as const } : API_OFF);
  const declaredUpgrades = new Set(
    [...(input.declared ?? []), ...(input.hosts ?? []).flatMap((h) => h.declared ?? [])]
      .filter((d) => d.dbUpgrade)
      .map((d) => d.name),
  );
  const ours = (list: readonly ContainerDetails[] | undefined): ContainerDetails[] =>
    currentReplicas(
      (list ?? []).filter(
        (c) =>
          !c.oneoff &&
          (input.project === undefined || c.project === undefined || c.project === input.project) &&
          !finishedDbUpgrade(c, declaredUpgrades),
      ),
    );
  const groups: HostGroup[] = input.hosts
    ? input.hosts.map((h) => ({
        host: h.status.name,
        externalHostname: h.status.externalHostname,
        reachable: h.status.reachable,
        problem: h.status.problem?.message,
        containers: ours(h.containers),
        declared: h.declared ?? [],
      }))
    : [
        {
          host: undefined,
          externalHostname: undefined,
          reachable: engine.reachable,
          problem: undefined,
          containers: ours(input.containers),
          declared: input.declared ?? [],
        },
      ];
  const entries = input.health?.entries ?? [];
  const single = input.health?.mode === 'single';

  // --- 1. one draft per container (declared services without a container come after) --------
  interface Draft {
    name: string;
    service: string | undefined;
    kind: NodeKind;
    container: ContainerDetails | undefined;
    entry: HealthEntry | undefined;
    declared: boolean;
    hostname: string | undefined;
    group: HostGroup;
  }
  const drafts: Draft[] = [];
  for (const group of groups) {
    // Every host runs the same compose file: `host2/wacore` tells its wacore from the others.
    const prefix = group.host !== undefined ? `${group.host}/` : '';
    const declared = new Map(group.declared.map((d) => [d.name, d]));
    const perService = new Map<string, number>();
    for (const c of group.containers) {
      if (c.service) {
        perService.set(c.service, (perService.get(c.service) ?? 0) + 1);
      }
    }
    const first = drafts.length;
    for (const c of [...group.containers].sort(byServiceAndNumber)) {
      const service = c.service;
      const decl = service ? declared.get(service) : undefined;
      const scaled = service !== undefined && (perService.get(service) ?? 0) > 1;
      const name = service ? (scaled ? `${service}-${c.containerNumber ?? c.id.slice(0, 6)}` : service) : c.name;
      drafts.push({
        name: prefix + name,
        service,
        kind: decl && decl.kind !== 'other' ? decl.kind : classifyContainer(c.image, c.env, service),
        container: c,
        entry: undefined,
        declared: decl !== undefined,
        hostname: c.env.COREAPP_HOSTNAME ?? c.env.WEBAPP_HOSTNAME ?? decl?.hostname,
        group,
      });
    }
    const withContainer = new Set(drafts.slice(first).map((x) => x.service));
    for (const d of group.declared) {
      // A DB-upgrade job that is not running is no node (it ran, or runs only during an upgrade).
      if (!d.dbUpgrade && !withContainer.has(d.name)) {
        drafts.push({
          name: prefix + d.name,
          service: d.name,
          // The kind a container of this service would get, so the order never depends on state.
          kind: d.kind !== 'other' ? d.kind : classifyContainer(d.image ?? '', {}, d.name),
          container: undefined,
          entry: undefined,
          declared: true,
          hostname: d.hostname,
          group,
        });
      }
    }
  }

  // --- 2. match health entries to drafts ----------------------------------------------------
  // The key is `<hostname>:<container id>` (most likely COREAPP_HOSTNAME + Docker's short id, not
  // confirmed by the vendor), so try the strongest evidence first and fall back step by step.
  const unmatched: HealthEntry[] = [];
  if (single) {
    const e = entries[0];
    const target = drafts.find((d) => d.kind === 'coreapp') ?? drafts.find((d) => d.kind === 'web');
    if (e && target) {
      target.entry = e;
    } else if (e) {
      unmatched.push(e);
    }
  } else {
    const pending = [...entries];
    // Across hosts, an entry's hostname is its host's EXTERNAL_HOSTNAME: only that host's nodes can be it.
    const onItsHost = (d: Draft, e: HealthEntry): boolean =>
      d.group.externalHostname === undefined || !e.hostname || d.group.externalHostname === e.hostname;
    const passes: ((d: Draft, e: HealthEntry) => boolean)[] = [
      (d, e) =>
        !!d.container &&
        !!e.containerId &&
        e.containerId.length >= 6 &&
        d.container.id.startsWith(e.containerId.toLowerCase()),
      (d, e) => !!d.container?.hostname && !!e.containerId && d.container.hostname === e.containerId,
      (d, e) =>
        !!d.hostname &&
        d.hostname === e.hostname &&
        (d.kind === 'master' || d.kind === 'coreapp' || d.kind === 'other'),
      (d, e) => (d.service === e.hostname || d.name === e.hostname) && d.kind !== 'web' && d.kind !== 'db',
      // Across hosts, last: the host's EXTERNAL_HOSTNAME and the role (its engine does not answer, so no id).
      (d, e) =>
        d.group.externalHostname !== undefined &&
        d.group.externalHostname === e.hostname &&
        (d.kind === 'master' || d.kind === 'coreapp') &&
        kindFitsRole(d.kind, e.role),
    ];
    for (const pass of passes) {
      for (const e of [...pending]) {
        const candidates = drafts.filter((d) => !d.entry && onItsHost(d, e) && pass(d, e));
        // Prefer the node of the entry's role (a host's master and coreapp share EXTERNAL_HOSTNAME),
        // then a running container when several share a hostname (e.g. a recreated one).
        const fits = candidates.filter((c) => kindFitsRole(c.kind, e.role));
        const pool = fits.length > 0 ? fits : candidates;
        const d = pool.find((c) => c.container?.state === 'running') ?? pool[0];
        if (d) {
          d.entry = e;
          pending.splice(pending.indexOf(e), 1);
        }
      }
    }
    // A loop, not push(...pending): spreading >~130k entries into one call overflows the stack.
    for (const e of pending) {
      unmatched.push(e);
    }
  }
  // Health entries without a container here (another host, or Docker unreachable) are nodes too.
  const taken = new Set(drafts.map((d) => d.name));
  for (const e of unmatched) {
    const role = e.role;
    // A second entry for a hostname already shown (a recreated node's old key lingers for a
    // while) is told apart by its container id: node names are the tree's ids.
    const group = groups.find((g) => g.externalHostname !== undefined && g.externalHostname === e.hostname) ?? {
      ...groups[0]!,
      host: undefined,
      externalHostname: undefined,
    };
    let name = (group.host !== undefined ? `${group.host}/` : '') + (e.hostname || e.key || 'instance');
    if (taken.has(name)) {
      name = `${name} (${e.containerId ?? e.key})`;
    }
    taken.add(name);
    drafts.push({
      name,
      service: undefined,
      kind: role === 'coreapp' ? 'coreapp' : role ? 'master' : classifyName(e.hostname),
      container: undefined,
      entry: e,
      declared: false,
      hostname: e.hostname,
      group,
    });
  }

  // --- 3. per-node state --------------------------------------------------------------------
  const unregisteredCluster = entries.some((e) => e.gatewayStatus === 'unregistered');
  const nodes: ClusterNode[] = drafts.map((d) => {
    const container = d.container ? toNodeContainer(d.container, input.now) : null;
    // A host whose engine does not answer: its nodes are unknown, not stopped (they may well run).
    const hostDown = d.group.host !== undefined && !d.group.reachable;
    const { state, reason } = hostDown
      ? {
          state: 'unknown' as const,
          reason: `host ${d.group.host} unreachable${d.group.problem ? `: ${d.group.problem}` : ''}`,
        }
      : deriveState(d.kind, container, d.entry, {
          single,
          unregisteredCluster,
          healthKnown: input.health !== undefined,
          engineReachable: d.group.reachable,
          api,
          now: input.now,
        });
    const reportedRole = d.entry?.role;
    const role: NodeRole =
      reportedRole ??
      (d.kind === 'coreapp' ? 'coreapp' : d.kind === 'web' ? 'web' : d.kind === 'db' ? 'db' : 'unknown');
    const gatewayStatus = d.entry?.gatewayStatus;
    const isCoreapp = reportedRole === 'coreapp' || (reportedRole === undefined && d.kind === 'coreapp');
    return {
      name: d.name,
      service: d.service,
      kind: d.kind,
      role,
      reportedRole,
      gatewayStatus,
      unknownGatewayStatus: d.entry?.unknownGatewayStatus,
      state,
      stateReason: reason,
      errors: d.entry?.errors ?? [],
      container,
      healthKey: d.entry?.key,
      declared: d.declared,
      shardOwner: isCoreapp && state === 'connected',
      standby: state === 'standby',
      ...(d.group.host !== undefined ? { host: d.group.host } : {}),
    };
  });
  nodes.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || byNumericName.compare(a.name, b.name));

  // --- 4. cluster summary -------------------------------------------------------------------
  const hosts = input.hosts?.map((h) => h.status);
  const summary = summarize(nodes, input, engine, api, hosts);
  return {
    takenAt: input.now,
    project: input.project,
    engine,
    api,
    cluster: summary,
    nodes,
    ...(hosts ? { hosts } : {}),
  };
}

/**
 * The engines of an inventory taken together: reachable while any host answers (the hosts that do
 * not have findings of their own); when none does, the first host's problem.
 */
function combinedEngine(hosts: readonly HostStatus[]): EngineStatus {
  const endpoint = hosts.map((h) => h.endpoint ?? h.name).join(', ') || undefined;
  if (hosts.some((h) => h.reachable)) {
    return { reachable: true, endpoint, problem: undefined };
  }
  const down = hosts.find((h) => h.problem);
  return {
    reachable: false,
    endpoint,
    problem: down?.problem ? { kind: down.problem.kind, message: `${down.name}: ${down.problem.message}` } : undefined,
  };
}

function kindFitsRole(kind: NodeKind, role: HealthEntry['role']): boolean {
  return role === 'coreapp' ? kind === 'coreapp' : role === undefined ? true : kind === 'master';
}

function summarize(
  nodes: readonly ClusterNode[],
  input: SnapshotInput,
  engine: EngineStatus,
  api: ApiStatus,
  hosts: readonly HostStatus[] | undefined,
): ClusterSummary {
  const health = input.health;
  const isCoreapp = (n: ClusterNode): boolean =>
    n.reportedRole === 'coreapp' || (n.reportedRole === undefined && n.kind === 'coreapp');
  const alive = (n: ClusterNode): boolean =>
    n.container ? n.container.state === 'running' : n.healthKey !== undefined;
  // A single instance is web and coreapp in one: its one health entry is the shard, whichever node shows it.
  const connectedCoreapps =
    health?.mode === 'single'
      ? health.entries[0]?.gatewayStatus === 'connected'
        ? 1
        : 0
      : nodes.filter((n) => isCoreapp(n) && n.gatewayStatus === 'connected').length;
  const coreapps = nodes.filter((n) => isCoreapp(n) && alive(n)).length;
  const masters = nodes.filter(
    (n) =>
      (n.kind === 'master' || n.reportedRole === 'primary_master' || n.reportedRole === 'secondary_master') && alive(n),
  ).length;
  const primary = nodes.find((n) => n.reportedRole === 'primary_master');

  let registered: boolean | null = null;
  if (health) {
    const statuses = health.entries.map((e) => e.gatewayStatus);
    if (statuses.includes('unregistered')) {
      registered = false;
    } else if (statuses.some((s) => s === 'connected' || s === 'connecting' || s === 'disconnected')) {
      registered = true;
    }
  }

  let shards: number | null = null;
  let shardsSource: ClusterSummary['shardsSource'];
  if (input.shards !== undefined) {
    shards = input.shards;
    shardsSource = 'api';
  } else if (health?.mode === 'cluster' && registered) {
    // With more than one shard the primary master connects too (wa-api.md §3).
    const multi = primary?.gatewayStatus === 'connected';
    let inferred = Math.max(multi ? 2 : 1, nextPowerOfTwo(connectedCoreapps));
    const prev = input.previous?.cluster;
    const prevMulti =
      input.previous?.nodes.some((n) => n.reportedRole === 'primary_master' && n.gatewayStatus === 'connected') ??
      false;
    // During a failover a shard owner is gone for a while: keep the shard count we knew.
    if (prev?.shards && prev.shardsSource === 'inferred' && prev.shards > inferred && prevMulti === multi) {
      inferred = prev.shards;
    } else if (prev?.shards && prev.shardsSource === 'api' && prevMulti === multi) {
      inferred = prev.shards;
    }
    shards = inferred;
    shardsSource = 'inferred';
  } else if (health?.mode === 'single' && registered) {
    shards = 1;
    shardsSource = 'inferred';
  }

  const versions = new Set<string>();
  for (const n of nodes) {
    if (
      (n.kind === 'web' || n.kind === 'master' || n.kind === 'coreapp') &&
      n.container?.state === 'running' &&
      n.container.version
    ) {
      versions.add(n.container.version);
    }
  }
  const metaVersion = normalizeVersion(health?.version);
  if (metaVersion && versions.size === 0) {
    versions.add(metaVersion);
  }
  const web = nodes.find((n) => n.kind === 'web' && n.container?.version);
  const version = versions.size === 1 ? [...versions][0] : (metaVersion ?? web?.container?.version);

  const base: Omit<ClusterSummary, 'findings'> = {
    version,
    versions: [...versions].sort(),
    registered,
    shards,
    shardsSource,
    connectedCoreapps,
    coreapps,
    masters,
    primaryMaster: primary?.name,
    healthMode: health?.mode,
  };
  return { ...base, findings: computeFindings(base, nodes, engine, api, health, input.translate, hosts) };
}

interface StateContext {
  single: boolean;
  unregisteredCluster: boolean;
  healthKnown: boolean;
  engineReachable: boolean;
  api: ApiStatus;
  now: number;
}

function deriveState(
  kind: NodeKind,
  c: NodeContainer | null,
  e: HealthEntry | undefined,
  ctx: StateContext,
): { state: NodeState; reason: string } {
  if (c && c.state !== 'running') {
    switch (c.state) {
      case 'restarting':
        return c.restartCount >= 3
          ? { state: 'error', reason: `restarting again and again (${c.restartCount} restarts)` }
          : { state: 'starting', reason: 'restarting' };
      case 'created':
        return { state: 'stopped', reason: 'created, not started' };
      case 'paused':
        return { state: 'stopped', reason: 'paused' };
      default:
        return { state: 'stopped', reason: c.exitCode !== undefined ? `exited with code ${c.exitCode}` : c.state };
    }
  }
  if (kind === 'web' || kind === 'db') {
    if (!c) {
      return ctx.engineReachable
        ? { state: 'stopped', reason: 'no container' }
        : kind === 'web' && ctx.api.status === 'ok'
          ? { state: 'connected', reason: 'the API answers' }
          : { state: 'unknown', reason: 'Docker unreachable' };
    }
    if (c.health === 'unhealthy') {
      return { state: 'error', reason: 'Docker health check failing' };
    }
    if (c.health === 'starting') {
      return { state: 'starting', reason: 'Docker health check starting' };
    }
    if (
      kind === 'web' &&
      ctx.api.status === 'error' &&
      (ctx.api.errorKind === 'network' || ctx.api.errorKind === 'timeout')
    ) {
      return young(c, ctx.now)
        ? { state: 'starting', reason: 'the API is not answering yet' }
        : { state: 'error', reason: `the API is not answering: ${ctx.api.message ?? ''}`.trim() };
    }
    return {
      state: 'connected',
      reason: kind === 'web' ? (ctx.api.status === 'ok' ? 'running, the API answers' : 'running') : 'running',
    };
  }
  if (e) {
    if (e.errors.length > 0) {
      const first = e.errors[0]!;
      if (first.code === 1011) {
        return ctx.unregisteredCluster
          ? { state: 'unregistered', reason: 'not instantiated until the number is registered (1011)' }
          : { state: 'starting', reason: `${first.title} (1011)` };
      }
      return { state: 'error', reason: `${first.title} (${first.code})` };
    }
    switch (e.gatewayStatus) {
      case 'connected':
        return { state: 'connected', reason: 'gateway connected' };
      case 'connecting':
        return { state: 'starting', reason: 'gateway connecting' };
      case 'uninitialized':
        return { state: 'starting', reason: 'uninitialized: initialising or upgrading the database schema' };
      case 'unregistered':
        return { state: 'unregistered', reason: 'the number is not registered' };
      case 'disconnected':
        return ctx.single
          ? { state: 'error', reason: 'gateway disconnected' }
          : { state: 'standby', reason: 'standby (disconnected is normal in HA)' };
      default:
        if (e.unknownGatewayStatus) {
          return { state: 'unknown', reason: `unknown gateway status "${e.unknownGatewayStatus}"` };
        }
        return { state: 'unknown', reason: 'no gateway status reported' };
    }
  }
  if (!c) {
    return ctx.engineReachable
      ? { state: 'stopped', reason: 'no container' }
      : { state: 'unknown', reason: 'Docker unreachable' };
  }
  if (c.health === 'unhealthy') {
    return { state: 'error', reason: 'Docker health check failing' };
  }
  if (!ctx.healthKnown) {
    return c.health === 'starting'
      ? { state: 'starting', reason: 'Docker health check starting' }
      : {
          state: 'unknown',
          reason:
            ctx.api.status === 'off'
              ? 'running (application health not known)'
              : ctx.api.message
                ? `running; /v1/health unavailable: ${ctx.api.message}`
                : 'running; /v1/health unavailable',
        };
  }
  if (young(c, ctx.now)) {
    return { state: 'starting', reason: 'started recently, not in /v1/health yet' };
  }
  return { state: 'unknown', reason: 'running but absent from /v1/health' };
}

/** A DB-upgrade container (WA_DB_UPGRADE=1, or a declared DB-upgrade service) that has finished. */
function finishedDbUpgrade(c: ContainerDetails, declaredUpgrades: ReadonlySet<string>): boolean {
  const upgrade = isTruthyFlag(c.env.WA_DB_UPGRADE) || (c.service !== undefined && declaredUpgrades.has(c.service));
  return upgrade && c.state !== 'running' && c.state !== 'restarting';
}

function young(c: NodeContainer, _now: number): boolean {
  return c.uptimeMs !== undefined && c.uptimeMs < START_GRACE_MS;
}

function toNodeContainer(c: ContainerDetails, now: number): NodeContainer {
  const started = c.startedAt ? Date.parse(c.startedAt) : NaN;
  return {
    id: c.id,
    shortId: c.id.slice(0, 12),
    name: c.name,
    image: c.image,
    version: versionFromImage(c.image),
    state: c.state,
    health: c.health,
    status: c.status,
    restartCount: c.restartCount,
    startedAt: c.startedAt,
    uptimeMs: c.state === 'running' && Number.isFinite(started) && started > 0 ? Math.max(0, now - started) : undefined,
    exitCode: c.state === 'running' ? undefined : c.exitCode,
    ports: c.ports,
    hostname: c.hostname,
    containerNumber: c.containerNumber,
  };
}

/**
 * One container per Compose replica. While Compose recreates a service it briefly keeps the old
 * container (renamed `<id>_<name>`) beside the new one, both labelled with the same service and
 * number; the newer one is the replica, the old one is on its way out.
 */
function currentReplicas(containers: readonly ContainerDetails[]): ContainerDetails[] {
  const newest = new Map<string, ContainerDetails>();
  const rest: ContainerDetails[] = [];
  for (const c of containers) {
    if (!c.service || c.containerNumber === undefined) {
      rest.push(c);
      continue;
    }
    const key = `${c.project ?? ''}/${c.service}/${c.containerNumber}`;
    const seen = newest.get(key);
    if (!seen || c.createdAt > seen.createdAt) {
      newest.set(key, c);
    }
  }
  return [...newest.values(), ...rest];
}

function byServiceAndNumber(a: ContainerDetails, b: ContainerDetails): number {
  return (
    (a.service ?? a.name).localeCompare(b.service ?? b.name) || (a.containerNumber ?? 0) - (b.containerNumber ?? 0)
  );
}

function kindOrder(k: NodeKind): number {
  return ['web', 'master', 'coreapp', 'db', 'other'].indexOf(k);
}

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) {
    p *= 2;
  }
  return p;
}
