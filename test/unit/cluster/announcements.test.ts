import assert from 'node:assert/strict';
import {
  Announcer,
  type ClusterChange,
  DEATH_WINDOW_MAX_MS,
  DEATH_WINDOW_MS,
  ExpectedChanges,
  historyLines,
} from '../../../src/cluster/announcements';
import { type ClusterEvent, type NodeChange } from '../../../src/cluster/diff';
import { english } from '../../../src/util/translate';

const NODES = ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3'];

/** A change as the monitor reports it: node names are their service names. */
function change(nodeChanges: NodeChange[], events: ClusterEvent[] = []): ClusterChange {
  return {
    snapshot: { nodes: NODES.map((name) => ({ name, service: name })) },
    diff: { changedNodes: [], nodeChanges, events, clusterChanged: false, empty: false },
  } as unknown as ClusterChange;
}
const died = (node: string, exitCode?: number): NodeChange => ({
  kind: 'containerDied',
  node,
  exitCode,
  message: `${node} stopped`,
});
const started = (node: string): NodeChange => ({ kind: 'containerStarted', node, message: `${node} started` });
const failover = (from: string, to: string): ClusterEvent => ({
  kind: 'failover',
  from,
  to,
  message: `${to} took over from ${from}`,
});

describe('announcements (which change is news)', () => {
  let now: number;
  let expected: ExpectedChanges;
  let announcer: Announcer;
  beforeEach(() => {
    now = Date.parse('2026-01-01T00:00:00Z');
    expected = new ExpectedChanges(() => now);
    announcer = new Announcer(english);
  });
  const messages = (a: { message: string }[]) => a.map((x) => x.message);

  it('a failover is announced exactly once: on the change that reports it, never on later polls', () => {
    assert.deepEqual(messages(announcer.onChange('biz', change([], [failover('wacore1', 'wacore3')]), expected, now)), [
      'biz: failover, wacore3 took over from wacore1.',
    ]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(announcer.onChange('biz', change([]), expected, (now += 1000)), []);
    }
  });

  it('the whole cluster stopped from a terminal is one notification, not one per node', () => {
    const stopped = NODES.slice(1);
    for (const [i, node] of stopped.entries()) {
      // Compose stops them over a second or two: each death extends the window a little.
      assert.deepEqual(announcer.onChange('biz', change([died(node, 0)]), expected, now + i * 300), []);
    }
    assert.deepEqual(announcer.due(now + 5 * 300 + DEATH_WINDOW_MS - 1), [], 'held while the window is open');
    const news = announcer.due(now + 5 * 300 + DEATH_WINDOW_MS);
    assert.equal(news.length, 1, JSON.stringify(news));
    assert.match(news[0]!.message, /^biz: 6 nodes stopped \(waweb, master1, master2, wacore1, wacore2, wacore3\)\.$/);
    assert.equal(news[0]!.severity, 'error');
    assert.equal(announcer.wakeAt, undefined);
  });

  it('a Down the user asked for is no news (expected changes for every service)', () => {
    expected.expect('biz', 10 * 60_000);
    for (const node of NODES) {
      announcer.onChange('biz', change([died(node, 0)]), expected, now);
    }
    assert.equal(announcer.wakeAt, undefined);
    assert.deepEqual(announcer.due(now + DEATH_WINDOW_MAX_MS), []);
  });

  it('expected changes narrowed to named services: another node dying meanwhile is still news', () => {
    expected.expect('biz', 60_000, ['wacore3']);
    assert.equal(expected.isExpected('biz', 'wacore3'), true);
    assert.equal(expected.isExpected('biz', 'wacore1'), false);
    announcer.onChange('biz', change([died('wacore3', 0), died('wacore1', 137)]), expected, now);
    assert.deepEqual(messages(announcer.due(now + DEATH_WINDOW_MS)), ['biz: wacore1 stopped (exit 137).']);
  });

  it('expected changes end after their time, and belong to their project only', () => {
    expected.expect('biz', 1000);
    assert.equal(expected.isExpected('biz'), true);
    assert.equal(expected.isExpected('other'), false);
    now += 1000;
    assert.equal(expected.isExpected('biz'), false);
  });

  it('one or two deaths are announced one by one, with their exit codes when known', () => {
    announcer.onChange('biz', change([died('wacore1', 1), died('wacore2')]), expected, now);
    assert.deepEqual(messages(announcer.due(now + DEATH_WINDOW_MS)), [
      'biz: wacore1 stopped (exit 1).',
      'biz: wacore2 stopped.',
    ]);
  });

  it('died and back within the window (a restart policy at work): one message, not two', () => {
    announcer.onChange('biz', change([died('wacore1', 2)]), expected, now);
    const back = announcer.onChange('biz', change([started('wacore1')]), expected, now + 500);
    assert.deepEqual(messages(back), ['biz: wacore1 stopped (exit 2) and started again.']);
    assert.equal(back[0]!.severity, 'warning');
    assert.deepEqual(announcer.due(now + DEATH_WINDOW_MAX_MS), []);
  });

  it('a node announced as stopped gets a "running again" when it comes back; one never announced does not', () => {
    announcer.onChange('biz', change([died('wacore1', 0)]), expected, now);
    announcer.due(now + DEATH_WINDOW_MS);
    assert.deepEqual(
      messages(announcer.onChange('biz', change([started('wacore1'), started('wacore2')]), expected, now + 10_000)),
      ['biz: wacore1 is running again.'],
    );
  });

  it('a node that keeps dying is announced once until it is back', () => {
    announcer.onChange('biz', change([died('wacore1', 1)]), expected, now);
    announcer.due(now + DEATH_WINDOW_MS);
    announcer.onChange('biz', change([died('wacore1', 1)]), expected, now + 5000);
    assert.equal(announcer.wakeAt, undefined);
  });

  it('each death extends the window, but news is never held longer than the maximum', () => {
    for (let t = 0; t <= DEATH_WINDOW_MAX_MS; t += 1000) {
      announcer.onChange('biz', change([died(`n${t}`)]), expected, now + t);
    }
    assert.equal(announcer.wakeAt, now + DEATH_WINDOW_MAX_MS);
  });

  it('the engine lost and back is announced once each, however many polls report it', () => {
    const lost: ClusterEvent = { kind: 'engineUnreachable', message: 'connect ENOENT /var/run/docker.sock' };
    const back: ClusterEvent = { kind: 'engineRecovered', message: 'back' };
    assert.deepEqual(messages(announcer.onChange('biz', change([], [lost]), expected, now)), [
      'biz: the Docker engine is unreachable (connect ENOENT /var/run/docker.sock).',
    ]);
    assert.deepEqual(announcer.onChange('biz', change([], [lost]), expected, now), []);
    assert.deepEqual(messages(announcer.onChange('biz', change([], [back]), expected, now)), [
      'biz: the Docker engine answers again.',
    ]);
    assert.deepEqual(announcer.onChange('biz', change([], [back]), expected, now), []);
  });

  it('projects are separate, and a project that went away is forgotten (state stays bounded)', () => {
    announcer.onChange('a', change([died('wacore1')]), expected, now);
    announcer.onChange('b', change([died('wacore2')]), expected, now + 100);
    announcer.retain(new Set(['b']));
    assert.deepEqual(messages(announcer.due(now + DEATH_WINDOW_MAX_MS)), ['b: wacore2 stopped.']);
  });

  it('the history keeps every node change and event, named by project', () => {
    assert.deepEqual(historyLines('biz', change([died('wacore1', 1)], [failover('wacore1', 'wacore3')]), expected), [
      'biz: wacore1 stopped',
      'biz: wacore3 took over from wacore1',
    ]);
  });

  it('an upgrade recreating every node moves the shards: no failover announced, and the history says what it was', () => {
    // Upgrade's verify step: every container changes on purpose until the cluster is back.
    expected.expect('biz', 10 * 60_000, ['wacore1', 'wacore2', 'wacore3']);
    const moves = change([], [failover('wacore3', 'wacore2'), failover('wacore2', 'wacore1')]);
    assert.deepEqual(announcer.onChange('biz', moves, expected, (now += 40_000)), []);
    assert.deepEqual(historyLines('biz', moves, expected), [
      'biz: shard moved wacore3→wacore2 (wacore3 was changed on purpose: no failover)',
      'biz: shard moved wacore2→wacore1 (wacore2 was changed on purpose: no failover)',
    ]);
  });

  it('a spare the user just started taking over from an owner that died on its own is still a failover', () => {
    // Add Coreapp (up -d wacore3) a moment ago: only wacore3 is expected to change.
    expected.expect('biz', 15_000, ['wacore3']);
    assert.deepEqual(
      messages(announcer.onChange('biz', change([], [failover('wacore1', 'wacore3')]), expected, (now += 5000))),
      ['biz: failover, wacore3 took over from wacore1.'],
    );
  });

  it('once the expected window is over, a failover is news again', () => {
    expected.expect('biz', 15_000, ['wacore2']);
    now += 16_000;
    assert.deepEqual(messages(announcer.onChange('biz', change([], [failover('wacore2', 'wacore3')]), expected, now)), [
      'biz: failover, wacore3 took over from wacore2.',
    ]);
  });

  it('a node the user starts again after it died is no news (Start, Up of that service); the history still has it', () => {
    announcer.onChange('biz', change([died('wacore1', 137)]), expected, now);
    assert.deepEqual(messages(announcer.due(now + DEATH_WINDOW_MAX_MS)), ['biz: wacore1 stopped (exit 137).']);
    expected.expect('biz', 30_000, ['wacore1']);
    const back = change([started('wacore1')]);
    assert.deepEqual(announcer.onChange('biz', back, expected, (now += 10_000)), []);
    assert.deepEqual(historyLines('biz', back), ['biz: wacore1 started']);
    // Forgotten as down: a later death of its own accord is news again.
    now += 60_000;
    announcer.onChange('biz', change([died('wacore1', 1)]), expected, now);
    assert.deepEqual(messages(announcer.due(now + DEATH_WINDOW_MAX_MS)), ['biz: wacore1 stopped (exit 1).']);
  });

  it('Stop, Start and Restart of one node from the tree make no toast for that node, and the failover it causes is no news', () => {
    expected.expect('biz', 90_000, ['wacore1']);
    assert.deepEqual(announcer.onChange('biz', change([died('wacore1', 0)]), expected, now), []);
    assert.deepEqual(
      announcer.onChange('biz', change([], [failover('wacore1', 'wacore3')]), expected, (now += 35_000)),
      [],
    );
    assert.deepEqual(announcer.onChange('biz', change([started('wacore1')]), expected, (now += 1000)), []);
    assert.deepEqual(announcer.due(now + DEATH_WINDOW_MAX_MS), []);
  });

  it('a failover away from a node nobody named is still news, even while another node is being started', () => {
    expected.expect('biz', 90_000, ['wacore4']);
    assert.deepEqual(messages(announcer.onChange('biz', change([], [failover('wacore1', 'wacore3')]), expected, now)), [
      'biz: failover, wacore3 took over from wacore1.',
    ]);
    // A command on the whole project (Up of everything) does not cover a failover either.
    expected.expect('biz', 90_000);
    assert.deepEqual(messages(announcer.onChange('biz', change([], [failover('wacore2', 'wacore1')]), expected, now)), [
      'biz: failover, wacore1 took over from wacore2.',
    ]);
  });
});
