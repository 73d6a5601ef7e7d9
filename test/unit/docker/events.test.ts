import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { DockerError, classifyDockerError } from '../../../src/docker/errors';
import { EventStream, toEvent } from '../../../src/docker/events';
import { type DockerEvent, type EventStreamState } from '../../../src/docker/types';
import { FakeClock, flush } from '../../fakes/fakeClock';

function harness(failFirst = 0) {
  const clock = new FakeClock();
  const streams: PassThrough[] = [];
  let opens = 0;
  let failures = failFirst;
  const events: DockerEvent[] = [];
  const states: string[] = [];
  const s = new EventStream(
    (signal) => {
      opens++;
      if (failures > 0) {
        failures--;
        return Promise.reject(new DockerError('daemonDown', 'down'));
      }
      const p = new PassThrough();
      signal.addEventListener('abort', () => p.destroy());
      streams.push(p);
      return Promise.resolve(p);
    },
    { onEvent: (e) => events.push(e), onState: (st: EventStreamState, e) => states.push(e ? `${st}:${e.kind}` : st) },
    { clock, backoffMs: [100, 200, 400], classify: (e) => classifyDockerError(e, 'unix:///x') },
  );
  // Counted on the engine's side of the fake: streams handed out and not yet closed.
  const openStreams = () => streams.filter((p) => !p.destroyed && !p.writableEnded).length;
  return {
    clock,
    streams,
    events,
    states,
    s,
    openStreams,
    opens: () => opens,
    setFailures: (n: number) => (failures = n),
  };
}

const ev = (action: string, id = 'c1', extra: Record<string, string> = {}) =>
  JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: {
      ID: id,
      Attributes: {
        name: 'biz_wacore1_1',
        'com.docker.compose.service': 'wacore1',
        'com.docker.compose.project': 'biz',
        ...extra,
      },
    },
    time: 1767225600,
    timeNano: 1767225600123456000,
  }) + '\n';

describe('docker/events EventStream', () => {
  it('delivers typed events from a newline-delimited stream', async () => {
    const h = harness();
    await flush();
    assert.deepEqual(h.states, ['connecting', 'connected']);
    h.streams[0]!.write(
      ev('start') + ev('health_status: unhealthy') + ev('die', 'c1', { exitCode: '137' }) + ev('exec_start: sh'),
    );
    await flush();
    assert.deepEqual(
      h.events.map((e) => e.action),
      ['start', 'health_status', 'die'],
    );
    assert.equal(h.events[1]!.health, 'unhealthy');
    assert.equal(h.events[2]!.exitCode, 137);
    assert.equal(h.events[0]!.service, 'wacore1');
    assert.equal(h.events[0]!.time, 1767225600123);
    h.s.dispose();
  });

  it('reconnects with bounded backoff and never has two streams open', async () => {
    const h = harness();
    await flush();
    h.streams[0]!.end();
    await flush();
    assert.equal(h.s.state, 'disconnected');
    h.setFailures(5);
    await h.clock.advance(100); // 1st retry fails
    await h.clock.advance(200); // 2nd
    await h.clock.advance(400); // 3rd
    await h.clock.advance(400); // bounded: stays at 400
    assert.ok(h.states.includes('disconnected:daemonDown'));
    const opensBefore = h.opens();
    await h.clock.advance(399);
    assert.equal(h.opens(), opensBefore, 'no retry before the bounded delay');
    await h.clock.advance(1);
    assert.equal(h.opens(), opensBefore + 1);
    await h.clock.advance(400);
    await flush();
    assert.equal(h.s.state, 'connected');
    assert.equal(h.openStreams(), 1);
    assert.equal(h.streams.length, 2, 'two connections in all');
    // Events from the retired first stream would be ignored; the new one delivers once.
    h.streams.at(-1)!.write(ev('stop'));
    await flush();
    assert.equal(h.events.filter((e) => e.action === 'stop').length, 1);
    h.s.dispose();
    await flush();
    assert.equal(h.openStreams(), 0);
    assert.equal(h.s.state, 'stopped');
    const opens = h.opens();
    await h.clock.advance(10_000);
    assert.equal(h.opens(), opens, 'no reconnect after dispose');
  });

  it('toEvent ignores other types and junk', () => {
    assert.equal(toEvent({ Type: 'network', Action: 'connect', Actor: { ID: 'n' } }), undefined);
    assert.equal(toEvent({ Type: 'container', Action: 'start' }), undefined);
    assert.equal(toEvent('junk'), undefined);
    assert.equal(toEvent({ status: 'kill', id: 'abc', time: 1 })?.action, 'kill');
  });
});
