import { type ClusterNode, type ClusterSnapshot, type Finding, type NodeRole, type NodeState } from './types';
import { sameJson } from '../util/sameJson';

export type NodeChange =
  | { readonly kind: 'added'; readonly node: string; readonly message: string }
  | { readonly kind: 'removed'; readonly node: string; readonly message: string }
  | { readonly kind: 'containerStarted'; readonly node: string; readonly message: string }
  | {
      readonly kind: 'containerDied';
      readonly node: string;
      readonly exitCode: number | undefined;
      readonly message: string;
    }
  | { readonly kind: 'containerRecreated'; readonly node: string; readonly message: string }
  | {
      readonly kind: 'stateChanged';
      readonly node: string;
      readonly from: NodeState;
      readonly to: NodeState;
      readonly message: string;
    }
  | {
      readonly kind: 'roleChanged';
      readonly node: string;
      readonly from: NodeRole;
      readonly to: NodeRole;
      readonly message: string;
    }
  | { readonly kind: 'healthChanged'; readonly node: string; readonly message: string };

export type ClusterEvent =
  | { readonly kind: 'failover'; readonly from: string; readonly to: string; readonly message: string }
  | { readonly kind: 'shardOwnerLost'; readonly node: string; readonly message: string }
  | {
      readonly kind: 'primaryMasterChanged';
      readonly from: string | undefined;
      readonly to: string;
      readonly message: string;
    }
  | { readonly kind: 'engineUnreachable'; readonly message: string }
  | { readonly kind: 'engineRecovered'; readonly message: string }
  | { readonly kind: 'hostUnreachable'; readonly host: string; readonly message: string }
  | { readonly kind: 'hostRecovered'; readonly host: string; readonly message: string }
  | { readonly kind: 'apiFailed'; readonly message: string }
  | { readonly kind: 'apiRecovered'; readonly message: string }
  | { readonly kind: 'findingAdded'; readonly finding: Finding; readonly message: string }
  | { readonly kind: 'findingResolved'; readonly finding: Finding; readonly message: string };

export interface SnapshotDiff {
  /** Names of nodes whose displayed data changed (refresh only these). */
  readonly changedNodes: readonly string[];
  readonly nodeChanges: readonly NodeChange[];
  readonly events: readonly ClusterEvent[];
  /** Cluster summary (counts, version, findings) changed. */
  readonly clusterChanged: boolean;
  readonly empty: boolean;
}

/**
 * Compares two snapshots. A failover often spans two snapshots (the owner dies, a later poll shows
 * the spare connected), so {@link DiffTracker} remembers lost shard owners across calls.
 */
/** How long the last answered health stays the baseline while the application does not answer. */
const ANSWER_MEMORY_MS = 2 * 60_000;

/** How long an owner may be away from its shard and still count as reconnecting when it regains it. */
const RECONNECT_MS = 60_000;

export class DiffTracker {
  private lostOwners: { node: string; at: number }[] = [];
  /**
   * Owners that let go of their shard while healthy (reconnecting, re-sharding), and when: regaining
   * it soon after is no failover; a node that has been a standby for a while and then takes a
   * shard over is one.
   */
  private pausedOwners = new Map<string, { at: number; shards: number | null }>();
  /** Shard owners and primary master from the last snapshot in which the application answered. */
  private lastAnswered: AnsweredView | undefined;
  constructor(private readonly memoryMs = 10 * 60_000) {}

  diff(prev: ClusterSnapshot | undefined, next: ClusterSnapshot): SnapshotDiff {
    const nodeChanges: NodeChange[] = [];
    const events: ClusterEvent[] = [];
    const changed = new Set<string>();
    const before = new Map((prev?.nodes ?? []).map((n) => [n.name, n]));
    const after = new Map(next.nodes.map((n) => [n.name, n]));

    for (const n of next.nodes) {
      const p = before.get(n.name);
      if (!p) {
        if (prev) {
          nodeChanges.push({ kind: 'added', node: n.name, message: `${n.name} appeared` });
        }
        changed.add(n.name);
        continue;
      }
      if (!sameNode(p, n)) {
        changed.add(n.name);
      }
      const pc = p.container;
      const nc = n.container;
      if (pc?.state === 'running' && nc && nc.state !== 'running' && nc.state !== 'restarting') {
        nodeChanges.push({
          kind: 'containerDied',
          node: n.name,
          exitCode: nc.exitCode,
          message: `container ${n.name} died${nc.exitCode !== undefined ? ` (exit code ${nc.exitCode})` : ''}`,
        });
      } else if (pc?.state === 'running' && !nc && engineOfNodeAnswers(next, n)) {
        nodeChanges.push({
          kind: 'containerDied',
          node: n.name,
          exitCode: undefined,
          message: `container ${n.name} was removed`,
        });
      } else if (nc?.state === 'running' && pc?.state !== 'running') {
        nodeChanges.push({ kind: 'containerStarted', node: n.name, message: `container ${n.name} started` });
      } else if (pc && nc && pc.id !== nc.id) {
        nodeChanges.push({ kind: 'containerRecreated', node: n.name, message: `container ${n.name} was recreated` });
      }
      if (p.role !== n.role && n.role !== 'unknown' && p.role !== 'unknown') {
        nodeChanges.push({
          kind: 'roleChanged',
          node: n.name,
          from: p.role,
          to: n.role,
          message: `role change: ${n.name} ${p.role} → ${n.role}`,
        });
      }
      if (p.state !== n.state) {
        nodeChanges.push({
          kind: 'stateChanged',
          node: n.name,
          from: p.state,
          to: n.state,
          message: `${n.name}: ${p.state} → ${n.state}`,
        });
      }
      if (pc && nc && pc.health !== nc.health && nc.health !== 'none') {
        nodeChanges.push({ kind: 'healthChanged', node: n.name, message: `${n.name}: Docker health ${nc.health}` });
      }
    }
    for (const p of prev?.nodes ?? []) {
      if (!after.has(p.name)) {
        nodeChanges.push({ kind: 'removed', node: p.name, message: `${p.name} is gone` });
        changed.add(p.name);
      }
    }

    const answered = next.cluster.healthMode ? answeredView(next) : undefined;
    if (prev) {
      this.clusterEvents(prev, next, answered, events);
    }
    if (answered) {
      this.lastAnswered = answered;
    }
    const clusterChanged =
      !prev ||
      !sameJson(prev.cluster, next.cluster) ||
      !sameJson(prev.engine, next.engine) ||
      !sameJson(prev.hosts, next.hosts) ||
      !sameJson(prev.api, next.api);
    return {
      changedNodes: [...changed],
      nodeChanges,
      events,
      clusterChanged,
      empty: changed.size === 0 && nodeChanges.length === 0 && events.length === 0 && !clusterChanged,
    };
  }

  private clusterEvents(
    prev: ClusterSnapshot,
    next: ClusterSnapshot,
    answered: AnsweredView | undefined,
    events: ClusterEvent[],
  ): void {
    const now = next.takenAt;
    this.lostOwners = this.lostOwners.filter((l) => now - l.at < this.memoryMs);
    // Judge shard ownership against the last snapshot in which the application answered, not
    // merely the previous one: a health poll that times out while an owner dies (its hostname no
    // longer resolves) must not hide the failover that the next answer shows.
    // Older answers (the user was signed out, the API was down for minutes) are history, not news.
    const remembered =
      this.lastAnswered && now - this.lastAnswered.at <= ANSWER_MEMORY_MS ? this.lastAnswered : undefined;
    const base = prev.cluster.healthMode ? answeredView(prev) : remembered;
    if (base && answered) {
      this.ownershipEvents(base, answered, next, events);
    }
    if (prev.engine.reachable && !next.engine.reachable) {
      events.push({
        kind: 'engineUnreachable',
        message: `Docker engine unreachable${next.engine.problem ? `: ${next.engine.problem.message}` : ''}`,
      });
    } else if (!prev.engine.reachable && next.engine.reachable) {
      events.push({ kind: 'engineRecovered', message: 'Docker engine reachable again' });
    }
    const before = new Map((prev.hosts ?? []).map((h) => [h.name, h]));
    for (const h of next.hosts ?? []) {
      const was = before.get(h.name);
      if (was?.reachable && !h.reachable) {
        events.push({
          kind: 'hostUnreachable',
          host: h.name,
          message: `host ${h.name} unreachable${h.problem ? `: ${h.problem.message}` : ''}`,
        });
      } else if (was && !was.reachable && h.reachable) {
        events.push({ kind: 'hostRecovered', host: h.name, message: `host ${h.name} reachable again` });
      }
    }
    if (prev.api.status !== 'error' && next.api.status === 'error') {
      events.push({ kind: 'apiFailed', message: `Cluster API: ${next.api.message ?? 'unavailable'}` });
    } else if (prev.api.status === 'error' && next.api.status === 'ok') {
      events.push({ kind: 'apiRecovered', message: 'Cluster API answering again' });
    }
    const pf = new Map(prev.cluster.findings.map((f) => [f.id, f]));
    const nf = new Map(next.cluster.findings.map((f) => [f.id, f]));
    for (const [id, f] of nf) {
      if (!pf.has(id)) {
        events.push({ kind: 'findingAdded', finding: f, message: f.message });
      }
    }
    for (const [id, f] of pf) {
      if (!nf.has(id)) {
        events.push({ kind: 'findingResolved', finding: f, message: `resolved: ${f.message}` });
      }
    }
  }
  private ownershipEvents(was: AnsweredView, is: AnsweredView, next: ClusterSnapshot, events: ClusterEvent[]): void {
    for (const n of was.owners) {
      if (!is.owners.has(n)) {
        // A failed owner (stopped, crashed, gone from health) starts a failover; an owner that
        // merely hands its shard over while healthy (re-sharding) does not.
        const after = next.nodes.find((x) => x.name === n);
        const failed =
          !after ||
          after.state === 'stopped' ||
          after.state === 'error' ||
          after.state === 'unknown' ||
          !after.healthKey ||
          (after.container !== null && after.container.state !== 'running');
        if (failed) {
          this.lostOwners.push({ node: n, at: next.takenAt });
        } else {
          this.pausedOwners.set(n, { at: next.takenAt, shards: was.shards });
        }
        events.push({ kind: 'shardOwnerLost', node: n, message: `${n} no longer owns a shard` });
      }
    }
    for (const n of is.owners) {
      if (!was.owners.has(n)) {
        const paused = this.pausedOwners.get(n);
        this.pausedOwners.delete(n);
        if (paused !== undefined && next.takenAt - paused.at <= RECONNECT_MS) {
          continue;
        }
        const own = this.lostOwners.findIndex((l) => l.node === n);
        if (own >= 0) {
          // It failed and came back (a restart, or an upgrade that recreated it): no one took over.
          this.lostOwners.splice(own, 1);
          continue;
        }
        const from = this.lostOwners.shift()?.node ?? this.replacedOwner(n, is, next);
        if (from) {
          events.push({ kind: 'failover', from, to: n, message: `failover ${from}→${n}` });
        }
      }
    }
    if (is.primaryMaster && was.primaryMaster !== is.primaryMaster) {
      events.push({
        kind: 'primaryMasterChanged',
        from: was.primaryMaster,
        to: is.primaryMaster,
        message: was.primaryMaster
          ? `primary master ${was.primaryMaster}→${is.primaryMaster}`
          : `${is.primaryMaster} is the primary master`,
      });
    }
  }

  /**
   * The owner whose shard `taker` took over although it still looks healthy: it stopped answering
   * the masters in time (hung, overloaded) while its container runs, so the masters promoted a
   * spare and health shows the old owner as a standby. With the shard count unchanged since it let
   * go, that is a failover, not a hand-over (re-sharding changes the count; a reconnect regains its
   * own shard).
   */
  private replacedOwner(taker: string, is: AnsweredView, next: ClusterSnapshot): string | undefined {
    for (const [node, paused] of this.pausedOwners) {
      if (next.takenAt - paused.at > RECONNECT_MS) {
        this.pausedOwners.delete(node);
        continue;
      }
      if (node !== taker && !is.owners.has(node) && paused.shards !== null && paused.shards === next.cluster.shards) {
        this.pausedOwners.delete(node);
        return node;
      }
    }
    return undefined;
  }
}

/** What a snapshot in which the application answered says about shard owners and the primary master. */
interface AnsweredView {
  readonly at: number;
  readonly owners: ReadonlySet<string>;
  readonly primaryMaster: string | undefined;
  readonly shards: number | null;
}

function answeredView(s: ClusterSnapshot): AnsweredView {
  return {
    at: s.takenAt,
    owners: new Set(s.nodes.filter((n) => n.shardOwner).map((n) => n.name)),
    primaryMaster: s.cluster.primaryMaster,
    shards: s.cluster.shards,
  };
}

/** Whether the engine a node runs on answers (its host's, with an inventory): a container it lost is then really gone. */
function engineOfNodeAnswers(s: ClusterSnapshot, n: ClusterNode): boolean {
  const host = n.host === undefined ? undefined : s.hosts?.find((h) => h.name === n.host);
  return host ? host.reachable : s.engine.reachable;
}

/** One-shot diff without cross-snapshot memory. */
export function diffSnapshots(prev: ClusterSnapshot | undefined, next: ClusterSnapshot): SnapshotDiff {
  return new DiffTracker().diff(prev, next);
}

function sameNode(a: ClusterNode, b: ClusterNode): boolean {
  // Uptime (and the status line that spells it) moves every time; compare everything else.
  const { container: ac, ...ar } = a;
  const { container: bc, ...br } = b;
  if (!sameJson(ar, br)) {
    return false;
  }
  if (!ac || !bc) {
    return !ac && !bc;
  }
  const { uptimeMs: _au, status: _as, ...acr } = ac;
  const { uptimeMs: _bu, status: _bs, ...bcr } = bc;
  return sameJson(acr, bcr);
}
