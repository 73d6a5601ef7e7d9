import assert from 'node:assert/strict';
import { Interleaver, interleave, prefixLine, timestampKey } from '../../../src/util/interleave';

describe('interleave', () => {
  it('parses RFC 3339 with nanoseconds and offsets', () => {
    const a = timestampKey('2024-12-05T08:43:19.183000001Z')!;
    const b = timestampKey('2024-12-05T08:43:19.183000002Z')!;
    assert.equal(a[0], b[0]);
    assert.ok(a[1] < b[1]);
    assert.deepEqual(timestampKey('2024-12-05T09:43:19+01:00'), timestampKey('2024-12-05T08:43:19Z'));
    assert.equal(timestampKey('not a time'), undefined);
    assert.equal(timestampKey(undefined), undefined);
  });

  it('merges several logs by timestamp, stable for equal times', () => {
    const out = interleave([
      {
        source: 'wacore1',
        lines: [
          { timestamp: '2024-01-01T00:00:01.000000001Z', text: 'c1-a' },
          { timestamp: '2024-01-01T00:00:03Z', text: 'c1-b' },
        ],
      },
      {
        source: 'master1',
        lines: [
          { timestamp: '2024-01-01T00:00:01.000000000Z', text: 'm1-a' },
          { timestamp: '2024-01-01T00:00:03Z', text: 'm1-b' },
        ],
      },
    ]);
    assert.deepEqual(
      out.map((l) => prefixLine(l.source, l.text)),
      ['[master1] m1-a', '[wacore1] c1-a', '[wacore1] c1-b', '[master1] m1-b'],
    );
  });

  it('keeps lines without a timestamp right after their predecessor', () => {
    const out = interleave([
      {
        source: 'web',
        lines: [
          { timestamp: '2024-01-01T00:00:01Z', text: 'Traceback:' },
          { timestamp: undefined, text: '  frame 1' },
          { timestamp: undefined, text: '  frame 2' },
        ],
      },
      {
        source: 'db',
        lines: [
          { timestamp: '2024-01-01T00:00:00.5Z', text: 'db-a' },
          { timestamp: '2024-01-01T00:00:01.5Z', text: 'db-b' },
        ],
      },
    ]);
    assert.deepEqual(
      out.map((l) => `${l.source}:${l.text}`),
      ['db:db-a', 'web:Traceback:', 'web:  frame 1', 'web:  frame 2', 'db:db-b'],
    );
  });

  it('holds lines for a while so a slower node can overtake, then releases in order', () => {
    const il = new Interleaver(300);
    il.push('a', { timestamp: '2024-01-01T00:00:02Z', text: 'a2' }, 0);
    assert.deepEqual(il.drain(100), []);
    il.push('b', { timestamp: '2024-01-01T00:00:01Z', text: 'b1' }, 200);
    assert.deepEqual(
      il.drain(300).map((l) => l.text),
      ['b1', 'a2'],
      'the older b1 goes out before the due a2',
    );
    il.push('b', { timestamp: '2024-01-01T00:00:00Z', text: 'late' }, 400);
    il.push('b', { timestamp: undefined, text: 'late-cont' }, 400);
    assert.equal(il.pendingLines, 2);
    assert.deepEqual(
      il.drain(800).map((l) => l.text),
      ['late', 'late-cont'],
      'late lines are released, never dropped',
    );
    il.push('b', { timestamp: undefined, text: 'orphan' }, 900);
    assert.deepEqual(
      il.drain(900, true).map((l) => l.text),
      ['orphan'],
    );
  });
});
