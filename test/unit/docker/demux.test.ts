import assert from 'node:assert/strict';
import { JsonLineSplitter, LogDemuxer, LogTextDemuxer, forEachLogLine } from '../../../src/docker/demux';
import { type LogLine } from '../../../src/docker/types';
import { seededRandom } from '../../support/seededRandom';

function frame(type: 1 | 2, s: string | Buffer): Buffer {
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

  it('gives whole lines per stream as Docker sent them, and the same lines as LogDemuxer however the stream is cut', () => {
    const random = seededRandom(7);
    const words = ['alpha', 'ünïcode ✓', '2026-01-01T00:00:00Z', 'x'.repeat(300), '', 'tab\there'];
    const frames: Buffer[] = [];
    const sent = { stdout: '', stderr: '' };
    for (let i = 0; i < 400; i++) {
      const stream = random() < 0.8 ? 'stdout' : 'stderr';
      const line = `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000000001Z ${words[Math.floor(random() * words.length)]} ${i}${random() < 0.1 ? '\r' : ''}\n`;
      sent[stream] += line;
      frames.push(frame(stream === 'stdout' ? 1 : 2, line));
    }
    const all = Buffer.concat(frames);
    const blocks = { stdout: '', stderr: '' };
    const fromBlocks: LogLine[] = [];
    const text = new LogTextDemuxer(
      (stream, t) => {
        assert.ok(t.endsWith('\n'), 'a block ends with a whole line');
        blocks[stream] += t;
        forEachLogLine(stream, t, true, (l) => fromBlocks.push(l));
      },
      { tty: false },
    );
    const fromLines: LogLine[] = [];
    const lines = new LogDemuxer((l) => fromLines.push(l), { tty: false, timestamps: true });
    for (let at = 0; at < all.length;) {
      const piece = all.subarray(at, at + 1 + Math.floor(random() * 3000));
      text.push(piece);
      lines.push(piece);
      at += piece.length;
    }
    text.end();
    lines.end();
    assert.deepEqual(blocks, sent);
    assert.deepEqual(fromBlocks, fromLines);
    assert.equal(fromLines.length, 400);
    assert.ok(fromLines.every((l) => !l.text.endsWith('\r') && l.timestamp));
  });

  it('ends an unterminated last line with a newline', () => {
    const got: string[] = [];
    const d = new LogTextDemuxer((stream, t) => got.push(`${stream}:${t}`), { tty: false });
    d.push(Buffer.concat([frame(1, 'one\ntwo'), frame(2, 'err')]));
    d.end();
    assert.deepEqual(got, ['stdout:one\n', 'stdout:two\n', 'stderr:err\n']);
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

  it('a character cut between two chunks (TTY) or two frames of a long line (Docker splits at any byte) is decoded whole', () => {
    const text = 'grüße ✓ 日本\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const tty: string[] = [];
      const ttyDemuxer = new LogTextDemuxer((_, t) => tty.push(t), { tty: true });
      ttyDemuxer.push(bytes.subarray(0, cut));
      ttyDemuxer.push(bytes.subarray(cut));
      ttyDemuxer.end();
      assert.deepEqual(tty, [text], `TTY cut at byte ${cut}`);

      const framed: string[] = [];
      const framedDemuxer = new LogTextDemuxer((stream, t) => framed.push(`${stream}:${t}`), { tty: false });
      framedDemuxer.push(Buffer.concat([frame(1, bytes.subarray(0, cut)), frame(2, 'é\n')]));
      framedDemuxer.push(frame(1, bytes.subarray(cut)));
      framedDemuxer.end();
      assert.deepEqual(framed.sort(), [`stderr:é\n`, `stdout:${text}`], `frames cut at byte ${cut}`);
    }
  });

  it('a stream that ends inside a character gives U+FFFD for it, not nothing', () => {
    const got: string[] = [];
    const d = new LogTextDemuxer((_, t) => got.push(t), { tty: true });
    d.push(Buffer.from('ok ✓').subarray(0, 4));
    d.end();
    assert.deepEqual(got, ['ok \uFFFD\n']);
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
