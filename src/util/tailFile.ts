import fs from 'node:fs';

/** Bytes gathered before one write to disk. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Writes a log to a file line by line, keeping the newest lines within `maxBytes` on disk while
 * memory stays at one chunk, however long the log: lines go to two alternating segment files of
 * up to `maxBytes / 2` each; when the current one is full the older is deleted (its lines counted
 * as dropped). {@link finish} joins what is left, after an optional header, into `file`.
 * So at least the newest `maxBytes / 2` of the log are kept, never more than `maxBytes`.
 *
 * Each line is encoded into one chunk buffer (outside the JavaScript heap, reused) as it arrives,
 * so no line outlives the call: strings held until a flush would survive young-generation
 * collections, and V8 doubles the young generation once enough bytes have survived them, which
 * made a collection's peak memory grow with the log's length (`npm run bench`, logs).
 */
export class TailFileWriter {
  private readonly segments: { path: string; bytes: number; lines: number }[] = [];
  private fd: number | undefined;
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private pendingBytes = 0;
  private next = 0;
  private droppedLines = 0;
  private keptLines = 0;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
  ) {
    this.open();
  }

  get lines(): number {
    return this.keptLines;
  }

  get dropped(): number {
    return this.droppedLines;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.reserve(bytes)) {
      this.pendingBytes += this.chunk.write(line, this.pendingBytes);
      this.chunk[this.pendingBytes++] = 0x0a;
    } else {
      this.writeThrough(`${line}\n`, bytes);
    }
    this.counted(1);
  }

  /**
   * Writes whole lines at once: `text` holds them, each ending with a newline. A long text goes in
   * pieces of whole lines, each a small part of a segment, so the kept lines stay close to the limit.
   */
  writeLines(text: string): void {
    const most = Math.max(1024, Math.min(CHUNK_BYTES, this.maxBytes / 16));
    for (let from = 0; from < text.length;) {
      let to = text.length;
      if (to - from > most) {
        const nl = text.lastIndexOf('\n', from + most - 1);
        to = nl >= from ? nl + 1 : text.indexOf('\n', from + most) + 1 || text.length;
      }
      this.writeWholeLines(from === 0 && to === text.length ? text : text.slice(from, to));
      from = to;
    }
  }

  private writeWholeLines(text: string): void {
    let lines = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
      lines++;
    }
    const bytes = Buffer.byteLength(text);
    if (this.reserve(bytes)) {
      this.pendingBytes += this.chunk.write(text, this.pendingBytes);
    } else {
      this.writeThrough(text, bytes);
    }
    this.counted(lines);
  }

  /**
   * Makes room for `bytes` more: a new segment when the current one would pass its half of the
   * limit, a flush when the chunk would overflow. False when they are more than a chunk holds.
   */
  private reserve(bytes: number): boolean {
    const inSegment = this.segments.at(-1)!.bytes + this.pendingBytes;
    if (inSegment > 0 && inSegment + bytes > this.maxBytes / 2) {
      this.rotate();
    }
    if (this.pendingBytes + bytes > CHUNK_BYTES) {
      this.flush();
    }
    return bytes <= CHUNK_BYTES;
  }

  /** Longer than a chunk: straight to disk. */
  private writeThrough(text: string, bytes: number): void {
    fs.writeSync(this.fd!, text);
    this.segments.at(-1)!.bytes += bytes;
  }

  private counted(lines: number): void {
    this.segments.at(-1)!.lines += lines;
    this.keptLines += lines;
  }

  /** Writes `header` (if any) and the kept lines to the file, and removes the segments. */
  finish(header?: (dropped: number) => string | undefined): void {
    this.flush();
    this.closeFd();
    const h = header?.(this.droppedLines);
    if (!h && this.segments.length === 1) {
      // Nothing to put before the lines: the one segment is the file.
      fs.renameSync(this.segments.pop()!.path, this.file);
      return;
    }
    const out = fs.openSync(this.file, 'w');
    try {
      if (h) {
        fs.writeSync(out, h);
      }
      const buf = Buffer.alloc(1024 * 1024);
      for (const s of this.segments) {
        const inFd = fs.openSync(s.path, 'r');
        try {
          for (let n = fs.readSync(inFd, buf); n > 0; n = fs.readSync(inFd, buf)) {
            fs.writeSync(out, buf, 0, n);
          }
        } finally {
          fs.closeSync(inFd);
        }
      }
    } finally {
      fs.closeSync(out);
      this.removeSegments();
    }
  }

  /** Removes the segments without writing the file (a failure before any line arrived). */
  discard(): void {
    this.closeFd();
    this.removeSegments();
  }

  private open(): void {
    const path = `${this.file}.part${this.next++}`;
    this.fd = fs.openSync(path, 'w');
    this.segments.push({ path, bytes: 0, lines: 0 });
  }

  private rotate(): void {
    this.flush();
    this.closeFd();
    if (this.segments.length === 2) {
      const old = this.segments.shift()!;
      fs.rmSync(old.path, { force: true });
      this.droppedLines += old.lines;
      this.keptLines -= old.lines;
    }
    this.open();
  }

  private flush(): void {
    if (this.pendingBytes === 0 || this.fd === undefined) {
      return;
    }
    for (let at = 0; at < this.pendingBytes;) {
      at += fs.writeSync(this.fd, this.chunk, at, this.pendingBytes - at);
    }
    this.segments.at(-1)!.bytes += this.pendingBytes;
    this.pendingBytes = 0;
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private removeSegments(): void {
    for (const s of this.segments) {
      fs.rmSync(s.path, { force: true });
    }
  }
}

/**
 * Rewrites a text file line by line through `map`, a chunk at a time (memory stays flat for any
 * file size). Leaves the file untouched when no line changed.
 */
export function rewriteLines(file: string, map: (line: string) => string): void {
  const tmp = `${file}.rewrite`;
  const inFd = fs.openSync(file, 'r');
  const outFd = fs.openSync(tmp, 'w');
  let changed = false;
  try {
    const buf = Buffer.alloc(1024 * 1024);
    let rest = '';
    const decoder = new TextDecoder('utf-8');
    const emit = (text: string): void => {
      const lines = text.split('\n');
      rest = lines.pop()!;
      if (lines.length > 0) {
        const mapped = lines.map((l) => {
          const m = map(l);
          changed ||= m !== l;
          return m;
        });
        fs.writeSync(outFd, `${mapped.join('\n')}\n`);
      }
    };
    for (let n = fs.readSync(inFd, buf); n > 0; n = fs.readSync(inFd, buf)) {
      emit(rest + decoder.decode(buf.subarray(0, n), { stream: true }));
    }
    const last = rest + decoder.decode();
    if (last !== '') {
      const m = map(last);
      changed ||= m !== last;
      fs.writeSync(outFd, m);
    }
  } finally {
    fs.closeSync(inFd);
    fs.closeSync(outFd);
  }
  if (changed) {
    fs.renameSync(tmp, file);
  } else {
    fs.rmSync(tmp, { force: true });
  }
}
