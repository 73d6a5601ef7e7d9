import assert from 'node:assert/strict';
import { type HealthReport, parseHealth } from '../../../src/api/health';
import { Announcer, ExpectedChanges } from '../../../src/cluster/announcements';
import { DiffTracker } from '../../../src/cluster/diff';
import {
  hostProject,
  hostVariables,
  inventoryCluster,
  inventoryProjectName,
  withoutInventoryFiles,
  type HostEngine,
} from '../../../src/cluster/hostEngines';
import { describeHost, describeHostsGroup, hostLook, hostTooltip } from '../../../src/cluster/hostsPresentation';
import { snapshotToJson, snapshotToText } from '../../../src/cluster/json';
import { describeNode } from '../../../src/cluster/presentation';
import { ClusterMonitor, type MonitorChange } from '../../../src/cluster/monitor';
import { type HostInput, buildSnapshot } from '../../../src/cluster/snapshot';
import { type DeclaredService, type HostStatus } from '../../../src/cluster/types';
import { DockerError } from '../../../src/docker/errors';
import { type ContainerDetails } from '../../../src/docker/types';
import { type InventoryHost } from '../../../src/inventory/inventory';
import { english } from '../../../src/util/translate';
import { container } from '../../fakes/builders';
import { FakeClock } from '../../fakes/fakeClock';
import { FakeDocker } from '../../fakes/fakeDocker';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HOSTS = ['host1', 'host2', 'host3'] as const;
const address = (h: string): string => `10.0.0.${h.slice(-1)}`;
const DECLARED: DeclaredService[] = [
  { name: 'waweb', kind: 'web' },
  { name: 'wacore', kind: 'coreapp' },
  { name: 'master', kind: 'master' },
];

/** The same three services on every host (the vendor's prod-multiconnect file), ids unique per host. */
function hostContainers(h: string): ContainerDetails[] {
  const n = h.slice(-1);
  return [
    container({ service: 'waweb', idPrefix: `${n}a`, project: 'wa', image: 'docker.whatsapp.biz/web:v2.45.1' }),
    container({ service: 'wacore', idPrefix: `${n}b`, project: 'wa' }),
    container({ service: 'master', idPrefix: `${n}c`, project: 'wa' }),
  ];
}

function status(name: string, reachable = true): HostStatus {
  return {
    name,
    endpoint: `unix:///${name}.sock`,
    reachable,
    problem: reachable ? undefined : { kind: 'daemonDown', message: 'connection refused' },
    version: reachable ? '20.10.24' : undefined,
    latencyMs: reachable ? 3 : undefined,
    externalHostname: address(name),
  };
}

function hosts(down: readonly string[] = []): HostInput[] {
  return HOSTS.map((h) => ({
    status: status(h, !down.includes(h)),
    containers: down.includes(h) ? undefined : hostContainers(h),
    declared: DECLARED,
  }));
}

/** `/v1/health` as the web answers across hosts: `EXTERNAL_HOSTNAME:<short id>` keys. */
function healthOf(entries: Record<string, { gateway_status: string; role: string }>): HealthReport {
  const r = parseHealth({ health: entries });
  assert.ok(r.ok);
  return r.value;
}

function clusterHealth(): HealthReport {
  const id = (h: string, s: string): string => `${address(h)}:${`${h.slice(-1)}${s}`.padEnd(12, '0')}`;
  return healthOf({
    [id('host1', 'b')]: { gateway_status: 'connected', role: 'coreapp' },
    [id('host2', 'b')]: { gateway_status: 'connected', role: 'coreapp' },
    [id('host3', 'b')]: { gateway_status: 'disconnected', role: 'coreapp' },
    [id('host1', 'c')]: { gateway_status: 'connected', role: 'primary_master' },
    [id('host2', 'c')]: { gateway_status: 'disconnected', role: 'secondary_master' },
    [id('host3', 'c')]: { gateway_status: 'disconnected', role: 'secondary_master' },
  });
}

describe('cluster across hosts (inventory)', () => {
  it('one node per host and service, each with its host; health entries matched to the container on their host by id', () => {
    const s = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(), health: clusterHealth() });
    assert.deepEqual(
      s.nodes.map((n) => [n.name, n.host, n.state]),
      [
        ['host1/waweb', 'host1', 'connected'],
        ['host2/waweb', 'host2', 'connected'],
        ['host3/waweb', 'host3', 'connected'],
        ['host1/master', 'host1', 'connected'],
        ['host2/master', 'host2', 'standby'],
        ['host3/master', 'host3', 'standby'],
        ['host1/wacore', 'host1', 'connected'],
        ['host2/wacore', 'host2', 'connected'],
        ['host3/wacore', 'host3', 'standby'],
      ],
    );
    for (const n of s.nodes.filter((x) => x.kind !== 'web')) {
      assert.equal(n.healthKey?.split(':')[0], address(n.host ?? ''), n.name);
      assert.ok(n.container && n.healthKey?.endsWith(n.container.id.slice(0, 12)), n.name);
    }
    assert.equal(s.cluster.connectedCoreapps, 2);
    assert.equal(s.cluster.primaryMaster, 'host1/master');
    assert.deepEqual(
      s.hosts?.map((h) => h.name),
      ['host1', 'host2', 'host3'],
    );
    assert.equal(s.engine.reachable, true);
  });

  it('the same short id on two hosts: the entry goes to the host its EXTERNAL_HOSTNAME names', () => {
    const same = (h: string): ContainerDetails[] => [
      container({ service: 'wacore', idPrefix: 'abcdef', project: 'wa' }),
      ...hostContainers(h).filter((c) => c.service !== 'wacore'),
    ];
    const s = buildSnapshot({
      now: NOW,
      project: 'wa',
      hosts: ['host1', 'host2'].map((h) => ({ status: status(h), containers: same(h), declared: DECLARED })),
      health: healthOf({ [`${address('host2')}:abcdef000000`]: { gateway_status: 'connected', role: 'coreapp' } }),
    });
    assert.equal(s.nodes.find((n) => n.healthKey)?.name, 'host2/wacore');
  });

  it('an unreachable host: its nodes unknown (never stopped), its entries still on its declared nodes by role, one finding', () => {
    const s = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(['host2']), health: clusterHealth() });
    const host2 = s.nodes.filter((n) => n.host === 'host2');
    assert.deepEqual(
      host2.map((n) => [n.name, n.state, n.container]),
      [
        ['host2/waweb', 'unknown', null],
        ['host2/master', 'unknown', null],
        ['host2/wacore', 'unknown', null],
      ],
    );
    assert.match(host2[0]!.stateReason, /^host host2 unreachable: connection refused/);
    // In the tree: unknown, neither stopped nor "not created" (the containers may well run).
    assert.deepEqual(
      host2.map((n) => describeNode(n)),
      ['web · unknown', 'secondary master · unknown', 'coreapp · unknown'],
    );
    // The host's master and coreapp share its EXTERNAL_HOSTNAME: the role tells them apart.
    assert.equal(host2.find((n) => n.kind === 'master')?.reportedRole, 'secondary_master');
    assert.equal(host2.find((n) => n.kind === 'coreapp')?.reportedRole, 'coreapp');
    const f = s.cluster.findings.filter((x) => x.id.startsWith('host-unreachable:'));
    assert.deepEqual(
      f.map((x) => x.id),
      ['host-unreachable:host2'],
    );
    assert.deepEqual(f[0]?.nodes, ['host2/waweb', 'host2/master', 'host2/wacore']);
    assert.ok(!s.cluster.findings.some((x) => x.id.startsWith('health-without-container:')));
    assert.ok(!s.cluster.findings.some((x) => x.id === 'engine-unreachable'), 'the other hosts answer');
    assert.equal(s.engine.reachable, true);
  });

  it('every host unreachable: the engine is unreachable, with the first host named', () => {
    const s = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(['host1', 'host2', 'host3']) });
    assert.equal(s.engine.reachable, false);
    assert.match(s.engine.problem?.message ?? '', /^host1: connection refused/);
    assert.ok(s.cluster.findings.some((x) => x.id === 'engine-unreachable'));
    assert.ok(s.nodes.every((n) => n.state === 'unknown'));
  });

  it('diff: a host lost is one hostUnreachable event and no container death; back is hostRecovered; announced once each', () => {
    const tracker = new DiffTracker();
    const a = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(), health: clusterHealth() });
    const b = buildSnapshot({ now: NOW + 1000, project: 'wa', hosts: hosts(['host3']), health: clusterHealth() });
    const c = buildSnapshot({ now: NOW + 2000, project: 'wa', hosts: hosts(['host3']), health: clusterHealth() });
    const d = buildSnapshot({ now: NOW + 3000, project: 'wa', hosts: hosts(), health: clusterHealth() });
    tracker.diff(undefined, a);
    const lost = tracker.diff(a, b);
    assert.deepEqual(
      lost.events.filter((e) => e.kind === 'hostUnreachable').map((e) => e.message),
      ['host host3 unreachable: connection refused'],
    );
    assert.ok(!lost.nodeChanges.some((x) => x.kind === 'containerDied'), JSON.stringify(lost.nodeChanges));
    const still = tracker.diff(b, c);
    const back = tracker.diff(c, d);
    assert.ok(back.events.some((e) => e.kind === 'hostRecovered' && e.host === 'host3'));
    const announcer = new Announcer(english);
    const expected = new ExpectedChanges(() => NOW);
    const said = [
      { snapshot: b, diff: lost },
      { snapshot: c, diff: still },
      { snapshot: d, diff: back },
    ].flatMap((change) => announcer.onChange('wa', change, expected, NOW).map((x) => x.message));
    assert.deepEqual(said, [
      "wa: host host3's Docker engine is unreachable; its nodes are shown as unknown.",
      "wa: host host3's Docker engine answers again.",
    ]);
  });

  it('a shard owner on a lost host, taken over by the spare on another host: one failover event', () => {
    const tracker = new DiffTracker();
    const a = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(), health: clusterHealth() });
    const after = healthOf({
      [`${address('host1')}:1b0000000000`]: { gateway_status: 'connected', role: 'coreapp' },
      [`${address('host3')}:3b0000000000`]: { gateway_status: 'connected', role: 'coreapp' },
      [`${address('host1')}:1c0000000000`]: { gateway_status: 'connected', role: 'primary_master' },
      [`${address('host3')}:3c0000000000`]: { gateway_status: 'disconnected', role: 'secondary_master' },
    });
    const b = buildSnapshot({ now: NOW + 1000, project: 'wa', hosts: hosts(['host2']), health: clusterHealth() });
    const c = buildSnapshot({ now: NOW + 5000, project: 'wa', hosts: hosts(['host2']), health: after });
    tracker.diff(undefined, a);
    const events = [...tracker.diff(a, b).events, ...tracker.diff(b, c).events].filter((e) => e.kind === 'failover');
    assert.deepEqual(
      events.map((e) => e.message),
      ['failover host2/wacore→host3/wacore'],
    );
  });

  it('status JSON and table: a host per node and a line per engine', () => {
    const s = buildSnapshot({ now: NOW, project: 'wa', hosts: hosts(['host3']), health: clusterHealth() });
    const j = snapshotToJson(s);
    assert.deepEqual(
      j.nodes.map((n) => n.host),
      ['host1', 'host2', 'host3', 'host1', 'host2', 'host3', 'host1', 'host2', 'host3'],
    );
    assert.deepEqual(j.hosts[0], {
      name: 'host1',
      endpoint: 'unix:///host1.sock',
      reachable: true,
      problem: null,
      dockerVersion: '20.10.24',
      latencyMs: 3,
    });
    assert.equal(j.hosts[2]?.problem, 'connection refused');
    const text = snapshotToText(s);
    assert.match(text, /^host host1: reachable · Docker 20\.10\.24 · 3 ms · unix:\/\/\/host1\.sock$/m);
    assert.match(text, /^host host3: UNREACHABLE \(connection refused\)/m);
    assert.match(text, /^NODE\s+HOST\s+ROLE/m);
    assert.match(text, /^host2\/wacore\s+host2\s+coreapp\s+connected/m);
  });

  it('without an inventory nothing changes: no host on nodes, no hosts on the snapshot', () => {
    const s = buildSnapshot({ now: NOW, project: 'wa', containers: hostContainers('host1'), declared: DECLARED });
    assert.equal(s.hosts, undefined);
    assert.ok(s.nodes.every((n) => !('host' in n)));
    assert.deepEqual(
      s.nodes.map((n) => n.name),
      ['waweb', 'master', 'wacore'],
    );
  });
});

describe('cluster/monitor across hosts', () => {
  function setup() {
    const clock = new FakeClock();
    const engines = HOSTS.map((h) => {
      const d = new FakeDocker();
      d.containers = hostContainers(h);
      return d;
    });
    const monitor = new ClusterMonitor({
      project: 'wa',
      clock,
      hosts: HOSTS.map((name, i) => ({
        name,
        docker: engines[i],
        externalHostname: address(name),
        declared: () => DECLARED,
      })),
      health: () => Promise.resolve(clusterHealth()),
    });
    const changes: MonitorChange[] = [];
    monitor.onDidChange((c) => changes.push(c));
    return { clock, engines, monitor, changes };
  }

  it('one event subscription per host; each host refreshed on its own events', async () => {
    const t = setup();
    await t.clock.advance(0);
    assert.deepEqual(
      t.engines.map((e) => e.activeSubscriptions),
      [1, 1, 1],
    );
    assert.equal(t.monitor.snapshot?.nodes.length, 9);
    assert.deepEqual(
      t.monitor.snapshot?.hosts?.map((h) => [h.name, h.reachable, h.version]),
      [
        ['host1', true, '20.10.24'],
        ['host2', true, '20.10.24'],
        ['host3', true, '20.10.24'],
      ],
    );
    const lists = t.engines.map((e) => e.calls.list);
    t.engines[1]!.update('wacore', { state: 'exited', exitCode: 137 });
    t.engines[1]!.emit({ action: 'die', containerId: t.engines[1]!.containers[1]!.id });
    await t.clock.advance(10);
    assert.deepEqual(
      t.engines.map((e) => e.calls.list - (lists[t.engines.indexOf(e)] ?? 0)),
      [0, 1, 0],
    );
    assert.equal(t.monitor.snapshot?.nodes.find((n) => n.name === 'host2/wacore')?.state, 'stopped');
    t.monitor.dispose();
    assert.deepEqual(
      t.engines.map((e) => e.activeSubscriptions),
      [0, 0, 0],
    );
  });

  it('one host down: only its nodes turn unknown, the others stay live; back on its own', async () => {
    const t = setup();
    await t.clock.advance(0);
    t.engines[2]!.setDown(new DockerError('daemonDown', 'Cannot connect to the Docker daemon'));
    await t.clock.advance(10);
    const s = t.monitor.snapshot!;
    assert.deepEqual(
      s.nodes.filter((n) => n.state === 'unknown').map((n) => n.name),
      ['host3/waweb', 'host3/master', 'host3/wacore'],
    );
    assert.equal(s.hosts?.[2]?.reachable, false);
    assert.equal(s.hosts?.[2]?.latencyMs, undefined);
    t.engines[2]!.setDown(undefined);
    await t.clock.advance(10);
    assert.equal(t.monitor.snapshot?.hosts?.[2]?.reachable, true);
    assert.ok(t.monitor.snapshot?.nodes.every((n) => n.state !== 'unknown'));
    t.monitor.dispose();
  });

  it('a host whose endpoint is unusable is listed with its problem', async () => {
    const clock = new FakeClock();
    const monitor = new ClusterMonitor({
      project: 'wa',
      clock,
      hosts: [
        {
          name: 'far',
          docker: undefined,
          problem: new DockerError('unreachable', 'Host far: cannot read the CA certificate /x/ca.pem'),
          declared: () => DECLARED,
        },
      ],
    });
    const s = await monitor.refresh();
    assert.equal(s.hosts?.[0]?.reachable, false);
    assert.match(s.hosts?.[0]?.problem?.message ?? '', /cannot read the CA certificate/);
    assert.ok(s.nodes.every((n) => n.state === 'unknown' && n.host === 'far'));
    monitor.dispose();
  });
});

describe('cluster/hostEngines', () => {
  const files: Record<string, string> = {
    '/inv/compose.yml':
      'services:\n  wacore:\n    image: docker.whatsapp.biz/coreapp:v${WA_API_VERSION}\n    environment:\n      COREAPP_HOSTNAME: ${EXTERNAL_HOSTNAME}\n',
    '/inv/a.env': 'EXTERNAL_HOSTNAME=10.0.0.1\nWA_API_VERSION=2.45.1\n',
    '/inv/b.env': 'EXTERNAL_HOSTNAME=10.0.0.9\nCOMPOSE_PROJECT_NAME=wa\n',
    '/inv/.env': 'EXTERNAL_HOSTNAME=10.0.0.7\n',
  };
  const reader = { read: (p: string) => files[p] };
  const host = (envFiles: string[]): InventoryHost => ({
    name: 'h',
    docker: { kind: 'context', name: 'default' },
    composeFiles: ['/inv/compose.yml'],
    envFiles,
    spans: { key: { file: '', start: 0, end: 0 }, docker: { file: '', start: 0, end: 0 }, compose: [], env: [] },
  });

  it("reads a host's env files in order (later ones win), else the .env beside its compose file", () => {
    assert.deepEqual(hostVariables(host(['/inv/a.env', '/inv/b.env']), reader, '/inv'), {
      EXTERNAL_HOSTNAME: '10.0.0.9',
      WA_API_VERSION: '2.45.1',
      COMPOSE_PROJECT_NAME: 'wa',
    });
    assert.deepEqual(hostVariables(host([]), reader, '/inv'), { EXTERNAL_HOSTNAME: '10.0.0.7' });
  });

  it("declares the host's services interpolated with its own variables, and its project name", () => {
    const h = host(['/inv/a.env', '/inv/b.env']);
    const p = hostProject(h, hostVariables(h, reader, '/inv'), { reader, env: {} });
    assert.equal(p?.projectName, 'wa');
    assert.deepEqual(p?.declared, [
      { name: 'wacore', kind: 'coreapp', hostname: '10.0.0.9', image: 'docker.whatsapp.biz/coreapp:v2.45.1' },
    ]);
    assert.equal(hostProject({ ...h, composeFiles: ['/inv/missing.yml'] }, {}, { reader, env: {} }), undefined);
  });

  it('the project is the one most cluster hosts carry (a database-only host does not count)', () => {
    const e = (projectName: string, kinds: DeclaredService['kind'][]): HostEngine =>
      ({ projectName, declared: () => kinds.map((kind) => ({ name: kind, kind })) }) as unknown as HostEngine;
    assert.equal(
      inventoryProjectName([e('db', ['db']), e('wa', ['web']), e('wa', ['coreapp']), e('x', ['master'])]),
      'wa',
    );
  });
});

describe('cluster/hostsPresentation', () => {
  it("a host's line: Docker version and latency, or why it does not answer", () => {
    assert.equal(describeHost(status('host1')), 'Docker 20.10.24 · 3 ms');
    assert.equal(describeHost(status('host2', false)), 'unreachable: connection refused');
    assert.equal(describeHost({ ...status('host2', false), problem: undefined }), 'not reached yet');
    assert.equal(hostLook(status('host1')).color, 'charts.green');
    assert.equal(hostLook(status('host2', false)).color, 'charts.red');
  });

  it('the group: how many hosts, or how many answer', () => {
    assert.equal(describeHostsGroup([status('a'), status('b')]), '2 hosts');
    assert.equal(describeHostsGroup([status('a')]), '1 host');
    assert.equal(describeHostsGroup([status('a'), status('b', false)]), '1/2 reachable');
  });

  it('the tooltip names the endpoint, the EXTERNAL_HOSTNAME and the nodes', () => {
    assert.equal(
      hostTooltip(status('host1'), ['host1/waweb', 'host1/wacore']),
      '**host1** · Docker 20.10.24 · 3 ms  \nDocker endpoint: unix:///host1.sock  \nEXTERNAL_HOSTNAME: 10.0.0.1  \nNodes: host1/waweb, host1/wacore',
    );
  });
});

describe('cluster/hostEngines: the inventory as a workspace cluster', () => {
  it("one cluster per inventory, its hosts' compose files no cluster of their own", () => {
    const h = (name: string, files: string[]) =>
      ({
        name,
        host: { composeFiles: files, envFiles: [`/inv/${name}.env`] },
        projectName: 'wa',
        variables: { WA_API_VERSION: 'v2.45.1' },
        declared: () => DECLARED,
      }) as unknown as HostEngine;
    const inv = {
      path: '/inv/wa-cluster.inventory.yml',
      dir: '/inv',
      shards: 1,
      web: { url: 'https://10.0.0.1:9090/' },
      hosts: [{ composeFiles: ['/inv/prod.yml'] }],
      spans: {},
    } as never;
    const c = inventoryCluster(inv, [h('host1', ['/inv/prod.yml'])]);
    assert.deepEqual(
      [c.id, c.projectName, c.files, c.envFile, c.inferredApiUrl, c.version],
      ['/inv/wa-cluster.inventory.yml', 'wa', ['/inv/prod.yml'], '/inv/host1.env', 'https://10.0.0.1:9090', '2.45.1'],
    );
    const single = { id: '/inv/prod.yml', files: ['/inv/prod.yml'] } as never;
    const other = { id: '/dev/docker-compose.yml', files: ['/dev/docker-compose.yml'] } as never;
    assert.deepEqual(withoutInventoryFiles([single, other], [inv]), [other]);
  });
});
