import assert from 'node:assert/strict';
import { applyEvent, applyEvents } from '../../../src/docker/events';
import { type DockerEvent } from '../../../src/docker/types';
import { container } from '../../fakes/builders';

const at = Date.parse('2026-01-01T10:00:00Z');
function ev(action: DockerEvent['action'], containerId: string, extra: Partial<DockerEvent> = {}): DockerEvent {
  return {
    action,
    containerId,
    health: undefined,
    name: undefined,
    service: undefined,
    project: 'biz',
    exitCode: undefined,
    time: at,
    timeNano: BigInt(at) * 1_000_000n,
    ...extra,
  };
}

describe('docker/events applyEvent (what an event says, before inspect answers)', () => {
  const running = container({ service: 'wacore1' });
  const other = container({ service: 'wacore2' });
  const list = [running, other];

  it('die: exited with the exit code the event carries, finished at the event time', () => {
    const next = applyEvent(list, ev('die', running.id, { exitCode: 137 }));
    assert.notEqual(next, list);
    const c = next?.[0];
    assert.equal(c?.state, 'exited');
    assert.equal(c?.exitCode, 137);
    assert.equal(c?.status, 'Exited (137)');
    assert.equal(c?.finishedAt, '2026-01-01T10:00:00.000Z');
    assert.equal(next?.[1], other, 'the other containers are untouched');
  });

  it('start: running since the event time; a container with a health check starts over at "starting"', () => {
    const stopped = container({ service: 'wacore1', state: 'exited', exitCode: 143, health: 'healthy' });
    const c = applyEvent([stopped], ev('start', stopped.id))?.[0];
    assert.equal(c?.state, 'running');
    assert.equal(c?.startedAt, '2026-01-01T10:00:00.000Z');
    assert.equal(c?.health, 'starting');
    assert.equal(c?.exitCode, 0);
    const noCheck = container({ service: 'db', state: 'exited' });
    assert.equal(applyEvent([noCheck], ev('start', noCheck.id))?.[0]?.health, 'none');
  });

  it('kill, create, oom, rename and events of unknown containers change nothing (same array)', () => {
    for (const action of ['kill', 'create', 'oom', 'rename'] as const) {
      assert.equal(applyEvent(list, ev(action, running.id)), list, action);
    }
    assert.equal(applyEvent(list, ev('die', 'f'.repeat(64), { exitCode: 1 })), list);
    assert.equal(applyEvent(undefined, ev('die', running.id)), undefined, 'nothing known yet: the refresh will tell');
  });

  it('repeating what is already known changes nothing: start on running, stop after die', () => {
    assert.equal(applyEvent(list, ev('start', running.id)), list);
    const died = applyEvent(list, ev('die', running.id, { exitCode: 0 }));
    assert.equal(applyEvent(died, ev('stop', running.id)), died);
    assert.equal(applyEvent(died, ev('die', running.id, { exitCode: 0 })), died);
  });

  it('stop without a die seen: exited, exit code unknown stays as inspect said', () => {
    const c = applyEvent(list, ev('stop', running.id))?.[0];
    assert.equal(c?.state, 'exited');
  });

  it('pause / unpause, health_status and destroy', () => {
    const paused = applyEvent(list, ev('pause', running.id));
    assert.equal(paused?.[0]?.state, 'paused');
    const unpaused = applyEvent(paused, ev('unpause', running.id));
    assert.equal(unpaused?.[0]?.state, 'running');
    assert.equal(unpaused?.[0]?.startedAt, running.startedAt, 'unpause is no restart');
    assert.equal(applyEvent(list, ev('health_status', running.id, { health: 'unhealthy' }))?.[0]?.health, 'unhealthy');
    assert.deepEqual(applyEvent(list, ev('destroy', running.id)), [other]);
  });

  it('applyEvents replays in order (kill → die → stop → start ends running)', () => {
    const out = applyEvents(list, [
      ev('kill', running.id),
      ev('die', running.id, { exitCode: 143 }),
      ev('stop', running.id),
      ev('start', running.id),
    ]);
    assert.equal(out?.[0]?.state, 'running');
    assert.equal(applyEvents(list, []), list);
  });
});
