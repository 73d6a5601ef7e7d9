import { StringDecoder } from 'node:string_decoder';
import { type LogLine } from './types';

type LogStream = LogLine['stream'];

/**
 * Reads Docker's log stream as text per stream. Non-TTY containers send multiplexed frames
 * (8-byte header: stream type 1=stdout/2=stderr, 3 zero bytes, uint32 BE payload size); TTY
 * containers send raw bytes. Partial frames are buffered across chunks. The payloads of the
 * consecutive frames of one stream in a chunk are decoded as one string: Docker sends a frame per
 * log line, and a string per frame cost more than the rest of a log's copying (`npm run bench`,
 * logs). Each stream has its own UTF-8 decoder: a character can be cut between two chunks (TTY) or
 * two frames (Docker splits a long line into 16 KiB pieces at any byte).
 */
class LogFrameReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Where a run's payloads are gathered before one decode; grown to the largest run, reused. */
  private run = Buffer.allocUnsafe(64 * 1024);
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    private readonly onText: (stream: LogStream, text: string) => void,
    private readonly tty: boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.tty) {
      this.emit('stdout', this.decoders.stdout.write(chunk));
      return;
    }
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    let runType = 0;
    let runBytes = 0;
    const flush = (): void => {
      if (runBytes > 0) {
        const stream = runType === 2 ? 'stderr' : 'stdout';
        this.emit(stream, this.decoders[stream].write(this.run.subarray(0, runBytes)));
        runBytes = 0;
      }
    };
    while (buf.length - at >= 8) {
      const type = buf[at]!;
      const size = buf.readUInt32BE(at + 4);
      if (buf.length - at < 8 + size) {
        break;
      }
      if (type !== runType) {
        flush();
        runType = type;
      }
      if (runBytes + size > this.run.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * this.run.length, runBytes + size));
        this.run.copy(grown, 0, 0, runBytes);
        this.run = grown;
      }
      buf.copy(this.run, runBytes, at + 8, at + 8 + size);
      runBytes += size;
      at += 8 + size;
    }
    flush();
    this.pending = buf.subarray(at);
  }

  /** Gives the bytes of a character the stream ended inside of, as U+FFFD. */
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      this.emit(stream, this.decoders[stream].end());
    }
  }

  private emit(stream: LogStream, text: string): void {
    if (text) {
      this.onText(stream, text);
    }
  }
}

/**
 * Calls `onLine` for each line of `text` (whole lines, `\n` after each), taking the timestamp
 * Docker prefixed off when `timestamps`.
 */
export function forEachLogLine(
  stream: LogStream,
  text: string,
  timestamps: boolean,
  onLine: (line: LogLine) => void,
): void {
  let from = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
    emitLine(stream, text.slice(from, text.charCodeAt(nl - 1) === 13 && nl > from ? nl - 1 : nl), timestamps, onLine);
    from = nl + 1;
  }
}

function emitLine(stream: LogStream, raw: string, timestamps: boolean, onLine: (line: LogLine) => void): void {
  if (timestamps) {
    const sp = raw.indexOf(' ');
    const ts = sp > 0 ? raw.slice(0, sp) : '';
    if (/^\d{4}-\d\d-\d\dT/.test(ts)) {
      onLine({ stream, text: raw.slice(sp + 1), timestamp: ts });
      return;
    }
  }
  onLine({ stream, text: raw, timestamp: undefined });
}

/**
 * Splits Docker's log stream into whole lines of text, a string of several lines at a time per
 * stream (each line as Docker sent it: `<timestamp> <text>` with `timestamps`). For copying a log
 * somewhere without a string per line; {@link forEachLogLine} splits a block when needed.
 * Partial lines are buffered across chunks; {@link end} gives the unterminated last ones, with a
 * newline added.
 */
export class LogTextDemuxer {
  private readonly frames: LogFrameReader;
  private readonly partial = { stdout: '', stderr: '' };

  constructor(
    private readonly onText: (stream: LogStream, wholeLines: string) => void,
    opts: { tty: boolean },
  ) {
    this.frames = new LogFrameReader((stream, text) => this.text(stream, text), opts.tty);
  }

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  end(): void {
    this.frames.end();
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) {
        this.onText(stream, `${this.partial[stream]}\n`);
        this.partial[stream] = '';
      }
    }
  }

  private text(stream: LogStream, text: string): void {
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.partial[stream] += text;
      return;
    }
    const whole = this.partial[stream] + text.slice(0, last + 1);
    this.partial[stream] = text.slice(last + 1);
    this.onText(stream, whole);
  }
}

/** Splits Docker's log stream into lines (see {@link LogTextDemuxer}), `\r\n` endings as `\n`. */
export class LogDemuxer {
  private readonly blocks: LogTextDemuxer;

  constructor(onLine: (line: LogLine) => void, opts: { tty: boolean; timestamps: boolean }) {
    this.blocks = new LogTextDemuxer((stream, text) => forEachLogLine(stream, text, opts.timestamps, onLine), opts);
  }

  push(chunk: Buffer): void {
    this.blocks.push(chunk);
  }

  /** Emits any unterminated last lines. */
  end(): void {
    this.blocks.end();
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
