import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseHealth, type HealthReport } from '../../../src/api/health';
import { snapshotToJson, snapshotToText } from '../../../src/cluster/json';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import { type ClusterSnapshot, NODE_ROLES, NODE_STATES } from '../../../src/cluster/types';
import { english } from '../../../src/util/translate';
import { container, walkthroughContainers } from '../../fakes/builders';
import { sharedPath } from '../../support/paths';

const NOW = Date.parse('2026-01-01T00:00:00Z');

export function health(name: string): HealthReport {
  const r = parseHealth(JSON.parse(fs.readFileSync(sharedPath('fixtures', 'health', name), 'utf8')));
  assert.ok(r.ok);
  return r.value;
}

const byName = (s: ClusterSnapshot, n: string) => s.nodes.find((x) => x.name === n)!;
const ids = (s: ClusterSnapshot) => s.cluster.findings.map((f) => f.id);
const states = (s: ClusterSnapshot) => Object.fromEntries(s.nodes.map((n) => [n.name, `${n.role}/${n.state}`]));

describe('cluster/snapshot from the four health fixtures (no Docker)', () => {
  it('01 before registration: primary master unregistered, the rest not ready → unregistered', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', health: health('01-up-before-register.json') });
    assert.deepEqual(states(s), {
      master1: 'unknown/unregistered',
      master2: 'primary_master/unregistered',
      wacore1: 'coreapp/unregistered',
      wacore2: 'coreapp/unregistered',
    });
    assert.equal(s.cluster.registered, false);
    assert.equal(s.cluster.shards, null);
    assert.equal(s.cluster.connectedCoreapps, 0);
    assert.equal(byName(s, 'wacore1').errors[0]?.code, 1011);
    assert.ok(ids(s).includes('not-registered'));
    assert.ok(!ids(s).some((i) => i.startsWith('node-error')), '1011 before registration is expected, not an error');
  });

  it('02 after registration: one coreapp connected, every other node standby; 1 spare', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', health: health('02-after-register.json') });
    assert.deepEqual(states(s), {
      master1: 'secondary_master/standby',
      master2: 'primary_master/standby',
      wacore1: 'coreapp/connected',
      wacore2: 'coreapp/standby',
    });
    assert.equal(s.cluster.registered, true);
    assert.equal(s.cluster.shards, 1);
    assert.equal(s.cluster.connectedCoreapps, 1);
    assert.ok(byName(s, 'wacore1').shardOwner);
    assert.ok(byName(s, 'wacore2').standby);
    assert.deepEqual(ids(s), ['spare-present']);
  });

  it('03 two shards: 2/2 connected, primary master connected, no spare', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', health: health('03-after-two-shards.json') });
    assert.equal(s.cluster.shards, 2);
    assert.equal(s.cluster.connectedCoreapps, 2);
    assert.equal(s.cluster.primaryMaster, 'master2');
    assert.equal(byName(s, 'master2').state, 'connected');
    assert.equal(byName(s, 'master1').state, 'standby');
    const f = s.cluster.findings.find((x) => x.id === 'no-spare');
    assert.ok(f);
    assert.equal(f.severity, 'warning');
    assert.equal(f.message, '2 shards, 2 coreapps: no spare, one failure drops half the traffic.');
    assert.ok(!ids(s).includes('shards-degraded'));
    assert.match(snapshotToText(s), /2\/2 shards connected/);
  });

  it('04 third coreapp: spare present (wacore3 standby)', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', health: health('04-third-coreapp-standby.json') });
    assert.equal(s.cluster.shards, 2);
    assert.equal(s.cluster.connectedCoreapps, 2);
    assert.equal(byName(s, 'wacore3').state, 'standby');
    assert.ok(!ids(s).includes('no-spare'));
    const f = s.cluster.findings.find((x) => x.id === 'spare-present')!;
    assert.equal(f.severity, 'info');
    assert.match(f.message, /1 spare \(wacore3\)/);
  });

  it('JSON contract: exact keys and vocabularies', () => {
    const j = snapshotToJson(
      buildSnapshot({
        now: NOW,
        project: 'biz',
        health: health('04-third-coreapp-standby.json'),
        containers: walkthroughContainers(),
      }),
    );
    assert.deepEqual(Object.keys(j.cluster).sort(), [
      'connectedCoreapps',
      'findings',
      'registered',
      'shards',
      'version',
    ]);
    assert.equal(j.cluster.version, '2.45.1');
    for (const f of j.cluster.findings) {
      assert.deepEqual(Object.keys(f), ['id', 'severity', 'message']);
    }
    for (const n of j.nodes) {
      assert.deepEqual(Object.keys(n), ['name', 'role', 'gatewayStatus', 'state', 'errors', 'container', 'host']);
      assert.equal(n.host, null, 'no inventory: one engine, no host');
      assert.ok(NODE_ROLES.includes(n.role));
      assert.ok(NODE_STATES.includes(n.state));
    }
    assert.deepEqual(
      j.nodes.map((n) => n.name),
      ['waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3', 'db'],
    );
    assert.equal(j.nodes.find((n) => n.name === 'db')?.role, 'db');
    assert.equal(j.nodes.find((n) => n.name === 'waweb')?.container?.ports[0]?.host, 9090);
  });
});

describe('cluster/snapshot merging Docker containers', () => {
  it('matches health keys to containers by short id and COREAPP_HOSTNAME', () => {
    const cs = walkthroughContainers();
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs,
      health: health('04-third-coreapp-standby.json'),
    });
    for (const n of ['master1', 'master2', 'wacore1', 'wacore2', 'wacore3']) {
      assert.ok(byName(s, n).healthKey?.startsWith(`${n}:`), n);
      assert.ok(byName(s, n).container);
    }
    assert.equal(s.nodes.length, 7);
    assert.equal(byName(s, 'waweb').state, 'connected');
    assert.equal(byName(s, 'db').state, 'connected');
    assert.equal(byName(s, 'master1').kind, 'master');
  });

  it('matches by hostname when the ids differ (recreated containers)', () => {
    const cs = walkthroughContainers().map((c) => ({ ...c, id: c.id.replace(/^./, 'f'), hostname: 'zzz' }));
    const s = buildSnapshot({ now: NOW, project: 'biz', containers: cs, health: health('03-after-two-shards.json') });
    assert.equal(byName(s, 'wacore1').healthKey, 'wacore1:35a5fabfc79d');
    assert.equal(s.nodes.length, 7);
  });

  it('a stopped container is "stopped" even if health still lists it; a missing one shows as declared', () => {
    const cs = walkthroughContainers().map((c) =>
      c.service === 'wacore1' ? { ...c, state: 'exited' as const, exitCode: 137 } : c,
    );
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs.filter((c) => c.service !== 'wacore3'),
      declared: [{ name: 'wacore3', kind: 'coreapp', hostname: 'wacore3' }],
      health: health('03-after-two-shards.json'),
    });
    assert.equal(byName(s, 'wacore1').state, 'stopped');
    assert.equal(byName(s, 'wacore3').state, 'stopped');
    assert.equal(byName(s, 'wacore3').container, null);
    assert.equal(s.cluster.coreapps, 1);
    assert.ok(ids(s).includes('too-few-coreapps'));
  });

  it('coreapp running but absent from health → finding; a young one is "starting"', () => {
    const cs = walkthroughContainers();
    const s = buildSnapshot({ now: NOW, project: 'biz', containers: cs, health: health('03-after-two-shards.json') });
    assert.equal(byName(s, 'wacore3').state, 'unknown');
    const f = s.cluster.findings.find((x) => x.id === 'absent-from-health:wacore3');
    assert.ok(f);
    assert.match(f.message, /wacore3 is running but absent from \/v1\/health/);
    const young = cs.map((c) =>
      c.service === 'wacore3' ? { ...c, startedAt: new Date(NOW - 5000).toISOString() } : c,
    );
    const s2 = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: young,
      health: health('03-after-two-shards.json'),
    });
    assert.equal(byName(s2, 'wacore3').state, 'starting');
    assert.ok(!ids(s2).some((i) => i.startsWith('absent-from-health')));
  });

  it('version mismatch between web and coreapps', () => {
    const cs = walkthroughContainers().map((c) =>
      c.service === 'waweb' ? { ...c, image: 'docker.whatsapp.biz/web:v2.47.1' } : c,
    );
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs,
      health: health('04-third-coreapp-standby.json'),
    });
    const f = s.cluster.findings.find((x) => x.id === 'version-mismatch')!;
    assert.equal(f.severity, 'error');
    assert.match(f.message, /Version mismatch between web \(2\.47\.1\) and coreapps\/masters \(2\.45\.1\)/);
    assert.deepEqual(s.cluster.versions, ['2.45.1', '2.47.1']);
  });

  it('engine unreachable: nodes from health, state from health, finding', () => {
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      engine: {
        reachable: false,
        endpoint: 'unix:///var/run/docker.sock',
        problem: { kind: 'daemonDown', message: 'The Docker daemon is not running' },
      },
      health: health('04-third-coreapp-standby.json'),
      declared: [
        { name: 'waweb', kind: 'web' },
        { name: 'db', kind: 'db' },
      ],
    });
    assert.equal(s.cluster.findings[0]?.id, 'engine-unreachable');
    assert.equal(byName(s, 'wacore1').state, 'connected');
    assert.equal(byName(s, 'db').state, 'unknown');
    assert.equal(byName(s, 'waweb').state, 'connected');
  });

  it('no health (API off): running coreapps are "unknown", web/db connected; no cluster numbers', () => {
    const s = buildSnapshot({ now: NOW, project: 'biz', containers: walkthroughContainers() });
    assert.equal(byName(s, 'wacore1').state, 'unknown');
    assert.equal(byName(s, 'waweb').state, 'connected');
    assert.equal(s.cluster.registered, null);
    assert.equal(s.cluster.shards, null);
    assert.equal(s.cluster.coreapps, 3);
  });

  it('web running but the API refuses connections → error once past the start grace', () => {
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: walkthroughContainers(),
      api: { status: 'error', errorKind: 'network', message: 'ECONNREFUSED', fingerprint256: undefined },
    });
    assert.equal(byName(s, 'waweb').state, 'error');
    assert.ok(ids(s).includes('api-unreachable'));
  });

  it('the API refuses the sign-in (token expired, password changed) → every node says why its health is unknown', () => {
    const message = 'Unauthorized: wrong user name or password, or the token expired';
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: walkthroughContainers(),
      api: { status: 'error', errorKind: 'unauthorized', message, fingerprint256: undefined },
    });
    const nodes = s.nodes.filter((n) => n.kind === 'master' || n.kind === 'coreapp');
    assert.ok(nodes.length > 0);
    for (const n of nodes) {
      assert.equal(n.state, 'unknown', n.name);
      assert.equal(n.stateReason, `running; /v1/health unavailable: ${message}`, n.name);
    }
    assert.ok(ids(s).includes('api-auth'));
  });

  it('scaled services get numbered names; one-off containers are ignored', () => {
    const cs = [
      container({ service: 'wacore', containerNumber: 1, idPrefix: 'a1' }),
      container({ service: 'wacore', containerNumber: 2, idPrefix: 'a2', name: 'biz-wacore-2' }),
      container({ service: 'wacore', containerNumber: 3, idPrefix: 'a3', oneoff: true }),
    ];
    const s = buildSnapshot({ now: NOW, project: 'biz', containers: cs });
    assert.deepEqual(
      s.nodes.map((n) => n.name),
      ['wacore-1', 'wacore-2'],
    );
  });

  it('while Compose recreates a service, its old (renamed) container is not a second node', () => {
    const old = container({
      service: 'master2',
      containerNumber: 1,
      idPrefix: 'b1',
      name: 'b1b1b1b1b1b1_biz_master2_1',
      state: 'exited',
      createdAt: NOW - 60_000,
    });
    const replacement = container({
      service: 'master2',
      containerNumber: 1,
      idPrefix: 'c1',
      name: 'biz_master2_1',
      state: 'created',
      createdAt: NOW - 1000,
    });
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: [old, replacement, container({ service: 'wacore1', containerNumber: 1, idPrefix: 'd1' })],
    });
    assert.deepEqual(
      s.nodes.map((n) => n.name),
      ['master2', 'wacore1'],
    );
    assert.equal(byName(s, 'master2').container?.id.slice(0, 2), 'c1');
  });

  it("a recreated node's lingering old health entry gets a name of its own", () => {
    const r = parseHealth({
      health: {
        'wacore1:35a5fabfc79d': { gateway_status: 'connected', role: 'coreapp' },
        'wacore1:0123456789ab': {
          errors: [
            {
              code: 1014,
              title: 'Internal error',
              details: 'Connection refused. Please check if wacore is running: wacore1:6253',
            },
          ],
        },
      },
    });
    assert.ok(r.ok);
    const s = buildSnapshot({ now: NOW, project: 'biz', health: r.value });
    const names = s.nodes.map((n) => n.name);
    assert.equal(new Set(names).size, names.length, names.join(', '));
    assert.equal(names.length, 2);
  });

  it('findings are worded through the given translator; their ids do not change', () => {
    const marked = (m: string, ...a: (string | number)[]) => `«${english(m, ...a)}»`;
    for (const file of ['01-up-before-register.json', '03-after-two-shards.json', '04-third-coreapp-standby.json']) {
      const plain = buildSnapshot({
        now: NOW,
        project: 'biz',
        containers: walkthroughContainers(),
        health: health(file),
      });
      const worded = buildSnapshot({
        now: NOW,
        project: 'biz',
        containers: walkthroughContainers(),
        health: health(file),
        translate: marked,
      });
      assert.ok(plain.cluster.findings.length > 0, file);
      assert.deepEqual(ids(worded), ids(plain));
      for (const f of worded.cluster.findings) {
        assert.match(f.message, /^«.*»$/, `${file}: ${f.id}`);
      }
    }
  });

  it('single-instance health is attached to the coreapp', () => {
    const cs = [
      container({ service: 'wacore' }),
      container({ service: 'waweb', image: 'docker.whatsapp.biz/web:v2.45.1' }),
    ];
    const s = buildSnapshot({
      now: NOW,
      project: 'biz',
      containers: cs,
      health: {
        mode: 'single',
        version: 'v2.45.1',
        entries: [
          {
            key: '',
            hostname: '',
            containerId: undefined,
            gatewayStatus: 'connected',
            unknownGatewayStatus: undefined,
            role: undefined,
            unknownRole: undefined,
            errors: [],
          },
        ],
      },
    });
    assert.equal(byName(s, 'wacore').state, 'connected');
    assert.equal(s.cluster.shards, 1);
  });

  it('unknown gateway status → node unknown + warning', () => {
    const r = parseHealth({ health: { 'wacore1:35a5fabfc79d': { gateway_status: 'sleeping', role: 'coreapp' } } });
    assert.ok(r.ok);
    const s = buildSnapshot({ now: NOW, project: 'biz', health: r.value });
    assert.equal(byName(s, 'wacore1').state, 'unknown');
    assert.ok(ids(s).includes('unknown-gateway-status:wacore1'));
  });

  it('other node errors become error findings with a hint', () => {
    const r = parseHealth({
      health: {
        'wacore1:35a5fabfc79d': { errors: [{ code: 1014, title: 'Internal error', details: 'Connection timed out' }] },
      },
    });
    assert.ok(r.ok);
    const s = buildSnapshot({ now: NOW, project: 'biz', health: r.value });
    assert.equal(byName(s, 'wacore1').state, 'error');
    assert.match(s.cluster.findings.find((f) => f.id === 'node-error:wacore1:1014')!.message, /is wacore running/);
  });
});
