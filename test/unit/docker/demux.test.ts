import assert from 'node:assert/strict';
import { JsonLineSplitter, LogDemuxer } from '../../../src/docker/demux';
import { type LogLine } from '../../../src/docker/types';

function frame(type: 1 | 2, s: string): Buffer {
  const payload = Buffer.from(s);
  const h = Buffer.alloc(8);
  h[0] = type;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('docker/demux', () => {
  it('demultiplexes stdout/stderr frames split at arbitrary byte boundaries', () => {
    const lines: LogLine[] = [];
    const d = new LogDemuxer((l) => lines.push(l), { tty: false, timestamps: true });
    const all = Buffer.concat([
      frame(1, '2026-01-01T00:00:00.000000001Z hello\n2026-01-01T00:00:01Z wor'),
      frame(2, '2026-01-01T00:00:02Z oops\n'),
      frame(1, 'ld\n'),
      frame(1, 'no newline'),
    ]);
    for (let i = 0; i < all.length; i += 5) {
      d.push(all.subarray(i, i + 5));
    }
    d.end();
    assert.deepEqual(lines, [
      { stream: 'stdout', text: 'hello', timestamp: '2026-01-01T00:00:00.000000001Z' },
      { stream: 'stderr', text: 'oops', timestamp: '2026-01-01T00:00:02Z' },
      { stream: 'stdout', text: 'world', timestamp: '2026-01-01T00:00:01Z' },
      { stream: 'stdout', text: 'no newline', timestamp: undefined },
    ]);
  });

  it('TTY streams are raw text', () => {
    const lines: LogLine[] = [];
    const d = new LogDemuxer((l) => lines.push(l), { tty: true, timestamps: false });
    d.push(Buffer.from('a\r\nb\n'));
    d.end();
    assert.deepEqual(
      lines.map((l) => l.text),
      ['a', 'b'],
    );
  });

  it('JsonLineSplitter copes with split and unterminated objects; bad lines reported', () => {
    const got: unknown[] = [];
    const bad: string[] = [];
    const s = new JsonLineSplitter(
      (v) => got.push(v),
      (l) => bad.push(l),
    );
    s.push('{"a":1}\n{"b"');
    s.push(':2}\nnot json\n');
    s.push('{"c":3}');
    assert.deepEqual(got, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    assert.deepEqual(bad, ['not json']);
  });
});
