import assert from 'node:assert/strict';
import { type HealthReport, parseHealth } from '../../../src/api/health';
import { ApiError } from '../../../src/api/errors';
import { ClusterMonitor, type MonitorChange } from '../../../src/cluster/monitor';
import { DockerError } from '../../../src/docker/errors';
import { walkthroughContainers } from '../../fakes/builders';
import { FakeClock, flush } from '../../fakes/fakeClock';
import { FakeDocker } from '../../fakes/fakeDocker';
import { health } from './snapshot.test';

function setup(h: HealthReport = health('04-third-coreapp-standby.json')) {
  const clock = new FakeClock();
  const docker = new FakeDocker();
  docker.containers = walkthroughContainers();
  const healthState = { report: h as HealthReport | ApiError, calls: 0 };
  const monitor = new ClusterMonitor({
    project: 'biz',
    docker,
    clock,
    pollIntervalMs: 5000,
    health: () => {
      healthState.calls++;
      return healthState.report instanceof ApiError
        ? Promise.reject(healthState.report)
        : Promise.resolve(healthState.report);
    },
  });
  const changes: MonitorChange[] = [];
  return { clock, docker, monitor, healthState, changes, listen: () => monitor.onDidChange((c) => changes.push(c)) };
}

describe('cluster/monitor', () => {
  it('starts with the first listener, pauses when the last leaves (timers and subscription released)', async () => {
    const t = setup();
    assert.equal(t.docker.activeSubscriptions, 0);
    const sub = t.listen();
    await t.clock.advance(0);
    assert.equal(t.docker.activeSubscriptions, 1);
    assert.ok(t.monitor.snapshot);
    assert.equal(t.monitor.snapshot.cluster.connectedCoreapps, 2);
    sub.dispose();
    assert.equal(t.docker.activeSubscriptions, 0);
    assert.equal(t.clock.pending, 0);
    const calls = t.healthState.calls;
    await t.clock.advance(60_000);
    assert.equal(t.healthState.calls, calls, 'no polling while nobody listens');
    t.monitor.dispose();
  });

  it('the periodic container check inspects only what the list shows changed while events flow; a reconnect inspects all', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    const all = t.docker.containers.length;
    let inspects = t.docker.calls.inspect;
    await t.clock.advance(60_000);
    assert.equal(t.docker.calls.inspect, inspects, 'nothing changed: the list alone');
    // A change the list shows (an event we never got): that container, and only it, is inspected.
    const [first] = t.docker.containers;
    t.docker.containers = t.docker.containers.map((c) =>
      c.id === first!.id ? { ...c, state: 'exited' as const, exitCode: 1 } : c,
    );
    inspects = t.docker.calls.inspect;
    await t.clock.advance(60_000);
    assert.equal(t.docker.calls.inspect, inspects + 1);
    assert.equal(t.monitor.snapshot?.nodes.find((n) => n.container?.id === first!.id)?.container?.state, 'exited');
    inspects = t.docker.calls.inspect;
    await t.monitor.refresh();
    assert.equal(t.docker.calls.inspect, inspects + all, 'a refresh asked for inspects every container');
    t.monitor.dispose();
  });

  it('polls health on the interval and emits only real changes', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    const n = t.changes.length;
    const calls = t.healthState.calls;
    await t.clock.advance(5000);
    assert.equal(t.healthState.calls, calls + 1);
    assert.equal(t.changes.length, n, 'same health → no change event');
    t.healthState.report = health('03-after-two-shards.json');
    await t.clock.advance(5000);
    assert.equal(t.changes.length, n + 1);
    t.monitor.dispose();
  });

  it('a Docker "die" event refreshes containers at once (before any poll) and starts a fast health burst', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    const w1 = t.docker.containers.find((c) => c.service === 'wacore1')!;
    t.docker.update('wacore1', { state: 'exited', exitCode: 137 });
    t.docker.emit({ action: 'die', containerId: w1.id, exitCode: 137 });
    await flush();
    const last = t.changes.at(-1)!;
    assert.equal(last.snapshot.nodes.find((x) => x.name === 'wacore1')?.state, 'stopped');
    assert.ok(last.diff.nodeChanges.some((c) => c.kind === 'containerDied' && c.node === 'wacore1'));
    // Fast health polls follow the event, well before the 5 s interval.
    const calls = t.healthState.calls;
    const promoted = parseHealth({
      health: {
        'master1:b28d835cd579': { gateway_status: 'disconnected', role: 'secondary_master' },
        'master2:7fe542d305b4': { gateway_status: 'connected', role: 'primary_master' },
        'wacore2:05e1a6d70665': { gateway_status: 'connected', role: 'coreapp' },
        'wacore3:23b50199bec2': { gateway_status: 'connected', role: 'coreapp' },
      },
    });
    assert.ok(promoted.ok);
    t.healthState.report = promoted.value;
    await t.clock.advance(1000);
    assert.ok(t.healthState.calls >= calls + 2);
    const fo = t.changes.flatMap((c) => c.diff.events).find((e) => e.kind === 'failover');
    assert.ok(fo);
    assert.equal(fo.message, 'failover wacore1→wacore3');
    t.monitor.dispose();
  });

  it('a "die" shows with its exit code at once, even while inspect is still waiting for the container', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    const w1 = t.docker.containers.find((c) => c.service === 'wacore1')!;
    let answer: () => void = () => undefined;
    const realInspect = t.docker.inspect.bind(t.docker);
    // Docker answers inspect only after tearing the container down.
    t.docker.inspect = (id) =>
      new Promise((resolve, reject) => (answer = () => void realInspect(id).then(resolve, reject)));
    t.docker.update('wacore1', { state: 'exited', exitCode: 137 });
    t.docker.emit({ action: 'die', containerId: w1.id, exitCode: 137 });
    const shown = t.changes.at(-1)!;
    assert.equal(
      shown.snapshot.nodes.find((x) => x.name === 'wacore1')?.state,
      'stopped',
      'synchronously, before any inspect answer',
    );
    assert.ok(
      shown.diff.nodeChanges.some((c) => c.kind === 'containerDied' && c.node === 'wacore1' && c.exitCode === 137),
    );
    const n = t.changes.length;
    answer();
    t.docker.inspect = realInspect;
    await flush();
    await t.clock.advance(0);
    assert.ok(
      !t.changes.slice(n).some((c) => c.diff.nodeChanges.some((x) => x.kind === 'containerDied')),
      'the reconciling inspect announces nothing twice',
    );
    assert.equal(t.monitor.snapshot?.nodes.find((x) => x.name === 'wacore1')?.container?.exitCode, 137);
    t.monitor.dispose();
  });

  it('an event that comes in while a refresh is asking Docker is replayed on its (older) answer', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    const w1 = t.docker.containers.find((c) => c.service === 'wacore1')!;
    const realList = t.docker.listContainers.bind(t.docker);
    let release: () => void = () => undefined;
    // A refresh is in flight and has already read the old state (running).
    const stale = await realList('biz');
    const staleDetails = await Promise.all(stale.map((c) => t.docker.inspect(c.id)));
    t.docker.listContainers = () => new Promise((resolve) => (release = () => resolve(stale)));
    const realInspect = t.docker.inspect.bind(t.docker);
    t.docker.inspect = (id) => Promise.resolve(staleDetails.find((d) => d.id === id) ?? realInspect(id));
    void t.monitor.refresh();
    t.docker.emit({ action: 'die', containerId: w1.id, exitCode: 1 });
    release();
    await flush();
    assert.equal(
      t.monitor.snapshot?.nodes.find((x) => x.name === 'wacore1')?.state,
      'stopped',
      'the stale answer does not bring the dead node back',
    );
    t.monitor.dispose();
  });

  it('engine down → "engine unreachable" snapshot; back → recovery, still exactly one subscription', async () => {
    const t = setup();
    t.listen();
    await t.clock.advance(0);
    t.docker.setDown(new DockerError('daemonDown', 'The Docker daemon is not running'));
    await flush();
    const down = t.monitor.snapshot!;
    assert.equal(down.engine.reachable, false);
    assert.equal(down.engine.problem?.kind, 'daemonDown');
    assert.equal(down.cluster.findings[0]?.id, 'engine-unreachable');
    assert.equal(down.nodes.find((n) => n.name === 'wacore1')?.state, 'connected', 'health still known');
    await t.clock.advance(5000);
    t.docker.setDown(undefined);
    await t.clock.advance(0);
    const up = t.monitor.snapshot!;
    assert.equal(up.engine.reachable, true);
    assert.equal(up.nodes.length, 7);
    assert.ok(t.changes.flatMap((c) => c.diff.events).some((e) => e.kind === 'engineRecovered'));
    assert.equal(t.docker.activeSubscriptions, 1);
    assert.equal(t.docker.calls.subscribe, 1);
    t.monitor.dispose();
  });

  it('an engine whose API is too old is "engine unreachable (apiTooOld)" although it lists containers; it is asked again only after a problem', async () => {
    const t = setup();
    t.docker.pingError = new DockerError(
      'apiTooOld',
      'Docker at unix:///fake/docker.sock is 1.12.6 (API 1.24); API 1.25 or newer is needed. Upgrade Docker.',
    );
    t.listen();
    await t.clock.advance(0);
    const old = t.monitor.snapshot!;
    assert.equal(old.engine.reachable, false);
    assert.equal(old.engine.problem?.kind, 'apiTooOld');
    assert.ok(
      old.nodes.every((n) => n.container === null),
      'no container data from an engine we cannot trust',
    );
    t.docker.pingError = undefined;
    await t.clock.advance(5000);
    assert.equal(t.monitor.snapshot!.engine.reachable, true);
    const pings = t.docker.calls.ping;
    await t.clock.advance(20_000);
    assert.equal(t.docker.calls.ping, pings, 'no version check while the engine is known to be fine');
    t.monitor.dispose();
  });

  it('API errors show in the snapshot and recover', async () => {
    const t = setup();
    t.healthState.report = new ApiError('unauthorized', 'Unauthorized: wrong user name or password', { status: 401 });
    t.listen();
    await t.clock.advance(0);
    assert.equal(t.monitor.snapshot?.api.status, 'error');
    assert.equal(t.monitor.snapshot?.api.errorKind, 'unauthorized');
    assert.ok(t.monitor.snapshot?.cluster.findings.some((f) => f.id === 'api-auth'));
    t.healthState.report = health('04-third-coreapp-standby.json');
    await t.clock.advance(5000);
    assert.equal(t.monitor.snapshot?.api.status, 'ok');
    t.monitor.dispose();
  });

  it('refresh() works without listeners and never rejects', async () => {
    const t = setup();
    t.docker.down = new DockerError('permissionDenied', 'Permission denied on the Docker socket');
    const s = await t.monitor.refresh();
    assert.equal(s.engine.problem?.kind, 'permissionDenied');
    assert.equal(t.docker.activeSubscriptions, 0);
  });
});
