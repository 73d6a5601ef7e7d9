import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseHealth, type HealthReport } from '../../../src/api/health';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import {
  clusterHealth,
  describeCluster,
  describeNode,
  describePort,
  formatUptime,
  lookOfState,
  nodeContextValue,
  nodeTooltip,
  orderNodes,
  statusBarText,
} from '../../../src/cluster/presentation';
import { type ClusterSnapshot } from '../../../src/cluster/types';
import { walkthroughContainers } from '../../fakes/builders';
import { sharedPath } from '../../support/paths';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function health(name: string): HealthReport {
  const r = parseHealth(JSON.parse(fs.readFileSync(sharedPath('fixtures', 'health', name), 'utf8')));
  assert.ok(r.ok);
  return r.value;
}

function snapshot(fixture: string, include?: string[], shards?: number): ClusterSnapshot {
  return buildSnapshot({
    now: NOW,
    project: 'biz',
    containers: walkthroughContainers(include ? { include } : {}),
    health: health(fixture),
    shards,
  });
}

const described = (s: ClusterSnapshot) => Object.fromEntries(orderNodes(s.nodes).map((n) => [n.name, describeNode(n)]));

describe('cluster/presentation', () => {
  it('orders db → web → masters → coreapps and words fixture 01 (before registration)', () => {
    const s = snapshot('01-up-before-register.json', ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    assert.deepEqual(Object.keys(described(s)), ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    const d = described(s);
    assert.equal(d.master2, 'primary master · unregistered');
    assert.match(d.wacore1 ?? '', /^coreapp · /);
    assert.match(describeCluster(s), /not registered/);
    assert.match(statusBarText(s), /WA unregistered/);
  });

  it('tells standby from failure after registration (fixture 02)', () => {
    const s = snapshot('02-after-register.json', ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    const d = described(s);
    assert.equal(d.wacore1, 'coreapp · connected');
    assert.equal(d.wacore2, 'coreapp · standby');
    assert.equal(d.master1, 'secondary master · standby');
    assert.equal(lookOfState('standby').icon, 'circle-large-outline');
    assert.notEqual(lookOfState('standby').color, lookOfState('error').color);
  });

  it('shows 2/2 shards connected after two shards (fixture 03) and in the status bar', () => {
    const s = snapshot('03-after-two-shards.json', ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'], 2);
    assert.match(describeCluster(s), /2\/2 shards connected/);
    assert.match(statusBarText(s), /WA 2\/2$/);
    assert.equal(described(s).master2, 'primary master · connected');
  });

  it('shows the spare as standby with a third coreapp (fixture 04)', () => {
    const s = snapshot('04-third-coreapp-standby.json', undefined, 2);
    assert.equal(described(s).wacore3, 'coreapp · standby');
    assert.equal(clusterHealth(s), 'ok');
  });

  it('words a stopped container with its exit code and gives it context flags', () => {
    const containers = walkthroughContainers().map((c) =>
      c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 137, status: 'Exited (137)' } : c,
    );
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers,
      health: health('04-third-coreapp-standby.json'),
      shards: 2,
    });
    const node = s.nodes.find((n) => n.name === 'wacore1');
    assert.ok(node);
    assert.match(describeNode(node), /stopped \(exit 137\)/);
    assert.match(nodeContextValue(node), /^waCluster\.node\+coreapp\+stopped\+container\+notRunning/);
  });

  it('puts the health errors verbatim and port links in the tooltip', () => {
    const s = snapshot('01-up-before-register.json', ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2']);
    const wacore1 = s.nodes.find((n) => n.name === 'wacore1');
    const waweb = s.nodes.find((n) => n.name === 'waweb');
    assert.ok(wacore1 && waweb);
    assert.match(
      nodeTooltip(wacore1, NOW),
      /\*\*1011\*\* Service not ready: Wacore is not instantiated\\\. Please check wacore log for details\\\./,
    );
    assert.match(nodeTooltip(waweb, NOW), /\(https:\/\/127\.0\.0\.1:9090\)/);
  });

  it('describes ports and uptimes', () => {
    assert.deepEqual(describePort({ containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 9090 }), {
      text: '127.0.0.1:9090 → 443/tcp',
      url: 'https://127.0.0.1:9090',
    });
    assert.equal(
      describePort({ containerPort: 6250, protocol: 'tcp', hostIp: undefined, hostPort: undefined }).text,
      '6250/tcp (not published)',
    );
    assert.equal(formatUptime(59_000), '59s');
    assert.equal(formatUptime(3_600_000 * 3 + 60_000 * 5), '3h 5m');
    assert.equal(formatUptime(3_600_000 * 50), '2d 2h');
  });

  it('does not call a signed-in cluster "not signed in" while its first health answer is pending', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', containers: walkthroughContainers() });
    assert.match(describeCluster(s), /API not signed in/);
    assert.doesNotMatch(describeCluster(s, undefined, true), /not signed in/);
  });

  it('says Docker is unreachable when nothing is known', () => {
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      engine: {
        reachable: false,
        endpoint: 'unix:///var/run/docker.sock',
        problem: { kind: 'daemonDown', message: 'down' },
      },
    });
    assert.match(describeCluster(s), /Docker unreachable/);
    assert.equal(clusterHealth(s), 'error');
    assert.match(statusBarText(s), /Docker unreachable/);
  });
});
