import { type LogLine } from './types';

/**
 * Splits Docker's log stream into lines. Non-TTY containers send multiplexed frames
 * (8-byte header: stream type 1=stdout/2=stderr, 3 zero bytes, uint32 BE payload size);
 * TTY containers send raw bytes. Partial frames and partial lines are buffered across chunks.
 */
export class LogDemuxer {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial = { stdout: '', stderr: '' };

  constructor(
    private readonly onLine: (line: LogLine) => void,
    private readonly opts: { tty: boolean; timestamps: boolean },
  ) {}

  push(chunk: Buffer): void {
    if (this.opts.tty) {
      this.text('stdout', chunk.toString('utf8'));
      return;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const type = this.pending[0];
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) {
        break;
      }
      const payload = this.pending.subarray(8, 8 + size).toString('utf8');
      this.pending = this.pending.subarray(8 + size);
      this.text(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }

  /** Emits any unterminated last lines. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) {
        this.emit(stream, this.partial[stream]);
        this.partial[stream] = '';
      }
    }
  }

  private text(stream: 'stdout' | 'stderr', s: string): void {
    const parts = (this.partial[stream] + s).split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts) {
      this.emit(stream, p.replace(/\r$/, ''));
    }
  }

  private emit(stream: 'stdout' | 'stderr', raw: string): void {
    if (this.opts.timestamps) {
      const sp = raw.indexOf(' ');
      const ts = sp > 0 ? raw.slice(0, sp) : '';
      if (/^\d{4}-\d\d-\d\dT/.test(ts)) {
        this.onLine({ stream, text: raw.slice(sp + 1), timestamp: ts });
        return;
      }
    }
    this.onLine({ stream, text: raw, timestamp: undefined });
  }
}

const WHOLE_BUFFER_PARSE_MAX = 64 * 1024;

/** Splits a byte stream of JSON objects separated by newlines (the events endpoint). */
export class JsonLineSplitter {
  private buf = '';
  private skipping = false;
  /**
   * `maxLineChars`: a line (one JSON object) longer than this is dropped and reported through
   * `onBad`, so an engine or proxy that never sends a newline cannot grow memory without bound.
   * Docker's event objects are well under 10 kB.
   */
  constructor(
    private readonly onJson: (value: unknown) => void,
    private readonly onBad: (line: string) => void,
    private readonly maxLineChars = 1024 * 1024,
  ) {}

  /** Characters waiting for the end of their line. */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.skipping) {
      // The rest of a line already dropped as too long.
      const end = text.indexOf('\n');
      if (end < 0) {
        return;
      }
      this.skipping = false;
      text = text.slice(end + 1);
    }
    // Only the new text can hold the next line end: scanning the whole buffer on every chunk
    // would be quadratic in the length of a long line.
    const hasLineEnd = text.includes('\n');
    this.buf += text;
    let nl: number;
    while (hasLineEnd && (nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line.length > this.maxLineChars) {
        this.onBad(line.slice(0, 200));
      } else if (line) {
        this.parse(line);
      }
    }
    if (this.buf.length > this.maxLineChars) {
      this.onBad(this.buf.slice(0, 200));
      this.buf = '';
      this.skipping = true;
      return;
    }
    // Older engines do not end each object with a newline: try the buffer as a whole (events are
    // small; a long unterminated line is not re-parsed on every chunk, which would be quadratic).
    const rest = this.buf.length <= WHOLE_BUFFER_PARSE_MAX ? this.buf.trim() : '';
    if (rest.startsWith('{') && rest.endsWith('}')) {
      try {
        const v = JSON.parse(rest) as unknown;
        this.buf = '';
        this.onJson(v);
      } catch {
        // incomplete: wait for more
      }
    }
  }

  private parse(line: string): void {
    try {
      this.onJson(JSON.parse(line) as unknown);
    } catch {
      this.onBad(line);
    }
  }
}
