import assert from 'node:assert/strict';
import { type HealthReport } from '../../../src/api/health';
import {
  hostPending,
  planRollingUpgrade,
  rollingMissingImagesMessage,
  rollingTargetImages,
  type RollingHostInput,
  type RollingHostStep,
  type RollingUpgradePlan,
} from '../../../src/cluster/rollingUpgradePlan';
import { type RollingUpgradePorts, runRollingUpgrade } from '../../../src/cluster/rollingUpgradeRunner';
import { DockerError } from '../../../src/docker/errors';
import { type ContainerDetails } from '../../../src/docker/types';
import { systemClock } from '../../../src/util/abort';
import { english as t } from '../../../src/util/translate';
import { container } from '../../fakes/builders';
import { FakeDocker } from '../../fakes/fakeDocker';

const OLD = '2.51.1';
const NEW = '2.53.2';
const DBUPGRADE = { service: 'dbupgrade', files: ['/c/dbupgrade-compose.yml'] };
const HOSTS = ['host1', 'host2', 'host3'];
const IMAGE = { master: 'coreapp', wacore: 'coreapp', waweb: 'web' } as const;

function hostInput(name: string, version = OLD): RollingHostInput {
  return {
    name,
    envFile: `/c/${name}.env`,
    running: [
      { service: 'waweb', kind: 'web', version },
      { service: 'wacore', kind: 'coreapp', version },
      { service: 'master', kind: 'master', version },
    ],
  };
}

function plan(hosts: RollingHostInput[] = HOSTS.map((h) => hostInput(h))): RollingUpgradePlan {
  const p = planRollingUpgrade({ project: 'wa', version: NEW, hosts, upgradeService: DBUPGRADE }, t);
  assert.ok(p.ok, p.ok ? '' : p.message);
  return p.plan;
}

describe('rolling upgrade plan', function () {
  it('backup, the DB upgrade once on the first host with a master, then host by host: masters, then coreapps and web', function () {
    const p = plan([
      { name: 'db', envFile: '/c/db.env', running: [{ service: 'db', kind: 'db' }] },
      ...HOSTS.map((h) => hostInput(h)),
    ]);
    assert.deepEqual(
      p.steps.map((s) =>
        s.kind === 'host' ? `${s.host}:${s.masters.join()}|${s.coreapps.join()}|${s.web.join()}` : s.kind,
      ),
      ['backup', 'dbUpgrade', 'host1:master|wacore|waweb', 'host2:master|wacore|waweb', 'host3:master|wacore|waweb'],
    );
    assert.deepEqual(p.steps[1], { kind: 'dbUpgrade', host: 'host1', service: DBUPGRADE });
    assert.deepEqual(p.skipped, [{ host: 'db', why: 'no WhatsApp node runs there' }]);
    assert.deepEqual(p.from, { host1: OLD, host2: OLD, host3: OLD });
    assert.match(p.detail, /hosts after it keep running the old version/);
  });

  it('a host already on the target is skipped, so running it again after a stop continues where it stopped', function () {
    const p = plan([hostInput('host1', NEW), hostInput('host2'), hostInput('host3')]);
    assert.deepEqual(
      p.steps.flatMap((s) => (s.kind === 'host' ? [s.host] : [])),
      ['host2', 'host3'],
    );
    assert.deepEqual(p.skipped, [{ host: 'host1', why: `already runs ${NEW}` }]);
  });

  it('stops before anything changes: no DB upgrade service, a bad version, every host already on it', function () {
    const hosts = HOSTS.map((h) => hostInput(h));
    const none = planRollingUpgrade({ project: 'wa', version: NEW, hosts, upgradeService: undefined }, t);
    assert.ok(!none.ok && /DB upgrade service must upgrade the schema first/.test(none.message));
    const bad = planRollingUpgrade({ project: 'wa', version: 'v2.53.2', hosts, upgradeService: DBUPGRADE }, t);
    assert.ok(!bad.ok && /without the leading "v"/.test(bad.message));
    const done = planRollingUpgrade(
      { project: 'wa', version: NEW, hosts: HOSTS.map((h) => hostInput(h, NEW)), upgradeService: DBUPGRADE },
      t,
    );
    assert.ok(!done.ok && /already runs 2\.53\.2/.test(done.message));
  });

  it("images: each host needs those of the services it recreates (and the DB upgrade's on its host), on its own engine; a missing one is refused in one line", function () {
    const files: Record<string, string> = {
      ...Object.fromEntries(
        HOSTS.map((h) => [
          `/c/${h}.yml`,
          [
            'services:',
            '  waweb: {image: "wa-emulator/web:v${WA_API_VERSION}"}',
            '  wacore: {image: "wa-emulator/coreapp:v${WA_API_VERSION}"}',
            '  master: {image: "wa-emulator/coreapp:v${WA_API_VERSION}"}',
            '  spare: {image: "wa-emulator/spare:v${WA_API_VERSION}"}',
          ].join('\n'),
        ]),
      ),
      '/c/host1.env': `WA_API_VERSION=${OLD}\n`,
      '/c/dbupgrade-compose.yml': 'services:\n  dbupgrade: {image: "wa-emulator/dbupgrade:v${WA_API_VERSION}"}\n',
    };
    const reader = { read: (p: string) => files[p] };
    // host3 already runs the target: it is left alone and needs nothing.
    const p = plan([hostInput('host1'), hostInput('host2'), hostInput('host3', NEW)]);
    const needs = rollingTargetImages(
      p,
      (h) => ({ composeFiles: [`/c/${h}.yml`], envFiles: h === 'host1' ? ['/c/host1.env'] : [] }),
      reader,
      {},
    );
    assert.deepEqual(needs, [
      {
        host: 'host1',
        images: [
          `wa-emulator/dbupgrade:v${NEW}`,
          `wa-emulator/web:v${NEW}`,
          `wa-emulator/coreapp:v${NEW}`,
          `wa-emulator/coreapp:v${NEW}`,
        ],
      },
      {
        host: 'host2',
        images: [`wa-emulator/web:v${NEW}`, `wa-emulator/coreapp:v${NEW}`, `wa-emulator/coreapp:v${NEW}`],
      },
    ]);
    const all = [`wa-emulator/dbupgrade:v${NEW}`, `wa-emulator/web:v${NEW}`, `wa-emulator/coreapp:v${NEW}`];
    const engines: Record<string, { repoTags: string[] }[] | undefined> = {
      host1: [{ repoTags: all }],
      host2: [{ repoTags: [`wa-emulator/coreapp:v${NEW}`, `wa-emulator/web:v${OLD}`] }],
    };
    assert.equal(
      rollingMissingImagesMessage(NEW, needs, (h) => engines[h], t),
      `Version ${NEW} cannot be used: wa-emulator/web:v${NEW} not on the Docker engine of host2 (docker pull, or docker load, there first). Nothing was changed.`,
    );
    engines.host1 = [{ repoTags: [`wa-emulator/web:v${NEW}`] }];
    assert.equal(
      rollingMissingImagesMessage(NEW, needs, (h) => engines[h], t),
      `Version ${NEW} cannot be used: wa-emulator/dbupgrade:v${NEW}, wa-emulator/coreapp:v${NEW} not on the Docker engine of host1; wa-emulator/web:v${NEW} not on the Docker engine of host2 (docker pull, or docker load, there first). Nothing was changed.`,
    );
    engines.host1 = [{ repoTags: all }];
    engines.host2 = undefined; // not listed: left to Compose
    assert.equal(
      rollingMissingImagesMessage(NEW, needs, (h) => engines[h], t),
      undefined,
    );
  });
});

function containersOf(host: string, version: string, n: number): ContainerDetails[] {
  return (['master', 'wacore', 'waweb'] as const).map((service) =>
    container({
      service,
      project: 'wa',
      idPrefix: `${n}${version.replace(/\D/g, '')}${service.length}`.padEnd(12, 'a'),
      image: `wa-emulator/${IMAGE[service]}:v${version}`,
      name: `wa_${service}_1`,
    }),
  );
}

function healthOf(all: ContainerDetails[], status: 'connected' | 'uninitialized' = 'connected'): HealthReport {
  return {
    mode: 'cluster',
    version: undefined,
    entries: all
      .filter((c) => c.service !== 'waweb' && c.service !== 'dbupgrade')
      .map((c) => ({
        key: `10.0.0.1:${c.id.slice(0, 12)}`,
        hostname: '10.0.0.1',
        containerId: c.id.slice(0, 12),
        gatewayStatus: status,
        unknownGatewayStatus: undefined,
        role: c.service === 'master' ? 'secondary_master' : 'coreapp',
        unknownRole: undefined,
        errors: [],
      })),
  };
}

/** Three hosts as fakes: Compose "recreates" containers on the version it is given, unless the host is made to fail. */
function fakeCluster(o: { failUp?: string; dbUpgradeExit?: number; neverBack?: string } = {}) {
  const engines = new Map(HOSTS.map((h) => [h, new FakeDocker()]));
  HOSTS.forEach((h, i) => (engines.get(h)!.containers = containersOf(h, OLD, i)));
  const envs = new Map(HOSTS.map((h) => [`/c/${h}.env`, `EXTERNAL_HOSTNAME=${h}\nWA_API_VERSION=${OLD}\n`]));
  const composed: string[] = [];
  const log: string[] = [];
  let generation = 10;
  const ports: RollingUpgradePorts = {
    backup: () => Promise.resolve('/c/backups/wa.wabackup'),
    compose: (host, sub, opts) => {
      composed.push(
        `${host}: ${sub.join(' ')}${opts.files ? ` (${opts.files.join()})` : ''} WA_API_VERSION=${opts.env.WA_API_VERSION}`,
      );
      const docker = engines.get(host)!;
      if (sub.includes('dbupgrade')) {
        docker.waitAnswers = [o.dbUpgradeExit ?? 0];
        docker.containers.push(
          container({
            service: 'dbupgrade',
            project: 'wa',
            name: 'wa_dbupgrade_1',
            state: 'exited',
            exitCode: o.dbUpgradeExit ?? 0,
          }),
        );
        return Promise.resolve();
      }
      if (host === o.failUp) {
        return Promise.reject(new Error('pull access denied for wa-emulator/coreapp, repository does not exist'));
      }
      const version = opts.env.WA_API_VERSION!;
      const named = sub.filter((a) => !a.startsWith('-') && a !== 'up');
      const fresh = containersOf(host, version, generation++).filter((c) => named.includes(c.service!));
      docker.containers = [...docker.containers.filter((c) => !named.includes(c.service!)), ...fresh];
      return Promise.resolve();
    },
    docker: (host) => engines.get(host)!,
    health: () => {
      const all = [...engines.values()].flatMap((e) => e.containers);
      const back = all.filter((c) => !(o.neverBack && engines.get(o.neverBack)!.containers.includes(c)));
      return Promise.resolve(healthOf(back));
    },
    readEnv: (f) => envs.get(f) ?? '',
    writeEnv: (f, text) => envs.set(f, text),
    ui: { log: (l) => log.push(l) },
    clock: systemClock,
  };
  return { engines, envs, composed, ports, log };
}

const FAST = { timeoutMs: 300, pollMs: 5 };

describe('rolling upgrade runner', function () {
  it('upgrades every host in turn, writes each env file once the host is back, and says so', async function () {
    const c = fakeCluster();
    const out = await runRollingUpgrade(plan(), c.ports, t, FAST);
    assert.equal(out.ok, true, out.message);
    assert.equal(out.backup, '/c/backups/wa.wabackup');
    assert.deepEqual(c.composed, [
      `host1: up -d --force-recreate dbupgrade (/c/dbupgrade-compose.yml) WA_API_VERSION=${NEW}`,
      ...HOSTS.flatMap((h) => [
        `${h}: up -d --no-deps master WA_API_VERSION=${NEW}`,
        `${h}: up -d --no-deps wacore waweb WA_API_VERSION=${NEW}`,
      ]),
    ]);
    assert.deepEqual(
      out.hosts.map((h) => [h.host, h.state, h.runs]),
      HOSTS.map((h) => [h, 'upgraded', NEW]),
    );
    for (const h of HOSTS) {
      assert.match(c.envs.get(`/c/${h}.env`)!, new RegExp(`WA_API_VERSION=${NEW}`));
    }
    assert.match(out.message, /wa runs 2\.53\.2 on every host/);
  });

  it('stops at the second host when its Compose fails: host 1 upgraded, hosts 2 and 3 still on the old version, their env files unchanged', async function () {
    const c = fakeCluster({ failUp: 'host2' });
    const out = await runRollingUpgrade(plan(), c.ports, t, FAST);
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.hosts.map((h) => [h.host, h.state, h.runs]),
      [
        ['host1', 'upgraded', NEW],
        ['host2', 'failed', OLD],
        ['host3', 'untouched', OLD],
      ],
    );
    assert.ok(!c.composed.some((l) => l.startsWith('host3')), c.composed.join('\n'));
    assert.match(c.envs.get('/c/host2.env')!, /WA_API_VERSION=2\.51\.1/);
    assert.match(c.envs.get('/c/host3.env')!, /WA_API_VERSION=2\.51\.1/);
    assert.match(out.message, /host2: did not come back \("up -d master" failed on host2: pull access denied/);
    assert.match(out.message, /host3: not touched, runs 2\.51\.1/);
  });

  it('a host whose nodes never answer in /v1/health stops the upgrade after the time limit, naming what is missing', async function () {
    const c = fakeCluster({ neverBack: 'host2' });
    const out = await runRollingUpgrade(plan(), c.ports, t, FAST);
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.hosts.map((h) => h.state),
      ['upgraded', 'failed', 'untouched'],
    );
    assert.match(
      out.message,
      /host2 did not come back on 2\.53\.2 within 0 s \(master on host2 is not in \/v1\/health yet\)/,
    );
  });

  it('an engine that stops answering mid-way is reported as unreachable, the hosts after it untouched', async function () {
    const c = fakeCluster();
    const ports: RollingUpgradePorts = {
      ...c.ports,
      compose: (host, sub, opts) => {
        if (host === 'host2') {
          c.engines.get('host2')!.setDown(new DockerError('unreachable', 'Cannot connect to the Docker daemon'));
          return Promise.reject(new Error('Cannot connect to the Docker daemon'));
        }
        return c.ports.compose(host, sub, opts);
      },
    };
    const out = await runRollingUpgrade(plan(), ports, t, FAST);
    assert.equal(out.ok, false);
    assert.equal(out.hosts[1]?.state, 'failed');
    assert.match(out.hosts[1]?.runs ?? '', /^unreachable/);
    assert.equal(out.hosts[2]?.state, 'untouched');
  });

  it('a failed DB upgrade stops before any node changes (its container stopped, kept for its logs)', async function () {
    const c = fakeCluster({ dbUpgradeExit: 3 });
    const out = await runRollingUpgrade(plan(), c.ports, t, FAST);
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.hosts.map((h) => h.state),
      ['untouched', 'untouched', 'untouched'],
    );
    assert.equal(c.composed.length, 1);
    assert.equal(c.engines.get('host1')!.stopped.length, 1);
    assert.match(out.message, /the DB upgrade to 2\.53\.2 failed \(wa_dbupgrade_1 on host1 exited with 3/);
  });

  it('a failed backup changes nothing', async function () {
    const c = fakeCluster();
    const out = await runRollingUpgrade(
      plan(),
      { ...c.ports, backup: () => Promise.reject(new Error('401')) },
      t,
      FAST,
    );
    assert.equal(out.ok, false);
    assert.deepEqual(c.composed, []);
    assert.match(out.message, /the backup failed \(401\); nothing was changed/);
  });
});

describe('hostPending (a host is back)', function () {
  const step: RollingHostStep = {
    kind: 'host',
    host: 'host1',
    masters: ['master'],
    coreapps: ['wacore'],
    web: ['waweb'],
    envFile: '',
  };
  it('needs every service on the version and each master/coreapp in /v1/health past uninitialized', function () {
    const now = containersOf('host1', NEW, 1);
    assert.equal(hostPending(step, now, healthOf(now), NEW, t), undefined);
    assert.equal(
      hostPending(step, containersOf('host1', OLD, 1), healthOf(now), NEW, t),
      'master on host1 runs 2.51.1',
    );
    assert.equal(hostPending(step, now, healthOf(now, 'uninitialized'), NEW, t), 'master on host1 is uninitialized');
    assert.equal(hostPending(step, now, undefined, NEW, t), '/v1/health does not answer');
    assert.equal(hostPending(step, now.slice(1), healthOf(now), NEW, t), 'master on host1 is not running');
  });

  it('an unregistered cluster: the coreapps\' 1011 "Service not ready" is their normal state', function () {
    const now = containersOf('host1', NEW, 1);
    const h = healthOf(now);
    const unregistered: HealthReport = {
      ...h,
      entries: h.entries.map((e) =>
        e.role === 'coreapp'
          ? { ...e, gatewayStatus: undefined, errors: [{ code: 1011, title: 'Service not ready' }] }
          : { ...e, gatewayStatus: 'unregistered' },
      ),
    };
    assert.equal(hostPending(step, now, unregistered, NEW, t), undefined);
  });
});
