import assert from 'node:assert/strict';
import { DiffTracker } from '../../../src/cluster/diff';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import { parseHealth } from '../../../src/api/health';
import { walkthroughContainers } from '../../fakes/builders';
import { health } from './snapshot.test';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('cluster/diff', () => {
  it('walkthrough 03 → 04: wacore3 appears as standby, no failover', () => {
    const t = new DiffTracker();
    const a = buildSnapshot({ now: NOW, project: 'biz', health: health('03-after-two-shards.json') });
    const b = buildSnapshot({
      now: NOW + 5000,
      project: 'biz',
      health: health('04-third-coreapp-standby.json'),
      previous: a,
    });
    t.diff(undefined, a);
    const d = t.diff(a, b);
    assert.deepEqual(d.changedNodes, ['wacore3']);
    assert.ok(d.nodeChanges.some((c) => c.kind === 'added' && c.node === 'wacore3'));
    assert.ok(!d.events.some((e) => e.kind === 'failover'));
    assert.ok(d.events.some((e) => e.kind === 'findingResolved' && e.finding.id === 'no-spare'));
  });

  it('failover across two snapshots: wacore1 dies, later wacore3 connects → "failover wacore1→wacore3"', () => {
    const t = new DiffTracker();
    const cs = walkthroughContainers();
    const s0 = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs,
      health: health('04-third-coreapp-standby.json'),
    });
    t.diff(undefined, s0);
    // wacore1's container dies; health has not noticed yet.
    const dead = cs.map((c) => (c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 137 } : c));
    const h1 = parseHealth({
      health: {
        'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
        'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
        'wacore2:05e1a6d70665': { gateway_status: 'connected', role: 'coreapp' },
        'wacore3:23b50199bec2': { gateway_status: 'disconnected', role: 'coreapp' },
      },
    });
    assert.ok(h1.ok);
    const s1 = buildSnapshot({ now: NOW + 300, project: 'biz', containers: dead, health: h1.value, previous: s0 });
    const d1 = t.diff(s0, s1);
    assert.ok(d1.nodeChanges.some((c) => c.kind === 'containerDied' && c.node === 'wacore1' && c.exitCode === 137));
    assert.ok(d1.events.some((e) => e.kind === 'shardOwnerLost' && e.node === 'wacore1'));
    assert.equal(s1.cluster.shards, 2, 'shard count remembered during the failover');
    assert.ok(
      s1.cluster.findings.some((f) => f.id === 'shards-degraded' && f.message.startsWith('1/2 shards connected')),
    );
    // The master promotes wacore3.
    const h2 = parseHealth({
      health: {
        'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
        'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
        'wacore2:05e1a6d70665': { gateway_status: 'connected', role: 'coreapp' },
        'wacore3:23b50199bec2': { gateway_status: 'connected', role: 'coreapp' },
      },
    });
    assert.ok(h2.ok);
    const s2 = buildSnapshot({ now: NOW + 5000, project: 'biz', containers: dead, health: h2.value, previous: s1 });
    const d2 = t.diff(s1, s2);
    const fo = d2.events.find((e) => e.kind === 'failover');
    assert.ok(fo && fo.kind === 'failover');
    assert.equal(fo.message, 'failover wacore1→wacore3');
    assert.ok(
      d2.nodeChanges.some(
        (c) => c.kind === 'stateChanged' && c.node === 'wacore3' && c.from === 'standby' && c.to === 'connected',
      ),
    );
    assert.equal(s2.cluster.connectedCoreapps, 2);
  });

  it('a healthy owner that reconnects during a failover is not mistaken for the one taking over', () => {
    const t = new DiffTracker();
    const cs = walkthroughContainers();
    const dead = cs.map((c) => (c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 0 } : c));
    const h = (w2: string, w3: string) => {
      const r = parseHealth({
        health: {
          'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
          'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
          'wacore2:05e1a6d70665': { gateway_status: w2, role: 'coreapp' },
          'wacore3:23b50199bec2': { gateway_status: w3, role: 'coreapp' },
        },
      });
      assert.ok(r.ok);
      return r.value;
    };
    const s0 = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs,
      health: health('04-third-coreapp-standby.json'),
    });
    t.diff(undefined, s0);
    const s1 = buildSnapshot({
      now: NOW + 300,
      project: 'biz',
      containers: dead,
      health: h('connecting', 'disconnected'),
      previous: s0,
    });
    t.diff(s0, s1);
    const s2 = buildSnapshot({
      now: NOW + 1300,
      project: 'biz',
      containers: dead,
      health: h('connected', 'connecting'),
      previous: s1,
    });
    assert.ok(!t.diff(s1, s2).events.some((e) => e.kind === 'failover'), 'wacore2 only reconnected');
    const s3 = buildSnapshot({
      now: NOW + 2300,
      project: 'biz',
      containers: dead,
      health: h('connected', 'connected'),
      previous: s2,
    });
    const failovers = t.diff(s2, s3).events.filter((e) => e.kind === 'failover');
    assert.deepEqual(
      failovers.map((e) => e.message),
      ['failover wacore1→wacore3'],
    );
  });

  it("a former owner that has been a standby for minutes and takes over a dead owner's shard is a failover", () => {
    const t = new DiffTracker();
    const cs = walkthroughContainers();
    const h = (w1: string, w2: string) => {
      const r = parseHealth({
        health: {
          'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
          'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
          'wacore1:35a5fabfc79d': { gateway_status: w1, role: 'coreapp' },
          'wacore2:05e1a6d70665': { gateway_status: w2, role: 'coreapp' },
        },
      });
      assert.ok(r.ok);
      return r.value;
    };
    const running = cs.filter((c) => c.service !== 'wacore3');
    const s0 = buildSnapshot({ now: NOW, project: 'biz', containers: running, health: h('connected', 'connected') });
    t.diff(undefined, s0);
    // Re-sharded 2 → 1: wacore2 hands its shard over while healthy.
    const s1 = buildSnapshot({
      now: NOW + 1000,
      project: 'biz',
      containers: running,
      health: h('connected', 'disconnected'),
      previous: s0,
    });
    assert.ok(!t.diff(s0, s1).events.some((e) => e.kind === 'failover'));
    // Ten minutes later wacore1 dies and wacore2 takes over.
    const dead = running.map((c) => (c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 137 } : c));
    const s2 = buildSnapshot({
      now: NOW + 600_000,
      project: 'biz',
      containers: dead,
      health: h('disconnected', 'disconnected'),
      previous: s1,
    });
    t.diff(s1, s2);
    const s3 = buildSnapshot({
      now: NOW + 605_000,
      project: 'biz',
      containers: dead,
      health: h('disconnected', 'connected'),
      previous: s2,
    });
    assert.deepEqual(
      t
        .diff(s2, s3)
        .events.filter((e) => e.kind === 'failover')
        .map((e) => e.message),
      ['failover wacore1→wacore2'],
    );
  });

  it('an owner that is restarted (or recreated by an upgrade) and takes its shard back is no failover', () => {
    const t = new DiffTracker();
    const cs = walkthroughContainers();
    const h = (w3: string) => {
      const r = parseHealth({
        health: {
          'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
          'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
          'wacore1:35a5fabfc79d': { gateway_status: 'connected', role: 'coreapp' },
          'wacore2:05e1a6d70665': { gateway_status: 'disconnected', role: 'coreapp' },
          'wacore3:23b50199bec2': { gateway_status: w3, role: 'coreapp' },
        },
      });
      assert.ok(r.ok);
      return r.value;
    };
    const s0 = buildSnapshot({ now: NOW, project: 'biz', containers: cs, health: h('connected') });
    t.diff(undefined, s0);
    const restarting = cs.map((c) => (c.service === 'wacore3' ? { ...c, state: 'exited' as const, exitCode: 0 } : c));
    const s1 = buildSnapshot({
      now: NOW + 1000,
      project: 'biz',
      containers: restarting,
      health: h('disconnected'),
      previous: s0,
    });
    assert.ok(t.diff(s0, s1).events.some((e) => e.kind === 'shardOwnerLost' && e.node === 'wacore3'));
    const s2 = buildSnapshot({ now: NOW + 4000, project: 'biz', containers: cs, health: h('connected'), previous: s1 });
    assert.deepEqual(
      t.diff(s1, s2).events.filter((e) => e.kind === 'failover'),
      [],
    );
  });

  describe('a failover only the poll sees (the owner hangs, its container keeps running: no Docker event)', () => {
    const cs = walkthroughContainers();
    const h = (w1: string, w2: string, w3: string) => {
      const r = parseHealth({
        health: {
          'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
          'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
          'wacore1:35a5fabfc79d': { gateway_status: w1, role: 'coreapp' },
          'wacore2:05e1a6d70665': { gateway_status: w2, role: 'coreapp' },
          'wacore3:23b50199bec2': { gateway_status: w3, role: 'coreapp' },
        },
      });
      assert.ok(r.ok);
      return r.value;
    };
    type Snapshot = ReturnType<typeof buildSnapshot>;
    /** The cluster `ms` after NOW with these gateway statuses (and the shard count the API reports, if given). */
    const at = (ms: number, w1: string, w2: string, w3: string, previous?: Snapshot, shards?: number) =>
      buildSnapshot({ now: NOW + ms, project: 'biz', containers: cs, health: h(w1, w2, w3), previous, shards });
    const failovers = (d: ReturnType<DiffTracker['diff']>) =>
      d.events.filter((e) => e.kind === 'failover').map((e) => e.message);

    it('the old owner shows as a healthy standby before the spare connects: one failover, announced once', () => {
      const t = new DiffTracker();
      const s0 = at(0, 'connected', 'connected', 'disconnected');
      t.diff(undefined, s0);
      // The masters gave wacore1's shard away (it stopped answering heartbeats); it says so itself.
      const s1 = at(5000, 'disconnected', 'connected', 'disconnected', s0);
      assert.deepEqual(failovers(t.diff(s0, s1)), []);
      const s2 = at(6000, 'disconnected', 'connected', 'connecting', s1);
      assert.deepEqual(failovers(t.diff(s1, s2)), []);
      const s3 = at(8000, 'disconnected', 'connected', 'connected', s2);
      assert.deepEqual(failovers(t.diff(s2, s3)), ['failover wacore1→wacore3']);
      const s4 = at(9000, 'disconnected', 'connected', 'connected', s3);
      assert.deepEqual(failovers(t.diff(s3, s4)), [], 'never again on later polls');
    });

    it('both in one poll: the owner standby and the spare connected', () => {
      const t = new DiffTracker();
      const s0 = at(0, 'connected', 'connected', 'disconnected');
      t.diff(undefined, s0);
      const s1 = at(5000, 'disconnected', 'connected', 'connected', s0);
      assert.deepEqual(failovers(t.diff(s0, s1)), ['failover wacore1→wacore3']);
    });

    it('an owner that reconnects to its own shard is no failover; nor is a standby gaining a new shard (1 → 2)', () => {
      const t = new DiffTracker();
      const s0 = at(0, 'connected', 'connected', 'disconnected');
      t.diff(undefined, s0);
      const s1 = at(1000, 'connecting', 'connected', 'disconnected', s0);
      t.diff(s0, s1);
      const s2 = at(3000, 'connected', 'connected', 'disconnected', s1);
      assert.deepEqual(failovers(t.diff(s1, s2)), []);
      const u = new DiffTracker();
      const one = at(0, 'connected', 'disconnected', 'disconnected', undefined, 1);
      u.diff(undefined, one);
      const two = at(2000, 'connected', 'connected', 'disconnected', one, 2);
      assert.deepEqual(failovers(u.diff(one, two)), []);
    });

    it('re-sharding that changes the count moves shards without a failover', () => {
      const t = new DiffTracker();
      const two = at(0, 'connected', 'connected', 'disconnected', undefined, 2);
      t.diff(undefined, two);
      // 2 → 4 (say): the masters hand out every shard again; wacore2 lets go in the same poll.
      const four = at(2000, 'connected', 'disconnected', 'connected', two, 4);
      assert.deepEqual(failovers(t.diff(two, four)), []);
    });
  });

  it('a health poll that fails while the owner dies does not hide the failover the next answer shows', () => {
    const cs = walkthroughContainers();
    const dead = cs.map((c) => (c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 0 } : c));
    const promoted = parseHealth({
      health: {
        'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
        'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
        'wacore2:05e1a6d70665': { gateway_status: 'connected', role: 'coreapp' },
        'wacore3:23b50199bec2': { gateway_status: 'connected', role: 'coreapp' },
      },
    });
    assert.ok(promoted.ok);
    const timedOut = {
      status: 'error' as const,
      errorKind: 'timeout' as const,
      message: 'timed out',
      fingerprint256: undefined,
    };
    const run = (gapMs: number) => {
      const t = new DiffTracker();
      const s0 = buildSnapshot({
        now: NOW,
        project: 'biz',
        containers: cs,
        health: health('04-third-coreapp-standby.json'),
      });
      t.diff(undefined, s0);
      const s1 = buildSnapshot({ now: NOW + 300, project: 'biz', containers: dead, api: timedOut, previous: s0 });
      const d1 = t.diff(s0, s1);
      assert.ok(d1.events.some((e) => e.kind === 'apiFailed'));
      const s2 = buildSnapshot({
        now: NOW + 300 + gapMs,
        project: 'biz',
        containers: dead,
        health: promoted.value,
        previous: s1,
      });
      return t
        .diff(s1, s2)
        .events.filter((e) => e.kind === 'failover')
        .map((e) => e.message);
    };
    assert.deepEqual(run(10_000), ['failover wacore1→wacore3']);
    // After minutes without an answer the change is history: the tree shows it, nobody is paged.
    assert.deepEqual(run(5 * 60_000), []);
  });

  it('role change: primary master moves master2 → master1', () => {
    const t = new DiffTracker();
    const a = buildSnapshot({ now: NOW, project: 'biz', health: health('04-third-coreapp-standby.json') });
    const flipped = parseHealth({
      health: {
        'master1:b28d835cd579': { gateway_status: 'connected', role: 'primary_master' },
        'master2:7fe542d305b4': { gateway_status: 'disconnected', role: 'secondary_master' },
        'wacore1:35a5fabfc79d': { gateway_status: 'connected', role: 'coreapp' },
        'wacore2:05e1a6d70665': { gateway_status: 'connected', role: 'coreapp' },
        'wacore3:23b50199bec2': { gateway_status: 'disconnected', role: 'coreapp' },
      },
    });
    assert.ok(flipped.ok);
    const b = buildSnapshot({ now: NOW + 5000, project: 'biz', health: flipped.value, previous: a });
    const d = t.diff(a, b);
    assert.ok(
      d.nodeChanges.some(
        (c) =>
          c.kind === 'roleChanged' &&
          c.node === 'master1' &&
          c.from === 'secondary_master' &&
          c.to === 'primary_master',
      ),
    );
    assert.ok(
      d.events.some((e) => e.kind === 'primaryMasterChanged' && e.message === 'primary master master2→master1'),
    );
    assert.deepEqual([...d.changedNodes].sort(), ['master1', 'master2']);
  });

  it('identical snapshots (apart from time) give an empty diff', () => {
    const t = new DiffTracker();
    const a = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: walkthroughContainers(),
      health: health('04-third-coreapp-standby.json'),
    });
    const b = buildSnapshot({
      now: NOW + 5000,
      project: 'biz',
      containers: walkthroughContainers(),
      health: health('04-third-coreapp-standby.json'),
      previous: a,
    });
    assert.equal(t.diff(a, b).empty, true);
  });

  it('engine unreachable and recovered are cluster events', () => {
    const t = new DiffTracker();
    const a = buildSnapshot({ now: NOW, project: 'biz', containers: walkthroughContainers() });
    const b = buildSnapshot({
      now: NOW + 1,
      project: 'biz',
      engine: { reachable: false, endpoint: 'x', problem: { kind: 'daemonDown', message: 'down' } },
    });
    assert.ok(t.diff(a, b).events.some((e) => e.kind === 'engineUnreachable'));
    assert.ok(t.diff(b, a).events.some((e) => e.kind === 'engineRecovered'));
  });
});
