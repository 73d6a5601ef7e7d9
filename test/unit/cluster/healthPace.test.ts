import assert from 'node:assert/strict';
import { type HealthReport } from '../../../src/api/health';
import { SLOW_HEALTH_ANSWER_MS, healthInMotion, healthSample } from '../../../src/cluster/healthPace';
import { ClusterMonitor } from '../../../src/cluster/monitor';
import { walkthroughContainers } from '../../fakes/builders';
import { FakeClock } from '../../fakes/fakeClock';
import { FakeDocker } from '../../fakes/fakeDocker';
import { health } from './snapshot.test';

const standby = health('04-third-coreapp-standby.json');
const twoShards = health('03-after-two-shards.json');

describe('cluster/healthPace', () => {
  it('in motion when a node changed, or when answers just turned slow; never on the first answer or a failed one', () => {
    const fast = (report: HealthReport | undefined) => ({ report, answerMs: 20, typicalMs: 20 });
    const slow = (report: HealthReport | undefined) => ({
      report,
      answerMs: SLOW_HEALTH_ANSWER_MS + 500,
      typicalMs: SLOW_HEALTH_ANSWER_MS,
    });
    assert.equal(healthInMotion(undefined, fast(standby)), false, 'first answer');
    assert.equal(healthInMotion(fast(standby), fast(standby)), false, 'same answer');
    assert.equal(healthInMotion(fast(twoShards), fast(standby)), true, 'a node changed');
    assert.equal(healthInMotion(fast(standby), slow(standby)), true, 'answers turned slow');
    assert.equal(healthInMotion(slow(standby), slow(standby)), false, 'still slow: the normal interval');
    assert.equal(healthInMotion(fast(standby), fast(undefined)), false, 'failed request');
    assert.equal(healthInMotion(fast(undefined), fast(standby)), false, 'back after a failure');
  });

  it("a loaded machine's answers that vary around a second are not news; a jump far beyond the usual time is", () => {
    let s = healthSample(undefined, standby, 300);
    let bursts = 0;
    for (const ms of [700, 900, 1100, 400, 1200, 600, 1050, 300, 1300, 800]) {
      const next = healthSample(s, standby, ms);
      bursts += healthInMotion(s, next) ? 1 : 0;
      s = next;
    }
    assert.equal(bursts, 0);
    const calm = healthSample(healthSample(undefined, standby, 30), standby, 25);
    assert.equal(healthInMotion(calm, healthSample(calm, standby, 1500)), true);
  });

  it('the monitor polls fast after a slow answer and after a change, at the interval while nothing moves', async () => {
    const clock = new FakeClock();
    const docker = new FakeDocker();
    docker.containers = walkthroughContainers();
    const state = { report: standby, answerMs: 20, calls: [] as number[] };
    const monitor = new ClusterMonitor({
      project: 'biz',
      docker,
      clock,
      pollIntervalMs: 5000,
      health: () => {
        state.calls.push(clock.now());
        const { report, answerMs } = state;
        return new Promise<HealthReport>((resolve) => clock.setTimeout(() => resolve(report), answerMs));
      },
    });
    monitor.onDidChange(() => undefined);
    await clock.advance(20_000);
    const steady = state.calls.length;
    assert.ok(steady <= 5, `steady: ${steady} polls in 20 s`);

    // A node stops answering in time: the web's answers take 1.5 s.
    state.answerMs = 1500;
    const t0 = clock.now();
    await clock.advance(10_000);
    const afterSlow = state.calls.filter((t) => t > t0).length;
    assert.ok(afterSlow >= 4, `fast polls after the first slow answer: ${afterSlow} in 10 s`);

    // Still slow but unchanged: back to the interval.
    const t1 = clock.now();
    await clock.advance(20_000);
    const quiet = state.calls.filter((t) => t > t1).length;
    assert.ok(quiet <= 4, `slow and unchanged: ${quiet} polls in 20 s`);

    // The failover shows in an answer: fast again, so the next step (the spare connected) is seen within a second or two.
    state.report = twoShards;
    state.answerMs = 20;
    const t2 = clock.now();
    await clock.advance(5_100);
    const seen = state.calls.filter((t) => t > t2);
    assert.ok(seen.length >= 4, `fast polls after a change: ${seen.length} in 5 s`);
    monitor.dispose();
  });
});
