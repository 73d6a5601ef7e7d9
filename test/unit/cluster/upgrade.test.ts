import assert from 'node:assert/strict';
import { type ClusterNode, type ClusterSnapshot, type DeclaredService } from '../../../src/cluster/types';
import {
  checkTargetVersion,
  interruptedUpgradeMessage,
  localVersions,
  missingImages,
  missingImagesMessage,
  oneShotExitCode,
  planUpgrade,
  possiblePaths,
  type PlanInput,
  type UpgradePlan,
} from '../../../src/cluster/upgradePlan';
import {
  runUpgrade,
  type UpgradeJournalEntry,
  type UpgradePorts,
  UpgradeStopped,
} from '../../../src/cluster/upgradeRunner';
import { ComposeError } from '../../../src/docker/compose';
import { DockerError } from '../../../src/docker/errors';
import { isAbortError } from '../../../src/util/abort';
import { english as t } from '../../../src/util/translate';
import { container } from '../../fakes/builders';
import { FakeClock } from '../../fakes/fakeClock';
import { FakeDocker } from '../../fakes/fakeDocker';

const OLD = '2.51.1';
const NEW = '2.53.2';
const DECLARED: DeclaredService[] = [
  { name: 'db', kind: 'db' },
  { name: 'waweb', kind: 'web' },
  { name: 'master1', kind: 'master' },
  { name: 'master2', kind: 'master' },
  { name: 'wacore1', kind: 'coreapp' },
  { name: 'wacore2', kind: 'coreapp' },
  { name: 'wacore3', kind: 'coreapp' },
];
const HA = ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'];
const DBUPGRADE = { service: 'dbupgrade', files: ['/c/dbupgrade-compose.yml'] };

/** A snapshot in which `running` run on `version` (db has none), the others are not created. */
function snapshot(
  running: readonly string[],
  version: string,
  state: ClusterNode['state'] = 'connected',
): ClusterSnapshot {
  const nodes = DECLARED.map((d) => ({
    name: d.name,
    service: d.name,
    kind: d.kind,
    state: running.includes(d.name) ? state : 'stopped',
    stateReason: state === 'starting' ? 'uninitialized' : '',
    container: running.includes(d.name) ? { state: 'running', version: d.kind === 'db' ? undefined : version } : null,
  }));
  return { nodes } as unknown as ClusterSnapshot;
}

/** The same, signed in: health answers, and `owners` are the connected shard owners. */
function withShards(base: ClusterSnapshot, owners: readonly string[]): ClusterSnapshot {
  return {
    cluster: { healthMode: 'cluster' },
    nodes: base.nodes.map((n) => ({ ...n, shardOwner: owners.includes(n.name) })),
  } as unknown as ClusterSnapshot;
}

function input(p: Partial<PlanInput> = {}): PlanInput {
  return {
    project: 'biz',
    current: OLD,
    version: NEW,
    path: 'dbupgrade',
    upgradeService: DBUPGRADE,
    declared: DECLARED,
    snapshot: snapshot(HA, OLD),
    envFile: '/c/.env',
    envFileLabel: '.env',
    fileLabel: (f) => f.split('/').pop()!,
    clusterFiles: ['/c/multiconnect-compose.yml'],
    ...p,
  };
}

function plan(p: Partial<PlanInput> = {}): UpgradePlan {
  const r = planUpgrade(input(p), t);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.plan;
}

/** Ports that record what the runner does; the env file lives in memory. */
class Ports implements UpgradePorts {
  readonly docker = new FakeDocker();
  readonly clock = new FakeClock();
  readonly lines: string[] = [];
  readonly composeCalls: {
    sub: readonly string[];
    env: Readonly<Record<string, string>>;
    files?: readonly string[] | undefined;
  }[] = [];
  readonly env = new Map<string, string>([['/c/.env', `# kept\nCOMPOSE_HTTP_TIMEOUT=120\nWA_API_VERSION=${OLD}\n`]]);
  readonly journaled: (UpgradeJournalEntry | string)[] = [];
  readonly cancel = new AbortController();
  /** What each look at the cluster sees (the last repeats). */
  looks: { snapshot: ClusterSnapshot; apiVersion: string | undefined }[] = [
    { snapshot: snapshot(HA, NEW), apiVersion: NEW },
  ];
  composeFails: Error | undefined;
  expected: (readonly string[] | undefined)[] = [];
  readonly journal = {
    begin: (e: UpgradeJournalEntry) => void this.journaled.push(e),
    end: (p: string) => void this.journaled.push(`end ${p}`),
  };
  readonly ui = {
    progress: <T>(_title: string, work: (signal: AbortSignal, report: (m: string) => void) => Promise<T>) =>
      work(this.cancel.signal, (m) => this.lines.push(`progress: ${m}`)),
    log: (line: string) => void this.lines.push(line),
  };

  compose(
    sub: readonly string[],
    opts: { env: Readonly<Record<string, string>>; files?: readonly string[] },
  ): Promise<void> {
    this.composeCalls.push({ sub, env: opts.env, files: opts.files });
    if (this.composeFails) {
      return Promise.reject(this.composeFails);
    }
    if (sub.includes('dbupgrade')) {
      this.docker.containers = [
        ...this.docker.containers,
        container({ service: 'dbupgrade', project: 'biz', state: 'exited', exitCode: 0 }),
      ];
    }
    return Promise.resolve();
  }
  readEnv(file: string): string {
    return this.env.get(file) ?? '';
  }
  writeEnv(file: string, text: string): void {
    this.env.set(file, text);
  }
  observe(): Promise<{ snapshot: ClusterSnapshot; apiVersion: string | undefined }> {
    return Promise.resolve(this.looks.length > 1 ? this.looks.shift()! : this.looks[0]!);
  }
  expectChanges(_ms: number, services?: readonly string[]): void {
    this.expected.push(services);
  }
}

describe('upgrade plan (what happens, and every reason to stop before anything changes)', () => {
  it('rejects a version with a leading v, a malformed one, or the current one', () => {
    assert.match(checkTargetVersion(`v${NEW}`, OLD, t)!, /without the leading "v".*2\.53\.2/);
    assert.match(checkTargetVersion('2.53', OLD, t)!, /major\.minor\.patch/);
    assert.match(checkTargetVersion(OLD, `v${OLD}`, t)!, /already runs 2\.51\.1/);
    assert.equal(checkTargetVersion(NEW, OLD, t), undefined);
    for (const version of [`v${NEW}`, OLD]) {
      const r = planUpgrade(input({ version }), t);
      assert.equal(r.ok, false);
    }
  });

  it('the DB upgrade path needs the service and version 2.23 or later; otherwise only downtime is offered', () => {
    assert.deepEqual(possiblePaths(DBUPGRADE, NEW), ['dbupgrade', 'downtime']);
    assert.deepEqual(possiblePaths(DBUPGRADE, '2.22.9'), ['downtime']);
    assert.deepEqual(possiblePaths(undefined, NEW), ['downtime']);
    const none = planUpgrade(input({ upgradeService: undefined }), t);
    assert.ok(
      !none.ok &&
        /No DB upgrade service was found beside multiconnect-compose\.yml.*Nothing was changed/.test(none.message),
    );
    const old = planUpgrade(input({ version: '2.22.9', current: '2.21.0' }), t);
    assert.ok(!old.ok && /from version 2\.23 on; upgrade to 2\.22\.9 with downtime/.test(old.message));
  });

  it('the DB upgrade path stops when the database does not run', () => {
    const r = planUpgrade(
      input({
        snapshot: snapshot(
          HA.filter((s) => s !== 'db'),
          OLD,
        ),
      }),
      t,
    );
    assert.ok(!r.ok && /database of biz does not run.*Nothing was changed/.test(r.message));
  });

  it('with the DB upgrade service: DB upgrade, then .env, then recreate and verify what ran (the spare stays off)', () => {
    const p = plan();
    assert.deepEqual(
      p.steps.map((s) => s.kind),
      ['dbUpgrade', 'setVersion', 'recreate', 'verify'],
    );
    assert.deepEqual(p.steps[2], { kind: 'recreate', services: HA });
    assert.equal(p.question, 'Upgrade biz from 2.51.1 to 2.53.2?');
    assert.match(p.detail, /^1\. Run the DB upgrade service dbupgrade with version 2\.53\.2/);
    assert.match(p.detail, /2\. Set WA_API_VERSION=2\.53\.2 in \.env\./);
    assert.match(
      p.detail,
      /3\. Recreate waweb, master1, master2, wacore1, wacore2 on 2\.53\.2 \("up -d"; db keeps running\)/,
    );
    assert.doesNotMatch(p.detail, /Recreate db/, 'db has no version');
    assert.match(p.detail, /4\. Wait until every node runs 2\.53\.2\./);
    assert.match(p.detail, /Volumes are kept\./);
  });

  it('signed in: the plan waits for as many shards connected on the new version as before, and says so', () => {
    const p = plan({ snapshot: withShards(snapshot(HA, OLD), ['wacore1', 'wacore2']) });
    assert.deepEqual(p.steps[3], { kind: 'verify', services: HA, shards: 2 });
    assert.match(p.detail, /4\. Wait until every node runs 2\.53\.2 and 2\/2 shards are connected again/);
  });

  it('images: the ones a version needs that are not local, refused in one line; the versions whose images all are', () => {
    const local = [
      { repoTags: ['wa-emulator/coreapp:v2.51.1', 'wa-emulator/coreapp:v2.53.2'] },
      { repoTags: ['wa-emulator/web:v2.51.1'] },
      { repoTags: ['wa-emulator/web:v2.53.2', 'wa-emulator/web:v2.55.0'] },
      { repoTags: [] },
    ];
    const wanted = ['wa-emulator/web:v2.99.0', 'wa-emulator/coreapp:v2.99.0', 'wa-emulator/coreapp:v2.99.0'];
    assert.deepEqual(missingImages(wanted, local), ['wa-emulator/web:v2.99.0', 'wa-emulator/coreapp:v2.99.0']);
    assert.deepEqual(missingImages(['wa-emulator/web:v2.53.2', 'wa-emulator/coreapp:v2.53.2'], local), []);
    assert.deepEqual(missingImages(['mysql'], [{ repoTags: ['mysql:latest'] }]), [], 'no tag means :latest');
    const message = missingImagesMessage('2.99.0', missingImages(wanted, local), t)!;
    assert.equal(
      message,
      'Version 2.99.0 cannot be used: wa-emulator/web:v2.99.0, wa-emulator/coreapp:v2.99.0 not on this Docker engine (docker pull, or docker load, first). Nothing was changed.',
    );
    assert.doesNotMatch(message, /\n/);
    assert.equal(missingImagesMessage('2.53.2', [], t), undefined);
    assert.deepEqual(localVersions(['wa-emulator/coreapp', 'wa-emulator/web'], local), ['2.53.2', '2.51.1']);
    assert.deepEqual(localVersions([], local), []);
  });

  it('with downtime: no DB upgrade step; with nothing running: only .env', () => {
    assert.deepEqual(
      plan({ path: 'downtime' }).steps.map((s) => s.kind),
      ['setVersion', 'recreate', 'verify'],
    );
    const idle = plan({ path: 'downtime', snapshot: snapshot([], OLD) });
    assert.deepEqual(
      idle.steps.map((s) => s.kind),
      ['setVersion'],
    );
    assert.match(idle.detail, /Nothing runs now: the next Up starts 2\.53\.2/);
  });

  it('exit code of a one-shot container: a restart means failure even when docker wait said 0 (moby#39352 on 20.10)', () => {
    assert.equal(oneShotExitCode(0, { state: 'exited', exitCode: 0, restartCount: 0 }), 0);
    assert.equal(oneShotExitCode(1, { state: 'exited', exitCode: 1, restartCount: 0 }), 1);
    assert.equal(oneShotExitCode(0, { state: 'restarting', exitCode: 0, restartCount: 1 }), 1);
    assert.equal(oneShotExitCode(0, { state: 'running', exitCode: 3, restartCount: 2 }), 3);
    assert.equal(
      oneShotExitCode(0, { state: 'running', exitCode: undefined, restartCount: 0 }),
      undefined,
      'still running: wait again',
    );
  });

  it('an upgrade cut short is reported on the next start with what to do, per step', () => {
    const e = { project: 'biz', from: OLD, to: NEW };
    assert.match(
      interruptedUpgradeMessage({ ...e, step: 'dbUpgrade' }, t),
      /interrupted while the DB upgrade ran\. The nodes were not restarted and \.env still names 2\.51\.1/,
    );
    assert.match(interruptedUpgradeMessage({ ...e, step: 'setVersion' }, t), /set WA_API_VERSION back to 2\.51\.1/);
    assert.match(interruptedUpgradeMessage({ ...e, step: 'verify' }, t), /restarted on 2\.53\.2.*run Up/);
  });

  it('an upgrade cut short in the DB upgrade says what its container does now: still running (let it finish), done, failed', () => {
    const e = { project: 'biz', from: OLD, to: NEW, step: 'dbUpgrade' as const };
    const running = interruptedUpgradeMessage(e, t, { name: 'biz-dbupgrade-1', state: 'running', exitCode: undefined });
    assert.match(
      running,
      /its container biz-dbupgrade-1 is still running\. .*Let it finish: run neither Upgrade nor Up on 2\.53\.2 until it has exited \("docker wait biz-dbupgrade-1"/,
    );
    assert.match(
      interruptedUpgradeMessage(e, t, { name: 'biz-dbupgrade-1', state: 'exited', exitCode: 0 }),
      /has since finished with exit code 0\. The nodes were not restarted and \.env still names 2\.51\.1: run Upgrade again/,
    );
    assert.match(
      interruptedUpgradeMessage(e, t, { name: 'biz-dbupgrade-1', state: 'exited', exitCode: 137 }),
      /exited with 137\. .*"docker logs biz-dbupgrade-1"/,
    );
  });

  it('refuses while a DB upgrade container is still running (an earlier upgrade): recreating it would cut its migration short', () => {
    const base = snapshot(HA, OLD);
    const upgrading = {
      nodes: [
        ...base.nodes,
        {
          name: 'dbupgrade',
          service: 'dbupgrade',
          kind: 'unknown',
          container: { name: 'biz-dbupgrade-1', state: 'running' },
        },
      ],
    } as unknown as ClusterSnapshot;
    for (const path of ['dbupgrade', 'downtime'] as const) {
      const r = planUpgrade(input({ path, snapshot: upgrading }), t);
      assert.ok(!r.ok);
      assert.match(
        r.message,
        /^The DB upgrade container biz-dbupgrade-1 of biz is still running\. .*Nothing was changed\.$/,
      );
    }
  });
});

describe('upgrade runner (the plan against the Docker port, Compose and the UI)', () => {
  it('OLD → NEW with the DB upgrade service: DB upgrade with the new version, .env (other lines kept), recreate, verify', async () => {
    const ports = new Ports();
    ports.looks = [
      { snapshot: snapshot(HA, NEW, 'starting'), apiVersion: undefined },
      { snapshot: snapshot(HA, NEW), apiVersion: NEW },
    ];
    const done = runUpgrade(plan(), ports, t, { timeoutMs: 60_000 });
    await ports.clock.advance(5000);
    assert.equal((await done).message, 'biz runs version 2.53.2.');
    assert.deepEqual(
      ports.composeCalls.map((c) => c.sub.join(' ')),
      ['up -d --force-recreate dbupgrade', 'rm -f -s dbupgrade', `up -d ${HA.join(' ')}`],
    );
    assert.deepEqual(ports.composeCalls[1]!.files, DBUPGRADE.files, 'the finished DB upgrade container is removed');
    assert.ok(
      ports.lines.some((l) => /exited with 0 after/.test(l)),
      'its exit code stays in the output',
    );
    assert.deepEqual(ports.composeCalls[0]!.files, DBUPGRADE.files);
    assert.ok(
      ports.composeCalls.every((c) => c.env.WA_API_VERSION === NEW),
      "the shell's WA_API_VERSION never wins over .env",
    );
    assert.equal(ports.env.get('/c/.env'), `# kept\nCOMPOSE_HTTP_TIMEOUT=120\nWA_API_VERSION=${NEW}\n`);
    assert.ok(ports.lines.includes('progress: waiting for waweb: uninitialized'), 'progress says what it waits for');
    assert.deepEqual(
      ports.journaled.map((j) => (typeof j === 'string' ? j : j.step)),
      ['dbUpgrade', 'setVersion', 'recreate', 'verify', 'end biz'],
    );
  });

  it('a failing DB upgrade stops before restarting: nothing else runs, .env unchanged, the container stopped, its last lines shown', async () => {
    const ports = new Ports();
    ports.docker.waitAnswers = [1];
    ports.compose = function (this: Ports, sub, opts) {
      this.composeCalls.push({ sub, env: opts.env, files: opts.files });
      this.docker.containers = [
        ...HA.map((service) => container({ service, project: 'biz', state: 'running' })),
        container({ service: 'dbupgrade', project: 'biz', state: 'exited', exitCode: 1 }),
      ];
      return Promise.resolve();
    };
    ports.docker.logs = (_id, _o, onLine) => {
      onLine({ stream: 'stderr', text: 'Database upgrade failed', timestamp: undefined });
      return Promise.resolve();
    };
    const envBefore = ports.env.get('/c/.env');
    await assert.rejects(
      runUpgrade(plan(), ports, t),
      (err: Error) =>
        err instanceof UpgradeStopped &&
        /DB upgrade to 2\.53\.2 failed/.test(err.message) &&
        /exited with 1/.test(err.message) &&
        /Database upgrade failed/.test(err.message) &&
        /NOT started/.test(err.message),
    );
    assert.equal(ports.env.get('/c/.env'), envBefore);
    assert.equal(ports.composeCalls.length, 1, 'no node was recreated');
    assert.equal(ports.docker.stopped.length, 1, 'the failed upgrade container is stopped, not restarting in a loop');
    assert.equal(ports.journaled.at(-1), 'end biz');
  });

  it('a DB upgrade that dies with the cluster around it (the engine stopping, the database gone) says so, and that Docker may run it again', async () => {
    const ports = new Ports();
    ports.docker.waitAnswers = [1];
    ports.compose = function (this: Ports, sub, opts) {
      this.composeCalls.push({ sub, env: opts.env, files: opts.files });
      this.docker.containers = [
        ...HA.map((service) =>
          container({ service, project: 'biz', state: service === 'db' || service === 'waweb' ? 'exited' : 'running' }),
        ),
        container({ service: 'dbupgrade', project: 'biz', state: 'exited', exitCode: 1 }),
      ];
      return Promise.resolve();
    };
    await assert.rejects(
      runUpgrade(plan(), ports, t),
      (err: Error) =>
        err instanceof UpgradeStopped &&
        /^The DB upgrade to 2\.53\.2 stopped \(container biz_dbupgrade_1 exited with 1\) as the cluster stopped around it: db, waweb no longer run\. The new version was NOT started and \.env is unchanged\. Once Docker answers again, run WA Cluster: Up to start the cluster on 2\.51\.1 again; its restart policy may run biz_dbupgrade_1 again too/.test(
          err.message,
        ),
    );
    const gone = new Ports();
    gone.docker.waitAnswers = [1];
    gone.compose = function (this: Ports) {
      this.docker.containers = [container({ service: 'dbupgrade', project: 'biz', state: 'exited', exitCode: 1 })];
      this.docker.stop = () => Promise.reject(new DockerError('daemonDown', 'Docker is not running'));
      return Promise.resolve();
    };
    await assert.rejects(
      runUpgrade(plan(), gone, t),
      /as the cluster stopped around it: Docker does not answer \(Docker is not running\)\./,
    );
    assert.match(gone.env.get('/c/.env')!, /WA_API_VERSION=2\.51\.1/);
  });

  it('a DB upgrade container restarted by its policy has failed, although docker wait said 0', async () => {
    const ports = new Ports();
    ports.compose = function (this: Ports) {
      this.docker.containers = [
        container({ service: 'dbupgrade', project: 'biz', state: 'restarting', exitCode: 0, restartCount: 1 }),
      ];
      return Promise.resolve();
    };
    await assert.rejects(runUpgrade(plan(), ports, t), /exited with 1/);
  });

  it('stops with a clear message when Docker is unreachable or the DB upgrade container is missing', async () => {
    const noDocker = Object.assign(new Ports(), { docker: undefined });
    await assert.rejects(
      runUpgrade(plan(), noDocker, t),
      /Docker is not reachable, so the DB upgrade cannot be watched\. Nothing was changed\./,
    );
    const missing = new Ports();
    missing.compose = () => Promise.resolve();
    await assert.rejects(
      runUpgrade(plan(), missing, t),
      /DB upgrade container of biz was not found after "up -d dbupgrade"\. The cluster was not changed/,
    );
  });

  it("a Compose failure is a failure with Compose's text, and .env is untouched when it happens in the DB upgrade", async () => {
    const ports = new Ports();
    ports.composeFails = new Error('docker-compose up failed with exit code 1: no such image');
    await assert.rejects(runUpgrade(plan(), ports, t), /no such image/);
    assert.match(ports.env.get('/c/.env')!, /WA_API_VERSION=2\.51\.1/);
  });

  it('a Compose failure while the nodes are recreated (after .env was written) stops saying .env names the new version and to run Up', async () => {
    const ports = new Ports();
    const failure = new ComposeError(
      'docker compose up -d failed with exit code 1',
      'failed',
      1,
      'Container biz-wacore1-1  Recreate\nError response from daemon: connection refused\n',
      'docker compose up -d',
    );
    const compose = ports.compose.bind(ports);
    ports.compose = (sub, opts) =>
      sub.includes('dbupgrade') || sub[0] === 'rm' ? compose(sub, opts) : Promise.reject(failure);
    const err = await runUpgrade(plan(), ports, t).then(
      () => assert.fail('the upgrade went on'),
      (e: unknown) => e as Error,
    );
    assert.equal(err.name, 'UpgradeStopped');
    assert.equal(err.cause, failure, "Compose's error stays the cause (its output is one click away)");
    assert.equal(
      err.message,
      'The upgrade of biz to 2.53.2 stopped while the nodes were restarted on it: connection refused. .env already names 2.53.2: once Docker answers again, run WA Cluster: Up to start every node on 2.53.2, then check the WA Cluster view.',
    );
    assert.match(ports.env.get('/c/.env')!, /WA_API_VERSION=2\.53\.2/);
    assert.equal(ports.journaled.at(-1), 'end biz');
  });

  it('nodes that never come up on the new version: a warning after the time limit that names what is missing (not a cancel)', async () => {
    const ports = new Ports();
    ports.looks = [{ snapshot: snapshot(HA, OLD), apiVersion: OLD }];
    const done = runUpgrade(plan({ path: 'downtime' }), ports, t, { timeoutMs: 10_000 });
    await ports.clock.advance(11_000);
    const outcome = await done;
    assert.equal(outcome.severity, 'warning');
    assert.match(
      outcome.message,
      /^biz was started on version 2\.53\.2, but after 10 s it is still waiting for waweb to run 2\.53\.2 \(it runs 2\.51\.1\)\./,
    );
    assert.equal(ports.journaled.at(-1), 'end biz');
  });

  it('done only when the same shard count is connected on the new version: progress says so until then', async () => {
    const ports = new Ports();
    const before = withShards(snapshot(HA, OLD), ['wacore1', 'wacore2']);
    ports.looks = [
      // Every node recreated on the new version, the API answers, but the masters have not handed the shards out yet.
      { snapshot: withShards(snapshot(HA, NEW, 'standby'), []), apiVersion: NEW },
      { snapshot: withShards(snapshot(HA, NEW, 'standby'), ['wacore2']), apiVersion: NEW },
      { snapshot: withShards(snapshot(HA, NEW), ['wacore1', 'wacore2']), apiVersion: NEW },
    ];
    const done = runUpgrade(plan({ path: 'downtime', snapshot: before }), ports, t, { timeoutMs: 60_000 });
    await ports.clock.advance(5000);
    const outcome = await done;
    assert.deepEqual(outcome, { severity: 'info', message: 'biz runs version 2.53.2: 2/2 shards connected.' });
    assert.ok(
      ports.lines.includes('progress: waiting for 2/2 shards connected on 2.53.2 (0/2 now)'),
      ports.lines.join('\n'),
    );
    assert.ok(ports.lines.includes('progress: waiting for 2/2 shards connected on 2.53.2 (1/2 now)'));
    // Every recreated container may change (and the shards move) while it settles: no news meanwhile.
    const recreated = plan({ path: 'downtime', snapshot: before }).steps.flatMap((s) =>
      s.kind === 'recreate' ? [...s.services] : [],
    );
    assert.deepEqual(ports.expected, [recreated, recreated]);
  });

  it('shards that do not come back in time: a warning naming how many are connected', async () => {
    const ports = new Ports();
    ports.looks = [{ snapshot: withShards(snapshot(HA, NEW, 'standby'), ['wacore1']), apiVersion: NEW }];
    const before = withShards(snapshot(HA, OLD), ['wacore1', 'wacore2']);
    const done = runUpgrade(plan({ path: 'downtime', snapshot: before }), ports, t, { timeoutMs: 10_000 });
    await ports.clock.advance(11_000);
    const outcome = await done;
    assert.equal(outcome.severity, 'warning');
    assert.match(outcome.message, /still waiting for 2\/2 shards connected on 2\.53\.2 \(1\/2 now\)/);
  });

  it('a DB upgrade container that cannot be removed is logged; the upgrade goes on', async () => {
    const ports = new Ports();
    const compose = ports.compose.bind(ports);
    ports.compose = (sub, opts) =>
      sub[0] === 'rm' ? Promise.reject(new Error('rm failed: permission denied')) : compose(sub, opts);
    const outcome = await runUpgrade(plan(), ports, t);
    assert.equal(outcome.severity, 'info');
    assert.ok(ports.lines.some((l) => /removing .*rm failed: permission denied.*docker rm/.test(l)));
  });

  it('a DB upgrade that never exits: stopped waiting, the cluster still on its old version', async () => {
    const ports = new Ports();
    ports.compose = function (this: Ports) {
      this.docker.containers = [
        container({ service: 'dbupgrade', project: 'biz', state: 'running', exitCode: undefined }),
      ];
      return Promise.resolve();
    };
    const done = assert.rejects(
      runUpgrade(plan(), ports, t, { timeoutMs: 5000 }),
      /Stopped waiting for the DB upgrade container .*no exit after 5 s.*still runs its old version/s,
    );
    await ports.clock.advance(6000);
    await done;
  });

  it('a cancel is a cancel (AbortError, no failure message), and the journal is closed', async () => {
    const ports = new Ports();
    ports.looks = [{ snapshot: snapshot(HA, OLD), apiVersion: OLD }];
    const done = runUpgrade(plan({ path: 'downtime' }), ports, t);
    await ports.clock.advance(2000);
    ports.cancel.abort();
    await assert.rejects(done, (err: unknown) => isAbortError(err) && !(err instanceof UpgradeStopped));
    assert.equal(ports.journaled.at(-1), 'end biz');
  });

  it("a cancel while docker wait runs stays a cancel, whatever Docker's aborted call rejects with; .env untouched", async () => {
    const ports = new Ports();
    ports.docker.wait = () => {
      ports.cancel.abort();
      return Promise.reject(new DockerError('aborted', 'Wait for eae5ba57ddbe: cancelled'));
    };
    await assert.rejects(
      runUpgrade(plan(), ports, t),
      (err: unknown) => isAbortError(err) && !(err instanceof UpgradeStopped),
    );
    assert.match(ports.env.get('/c/.env')!, /WA_API_VERSION=2\.51\.1/);
    assert.equal(ports.journaled.at(-1), 'end biz');
  });

  it('with nothing running, only .env changes and the next Up starts the new version', async () => {
    const ports = new Ports();
    const r = await runUpgrade(plan({ path: 'downtime', snapshot: snapshot([], OLD) }), ports, t);
    assert.equal(r.message, 'biz is set to version 2.53.2; nothing was running, so the next Up starts it.');
    assert.equal(ports.composeCalls.length, 0);
  });
});
