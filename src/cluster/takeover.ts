import { type Translate, english } from '../util/translate';
import { type ClusterChange } from './announcements';
import { DEFAULT_UNHEALTHY_INTERVAL_S } from './nodeActions';
import { type ClusterSnapshot } from './types';

/**
 * A spare about to take over: after a shard owner stops answering, the primary master waits
 * `unhealthy_interval` before it promotes a standby coreapp (wa-api.md §3). Meanwhile the tree
 * says so, with the time left, instead of staying silent. Fed with the monitor's changes; pure.
 */
export interface PendingTakeover {
  /** The coreapp that stopped answering. */
  readonly node: string;
  /** The running standby coreapps, one of which is expected to take over. */
  readonly spares: readonly string[];
  /** Whole seconds until the interval ends (0: due any moment). */
  readonly remainingS: number;
}

export class TakeoverWatch {
  private readonly lost = new Map<string, number>();

  /** Remembers owners that lost their shard; forgets them once someone (or they) own it again. */
  onChange(change: ClusterChange): void {
    for (const e of change.diff.events) {
      if (e.kind === 'shardOwnerLost') {
        this.lost.set(e.node, change.snapshot.takenAt);
      } else if (e.kind === 'failover') {
        this.lost.delete(e.from);
      }
    }
    for (const n of change.snapshot.nodes) {
      if (n.shardOwner) {
        this.lost.delete(n.name);
      }
    }
    // Every shard has a running owner again (a failover the diff did not pair): nothing is pending.
    // Counted from running owners, not from /v1/health's connected entries: health may still list
    // the stopped owner as connected until the master notices.
    const shards = change.snapshot.cluster.shards;
    if (shards !== null && change.snapshot.nodes.filter((n) => n.shardOwner).length >= shards) {
      this.lost.clear();
    }
  }

  /**
   * The takeovers pending at `now`, while a standby coreapp runs. Past the interval a takeover
   * is "due any moment" for a grace period (heartbeats and polls lag), then no longer claimed.
   */
  pending(
    snapshot: ClusterSnapshot,
    now: number,
    unhealthyIntervalS = DEFAULT_UNHEALTHY_INTERVAL_S,
  ): PendingTakeover[] {
    const spares = snapshot.nodes
      .filter((n) => n.kind === 'coreapp' && n.standby && n.container?.state === 'running')
      .map((n) => n.name);
    if (spares.length === 0) {
      return [];
    }
    const out: PendingTakeover[] = [];
    for (const [node, since] of this.lost) {
      const leftMs = since + unhealthyIntervalS * 1000 - now;
      if (leftMs < -TAKEOVER_GRACE_MS) {
        continue;
      }
      out.push({ node, spares, remainingS: Math.max(0, Math.ceil(leftMs / 1000)) });
    }
    return out;
  }
}

/** How long after the interval a takeover is still announced as imminent. */
export const TAKEOVER_GRACE_MS = 20_000;

/** "wacore1 stopped answering: a spare (wacore3) takes over its shard in about 25 s." */
export function describeTakeover(p: PendingTakeover, t: Translate = english): string {
  const spares = p.spares.join(', ');
  return p.remainingS > 0
    ? t('{0} stopped answering: a spare ({1}) takes over its shard in about {2} s.', p.node, spares, p.remainingS)
    : t('{0} stopped answering: a spare ({1}) takes over its shard any moment now.', p.node, spares);
}
