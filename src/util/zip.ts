import fs from 'node:fs';
import zlib from 'node:zlib';

/**
 * A minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, deflate or store, central directory,
 * UTF-8 names, no ZIP64, so < 4 GiB and < 65535 entries). Writes straight to a file so the
 * archive itself is never held in memory; each entry is compressed on its own.
 */

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS date and time (local time, 2-second resolution, years 1980–2107). */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: ((d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2)) & 0xffff,
    date: (((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate()) & 0xffff,
  };
}

interface CentralEntry {
  readonly name: Buffer;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly time: number;
  readonly date: number;
  readonly offset: number;
}

const MAX_32 = 0xffffffff;

export class ZipWriter {
  private readonly fd: number;
  private offset = 0;
  private readonly entries: CentralEntry[] = [];
  private closed = false;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, 'w');
  }

  private write(buf: Buffer): void {
    let done = 0;
    while (done < buf.length) {
      done += fs.writeSync(this.fd, buf, done, buf.length - done);
    }
    this.offset += buf.length;
  }

  /** Adds one file; `name` uses `/` separators. Data is deflated unless that does not help. */
  addFile(name: string, data: Buffer | string, mtime: Date = new Date()): void {
    if (this.closed) {
      throw new Error('zip already closed');
    }
    if (this.entries.length >= 0xffff) {
      throw new Error('too many zip entries (no ZIP64)');
    }
    const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const deflated = raw.length > 0 ? zlib.deflateRawSync(raw, { level: 6 }) : raw;
    const useDeflate = deflated.length < raw.length;
    const body = useDeflate ? deflated : raw;
    const crc = crc32(raw);
    if (this.offset + body.length + 1024 > MAX_32 || raw.length > MAX_32) {
      throw new Error(`zip would exceed 4 GiB at ${name} (no ZIP64)`);
    }
    const nameBuf = Buffer.from(name.replace(/\\/g, '/'), 'utf8');
    const { time, date } = dosDateTime(mtime);
    const method = useDeflate ? 8 : 0;
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    h.writeUInt16LE(0x0800, 6); // flags: UTF-8 names
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(date, 12);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(raw.length, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(0, 28);
    const offset = this.offset;
    this.write(h);
    this.write(nameBuf);
    this.write(body);
    this.entries.push({ name: nameBuf, method, crc, compressedSize: body.length, size: raw.length, time, date, offset });
  }

  /** Writes the central directory and closes the file. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      const cdStart = this.offset;
      for (const e of this.entries) {
        const c = Buffer.alloc(46);
        c.writeUInt32LE(0x02014b50, 0);
        c.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
        c.writeUInt16LE(20, 6);
        c.writeUInt16LE(0x0800, 8);
        c.writeUInt16LE(e.method, 10);
        c.writeUInt16LE(e.time, 12);
        c.writeUInt16LE(e.date, 14);
        c.writeUInt32LE(e.crc, 16);
        c.writeUInt32LE(e.compressedSize, 20);
        c.writeUInt32LE(e.size, 24);
        c.writeUInt16LE(e.name.length, 28);
        c.writeUInt16LE(0, 30); // extra
        c.writeUInt16LE(0, 32); // comment
        c.writeUInt16LE(0, 34); // disk
        c.writeUInt16LE(0, 36); // internal attrs
        c.writeUInt32LE(((0o100644 << 16) >>> 0), 38); // external attrs: regular file rw-r--r--
        c.writeUInt32LE(e.offset, 42);
        this.write(c);
        this.write(e.name);
      }
      const cdSize = this.offset - cdStart;
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(0, 4);
      end.writeUInt16LE(0, 6);
      end.writeUInt16LE(this.entries.length, 8);
      end.writeUInt16LE(this.entries.length, 10);
      end.writeUInt32LE(cdSize, 12);
      end.writeUInt32LE(cdStart, 16);
      end.writeUInt16LE(0, 20);
      this.write(end);
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** Closes the file without a central directory and deletes it. */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      fs.closeSync(this.fd);
    }
    fs.rmSync(this.path, { force: true });
  }
}

/** Zips every file under `dir` (recursively) into `zipPath`, with paths relative to `prefix/`. */
export function zipFolder(dir: string, zipPath: string, prefix = ''): string[] {
  const names: string[] = [];
  const zip = new ZipWriter(zipPath);
  try {
    const walk = (rel: string): void => {
      const abs = rel ? `${dir}/${rel}` : dir;
      for (const ent of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          walk(r);
        } else if (ent.isFile()) {
          const full = `${dir}/${r}`;
          const name = prefix ? `${prefix}/${r}` : r;
          zip.addFile(name, fs.readFileSync(full), fs.statSync(full).mtime);
          names.push(name);
        }
      }
    };
    walk('');
    zip.close();
  } catch (e) {
    zip.abort();
    throw e;
  }
  return names;
}
