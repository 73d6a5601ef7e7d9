import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseHealth, type HealthReport } from '../../../src/api/health';
import { type ClusterChange } from '../../../src/cluster/announcements';
import { findingAction } from '../../../src/cluster/findingActions';
import { actionImpact, composeArgs, nodeActions } from '../../../src/cluster/nodeActions';
import {
  clusterHealth,
  describeCluster,
  healthReasons,
  isClusterDown,
  nodeContextValue,
  orderNodes,
  statusBarText,
} from '../../../src/cluster/presentation';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import { describeTakeover, TakeoverWatch } from '../../../src/cluster/takeover';
import { type ClusterSnapshot, type DeclaredService } from '../../../src/cluster/types';
import { container, walkthroughContainers } from '../../fakes/builders';
import { sharedPath } from '../../support/paths';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function health(name: string): HealthReport {
  const r = parseHealth(JSON.parse(fs.readFileSync(sharedPath('fixtures', 'health', name), 'utf8')));
  assert.ok(r.ok);
  return r.value;
}

const DECLARED: DeclaredService[] = [
  { name: 'db', kind: 'other', image: 'wa-emulator/db:mysql-8.0.33' },
  { name: 'waweb', kind: 'web' },
  { name: 'master1', kind: 'master', hostname: 'master1' },
  { name: 'master2', kind: 'master', hostname: 'master2' },
  { name: 'wacore1', kind: 'coreapp', hostname: 'wacore1' },
  { name: 'wacore2', kind: 'coreapp', hostname: 'wacore2' },
  { name: 'wacore3', kind: 'coreapp', hostname: 'wacore3' },
];

/** Two shards on wacore1 and wacore2, wacore3 standby, master2 primary (fixture 04). */
function running(include?: string[]): ClusterSnapshot {
  return buildSnapshot({
    now: NOW,
    project: 'biz',
    declared: DECLARED,
    containers: walkthroughContainers(include ? { include } : {}),
    health: health('04-third-coreapp-standby.json'),
    shards: 2,
  });
}

/** After Down: no container, the API does not answer. */
function afterDown(): ClusterSnapshot {
  return buildSnapshot({
    now: NOW,
    project: 'biz',
    declared: DECLARED,
    containers: [],
    api: {
      status: 'error',
      errorKind: 'network',
      message: 'connect ECONNREFUSED 127.0.0.1:9090',
      fingerprint256: undefined,
    },
    shards: 2,
  });
}

const node = (s: ClusterSnapshot, name: string) => {
  const n = s.nodes.find((x) => x.name === name);
  assert.ok(n, name);
  return n;
};

describe('node actions (Start, Stop, Restart, Recreate)', () => {
  it('a running node offers Stop, Restart and Recreate; a never-created one offers Start (Compose up -d)', () => {
    const s = running(['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    assert.deepEqual(nodeActions(node(s, 'wacore1')), ['stop', 'restart', 'recreate']);
    const spare = node(s, 'wacore3');
    assert.equal(spare.container, null);
    assert.deepEqual(nodeActions(spare), ['start']);
    assert.deepEqual(composeArgs('start', spare), ['up', '-d', '--no-deps', 'wacore3']);
    assert.deepEqual(composeArgs('stop', node(s, 'wacore1')), ['stop', 'wacore1']);
    assert.deepEqual(composeArgs('recreate', node(s, 'wacore1')), [
      'up',
      '-d',
      '--no-deps',
      '--force-recreate',
      'wacore1',
    ]);
    assert.match(nodeContextValue(spare), /\+canStart\b/);
    assert.doesNotMatch(nodeContextValue(spare), /\+canStop\b/);
    assert.match(nodeContextValue(node(s, 'wacore1')), /\+canStop\+canRestart\+canRecreate/);
  });

  it('a stopped container offers Start (compose start) and Recreate', () => {
    const containers = walkthroughContainers().map((c) =>
      c.service === 'wacore3' ? { ...c, state: 'exited' as const, exitCode: 0 } : c,
    );
    const s = buildSnapshot({ now: NOW, project: 'biz', declared: DECLARED, containers });
    assert.deepEqual(nodeActions(node(s, 'wacore3')), ['start', 'recreate']);
    assert.deepEqual(composeArgs('start', node(s, 'wacore3')), ['start', 'wacore3']);
  });

  it('a node seen only in /v1/health (another host) offers nothing', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', health: health('04-third-coreapp-standby.json') });
    assert.ok(s.nodes.length > 0);
    assert.ok(s.nodes.every((n) => nodeActions(n).length === 0));
  });

  it('Stop of a shard owner with a spare says a failover follows after unhealthy_interval', () => {
    const s = running();
    const impact = actionImpact(s, node(s, 'wacore1'), 'stop', undefined, 30);
    assert.equal(impact?.kind, 'failover');
    assert.match(impact?.detail ?? '', /after about 30 s .* the spare wacore3 takes it over/);
    assert.equal(impact?.goOn, 'Stop');
  });

  it('Restart of a shard owner without a spare says it is a brief outage', () => {
    const s = running(['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    const impact = actionImpact(s, node(s, 'wacore2'), 'restart');
    assert.equal(impact?.kind, 'outage');
    assert.match(impact?.detail ?? '', /no spare coreapp.*brief outage/);
  });

  it('Stop of the primary master names the secondary that takes the lease; alone, it says what pauses', () => {
    const s = running();
    const impact = actionImpact(s, node(s, 'master2'), 'stop');
    assert.equal(impact?.kind, 'failover');
    assert.match(impact?.detail ?? '', /master1 takes over the master lease/);
    const alone = running(['db', 'waweb', 'master2', 'wacore1', 'wacore2', 'wacore3']);
    assert.equal(actionImpact(alone, node(alone, 'master2'), 'restart')?.kind, 'outage');
  });

  it('Stop of a standby coreapp, a secondary master or the web needs no warning; Start never does', () => {
    const s = running();
    assert.equal(actionImpact(s, node(s, 'wacore3'), 'stop'), undefined);
    assert.equal(actionImpact(s, node(s, 'master1'), 'stop'), undefined);
    assert.equal(actionImpact(s, node(s, 'waweb'), 'restart'), undefined);
    assert.equal(actionImpact(s, node(s, 'wacore1'), 'start'), undefined);
  });
});

describe('quiet on purpose: a cluster that is down', () => {
  it('after Down the root and the status bar say down, and nothing warns about the API', () => {
    const s = afterDown();
    assert.ok(isClusterDown(s));
    assert.equal(describeCluster(s, undefined, true), 'down');
    assert.match(statusBarText(s), /WA down$/);
    assert.equal(clusterHealth(s), 'stopped');
    assert.deepEqual(
      s.cluster.findings.filter((f) => f.severity !== 'info'),
      [],
    );
    assert.deepEqual(healthReasons(s), []);
  });

  it('a running cluster whose API fails is not down and still warns', () => {
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      declared: DECLARED,
      containers: walkthroughContainers(),
      api: { status: 'error', errorKind: 'network', message: 'ECONNREFUSED', fingerprint256: undefined },
    });
    assert.equal(isClusterDown(s), false);
    assert.ok(s.cluster.findings.some((f) => f.id === 'api-unreachable'));
  });

  it('the tree order is the same whether the cluster runs or is down (db first)', () => {
    const names = (s: ClusterSnapshot) => orderNodes(s.nodes).map((n) => n.name);
    const up = buildSnapshot({
      now: NOW,
      project: 'biz',
      declared: DECLARED,
      containers: walkthroughContainers().map((c) =>
        c.service === 'db' ? { ...c, image: 'wa-emulator/db:mysql-8.0.33' } : c,
      ),
    });
    assert.deepEqual(names(up), ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3']);
    assert.deepEqual(names(afterDown()), names(up));
  });

  it('a finished DB-upgrade container is no node; a running one is', () => {
    const upgrade = (state: 'exited' | 'running') =>
      container({ service: 'dbupgrade', state, exitCode: 0, env: { WA_DB_UPGRADE: '1' } });
    const done = buildSnapshot({
      now: NOW,
      project: 'biz',
      declared: [...DECLARED, { name: 'dbupgrade', kind: 'other', dbUpgrade: true }],
      containers: [...walkthroughContainers(), upgrade('exited')],
    });
    assert.equal(
      done.nodes.some((n) => n.name === 'dbupgrade'),
      false,
    );
    const declaredOnly = buildSnapshot({
      now: NOW,
      project: 'biz',
      declared: [...DECLARED, { name: 'dbupgrade', kind: 'other', dbUpgrade: true }],
      containers: walkthroughContainers(),
    });
    assert.equal(
      declaredOnly.nodes.some((n) => n.name === 'dbupgrade'),
      false,
    );
    const busy = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: [...walkthroughContainers(), upgrade('running')],
    });
    assert.ok(busy.nodes.some((n) => n.name === 'dbupgrade'));
  });
});

describe('the amber status bar says why', () => {
  it('lists the warnings: no spare, a stopped node', () => {
    const noSpare = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: walkthroughContainers({ include: ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'] }),
      health: health('03-after-two-shards.json'),
      shards: 2,
    });
    assert.equal(clusterHealth(noSpare), 'warning');
    assert.deepEqual(healthReasons(noSpare), ['2 shards, 2 coreapps: no spare, one failure drops half the traffic.']);
    const containers = walkthroughContainers().map((c) =>
      c.service === 'wacore3' ? { ...c, state: 'exited' as const, exitCode: 0 } : c,
    );
    const stopped = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers,
      health: health('03-after-two-shards.json'),
      shards: 2,
    });
    assert.ok(healthReasons(stopped).includes('wacore3 is stopped.'), JSON.stringify(healthReasons(stopped)));
  });

  it('says nothing when all is well', () => {
    assert.deepEqual(healthReasons(running()), []);
  });
});

describe('findings act', () => {
  it('each actionable finding names its command', () => {
    const f = (id: string, nodes?: string[]) => findingAction({ id, severity: 'warning', message: '', nodes });
    assert.deepEqual(f('not-registered'), { kind: 'registerNumber' });
    assert.deepEqual(f('no-spare'), { kind: 'addCoreapp' });
    assert.deepEqual(f('too-few-coreapps'), { kind: 'setShards' });
    assert.deepEqual(f('absent-from-health:wacore3', ['wacore3']), { kind: 'openCompose', service: 'wacore3' });
    assert.deepEqual(f('container-crashed:wacore1', ['wacore1']), { kind: 'showLogs', node: 'wacore1' });
    assert.deepEqual(f('api-unreachable'), { kind: 'signIn' });
  });
});

describe('a spare about to take over', () => {
  const changeOf = (snapshot: ClusterSnapshot, events: ClusterChange['diff']['events']): ClusterChange => ({
    snapshot,
    diff: { changedNodes: [], nodeChanges: [], events, clusterChanged: true, empty: false },
  });

  it('counts down unhealthy_interval from when the shard owner stopped answering, then clears on the failover', () => {
    const watch = new TakeoverWatch();
    const containers = walkthroughContainers().map((c) =>
      c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 0 } : c,
    );
    const lost = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers,
      health: health('04-third-coreapp-standby.json'),
      shards: 2,
    });
    const degraded = { ...lost, cluster: { ...lost.cluster, connectedCoreapps: 1 } };
    watch.onChange(
      changeOf(degraded, [{ kind: 'shardOwnerLost', node: 'wacore1', message: 'wacore1 no longer owns a shard' }]),
    );
    const pending = watch.pending(degraded, NOW + 5_000, 30);
    assert.deepEqual(pending, [{ node: 'wacore1', spares: ['wacore3'], remainingS: 25 }]);
    assert.equal(
      describeTakeover(pending[0]!),
      'wacore1 stopped answering: a spare (wacore3) takes over its shard in about 25 s.',
    );
    assert.equal(watch.pending(degraded, NOW + 31_000, 30)[0]?.remainingS, 0);
    assert.deepEqual(watch.pending(degraded, NOW + 60_000, 30), []);
    watch.onChange(changeOf(running(), [{ kind: 'failover', from: 'wacore1', to: 'wacore3', message: '' }]));
    assert.deepEqual(watch.pending(degraded, NOW + 6_000, 30), []);
  });

  it('says nothing without a running spare', () => {
    const watch = new TakeoverWatch();
    const s = running(['db', 'waweb', 'master1', 'master2', 'wacore2']);
    const degraded = { ...s, cluster: { ...s.cluster, connectedCoreapps: 1 } };
    watch.onChange(changeOf(degraded, [{ kind: 'shardOwnerLost', node: 'wacore1', message: '' }]));
    assert.deepEqual(watch.pending(degraded, NOW + 1000), []);
  });
});
