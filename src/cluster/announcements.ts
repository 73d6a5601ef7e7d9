import { type Translate } from '../util/translate';
import { type ClusterEvent, type SnapshotDiff } from './diff';
import { type ClusterSnapshot } from './types';

/**
 * Which change of a cluster is news. From the previous and next snapshot's diff, the changes the
 * user asked for, and the clock, this decides the notifications and the history lines; the
 * editor glue (host/clusterNotifier.ts) only shows them and sets a timer for {@link Announcer.wakeAt}.
 */

/** Something worth one notification: a failover, a node dying, a node back, the engine lost or back. */
export interface Announcement {
  readonly project: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
}

/** One snapshot change of one cluster, as the monitor reports it. */
export interface ClusterChange {
  readonly snapshot: ClusterSnapshot;
  readonly diff: SnapshotDiff;
}

/** Deaths less than this apart are announced together... */
export const DEATH_WINDOW_MS = 2000;
/** ...but none waits longer than this. */
export const DEATH_WINDOW_MAX_MS = 8000;

/** The key under which a lost Docker engine is remembered (node names never contain a space). */
const ENGINE = 'docker engine';
/** The key under which a lost inventory host is remembered. */
const hostKey = (host: string): string => `host ${host}`;

/**
 * The lines the extension's log keeps as the cluster's history: what changed, and when. A shard
 * move that a change on purpose caused is written as what it is, not as a failover.
 */
export function historyLines(project: string, change: ClusterChange, expected?: ExpectedChanges): string[] {
  return [...change.diff.nodeChanges, ...change.diff.events].map((c) =>
    c.kind === 'failover' && expected && isCausedOnPurpose(project, change, c, expected)
      ? `${project}: shard moved ${c.from}→${c.to} (${c.from} was changed on purpose: no failover)`
      : `${project}: ${c.message}`,
  );
}

/**
 * Whether a failover is the consequence of what the user asked for: the old owner's container was
 * stopped or recreated on purpose (Upgrade, Down, Stop), so the masters moving its shard is no news.
 * A spare that the user just started taking over from a node that died on its own still is news.
 */
export function isCausedOnPurpose(
  project: string,
  change: ClusterChange,
  failover: Extract<ClusterEvent, { kind: 'failover' }>,
  expected: ExpectedChanges,
): boolean {
  const service = change.snapshot.nodes.find((n) => n.name === failover.from)?.service;
  // `named`: an Up of the whole project does not cover a failover; Upgrade and Stop name the nodes they change.
  return expected.isExpected(project, service ?? failover.from, true);
}

/**
 * Containers of a cluster start and stop because the user asked (Up, Down, Upgrade…): for a while
 * that is no news. One entry per project, replaced by the next, so it never grows.
 */
export class ExpectedChanges {
  private readonly expected = new Map<string, { until: number; services: ReadonlySet<string> | undefined }>();

  constructor(private readonly now: () => number) {}

  /** `services` narrows it to the services a command named, so a node that dies of its own accord meanwhile is still news. */
  expect(project: string, ms: number, services?: readonly string[]): void {
    this.expected.set(project, { until: this.now() + ms, services: services ? new Set(services) : undefined });
  }

  /**
   * Whether a change of the project's service (any service when omitted) is the user's own doing
   * right now. `named`: only when a command named that very service (Stop of one node); a command
   * on the whole project does not cover it.
   */
  isExpected(project: string, service?: string, named = false): boolean {
    const e = this.expected.get(project);
    if (!e || e.until <= this.now()) {
      return false;
    }
    if (!e.services) {
      return !named;
    }
    return service === undefined || e.services.has(service);
  }
}

interface PendingDeaths {
  readonly nodes: Map<string, number | undefined>;
  readonly since: number;
  due: number;
}

/**
 * Announces cluster events once each: the monitor's diff reports an event on the snapshot where it
 * happens, never again on later polls. Deaths wait a moment ({@link DEATH_WINDOW_MS}): a
 * `docker-compose down` or `stop` in a terminal stops the nodes over a second or two, and that is
 * one piece of news, not one per node. State is bounded: per project, the nodes announced as down
 * and the deaths of the current window.
 */
export class Announcer {
  /** What we announced as down (per project: node names, and the engine): only those get a "back" message. */
  private readonly down = new Map<string, Set<string>>();
  private readonly pending = new Map<string, PendingDeaths>();

  constructor(private readonly t: Translate) {}

  /** The announcements a change makes now; deaths are held until {@link due}. */
  onChange(project: string, change: ClusterChange, expected: ExpectedChanges, now: number): Announcement[] {
    const t = this.t;
    const out: Announcement[] = [];
    let down = this.down.get(project);
    if (!down) {
      down = new Set();
      this.down.set(project, down);
    }
    const serviceOf = (node: string): string | undefined => change.snapshot.nodes.find((n) => n.name === node)?.service;
    for (const e of change.diff.events) {
      if (e.kind === 'failover' && !isCausedOnPurpose(project, change, e, expected)) {
        out.push({
          project,
          severity: 'warning',
          message: t('{0}: failover, {1} took over from {2}.', project, e.to, e.from),
        });
      } else if (e.kind === 'engineUnreachable' && !down.has(ENGINE)) {
        down.add(ENGINE);
        out.push({
          project,
          severity: 'error',
          message: t('{0}: the Docker engine is unreachable ({1}).', project, e.message),
        });
      } else if (e.kind === 'engineRecovered' && down.delete(ENGINE)) {
        out.push({ project, severity: 'info', message: t('{0}: the Docker engine answers again.', project) });
      } else if (e.kind === 'hostUnreachable' && !down.has(hostKey(e.host))) {
        down.add(hostKey(e.host));
        out.push({
          project,
          severity: 'error',
          message: t("{0}: host {1}'s Docker engine is unreachable; its nodes are shown as unknown.", project, e.host),
        });
      } else if (e.kind === 'hostRecovered' && down.delete(hostKey(e.host))) {
        out.push({
          project,
          severity: 'info',
          message: t("{0}: host {1}'s Docker engine answers again.", project, e.host),
        });
      }
    }
    // Containers the user started, stopped or recreated on purpose are no news.
    for (const c of change.diff.nodeChanges) {
      if (c.kind === 'containerDied' && !down.has(c.node) && !expected.isExpected(project, serviceOf(c.node))) {
        down.add(c.node);
        this.deathPending(project, now).set(c.node, c.exitCode);
      }
    }
    for (const c of change.diff.nodeChanges) {
      if (c.kind === 'containerStarted' && down.delete(c.node)) {
        if (expected.isExpected(project, serviceOf(c.node))) {
          // Brought back by the user (Start, Up): what they asked for, not news.
          this.pending.get(project)?.nodes.delete(c.node);
          continue;
        }
        const pending = this.pending.get(project)?.nodes;
        if (pending?.has(c.node)) {
          // Died and back within the window (a restart policy at work): one message, not two.
          const exitCode = pending.get(c.node);
          pending.delete(c.node);
          out.push({
            project,
            severity: 'warning',
            message:
              exitCode !== undefined
                ? t('{0}: {1} stopped (exit {2}) and started again.', project, c.node, exitCode)
                : t('{0}: {1} stopped and started again.', project, c.node),
          });
        } else {
          out.push({ project, severity: 'info', message: t('{0}: {1} is running again.', project, c.node) });
        }
      }
    }
    return out;
  }

  /** When the next held death window closes (undefined: none is open). */
  get wakeAt(): number | undefined {
    const dues = [...this.pending.values()].map((p) => p.due);
    return dues.length > 0 ? Math.min(...dues) : undefined;
  }

  /** The deaths whose window has closed by `now`, announced together per project. */
  due(now: number): Announcement[] {
    const out: Announcement[] = [];
    for (const [project, p] of this.pending) {
      if (p.due <= now) {
        this.pending.delete(project);
        out.push(...this.deathMessages(project, p.nodes));
      }
    }
    return out;
  }

  /** Forgets what was remembered about projects that went away (so state never outgrows the workspace). */
  retain(projects: ReadonlySet<string>): void {
    for (const map of [this.down, this.pending]) {
      for (const project of map.keys()) {
        if (!projects.has(project)) {
          map.delete(project);
        }
      }
    }
  }

  private deathPending(project: string, now: number): Map<string, number | undefined> {
    let p = this.pending.get(project);
    if (!p) {
      p = { nodes: new Map(), since: now, due: now };
      this.pending.set(project, p);
    }
    // Each death extends the window a little, but news is never held back for long.
    p.due = now + Math.max(0, Math.min(DEATH_WINDOW_MS, p.since + DEATH_WINDOW_MAX_MS - now));
    return p.nodes;
  }

  private deathMessages(project: string, nodes: ReadonlyMap<string, number | undefined>): Announcement[] {
    const t = this.t;
    if (nodes.size > 2) {
      // `down`, `stop` or a host problem: one message, not one per node.
      return [
        {
          project,
          severity: 'error',
          message: t('{0}: {1} nodes stopped ({2}).', project, nodes.size, [...nodes.keys()].join(', ')),
        },
      ];
    }
    return [...nodes].map(([node, exitCode]) => ({
      project,
      severity: 'error' as const,
      message:
        exitCode !== undefined
          ? t('{0}: {1} stopped (exit {2}).', project, node, exitCode)
          : t('{0}: {1} stopped.', project, node),
    }));
  }
}
