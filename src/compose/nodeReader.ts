import * as fs from 'node:fs';
import * as os from 'node:os';
import type { FileReader, ReadRefusal } from './types';

/** The largest file read (compose, env and `extends` files are kilobytes; this is far above any real one). */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/**
 * Reads a text file from disk, only when it is a regular file of at most `limit` bytes: a FIFO
 * would block forever and `/dev/zero` never ends, so the type is checked (stat) before opening,
 * and again on the opened descriptor (opened non-blocking, in case the path was swapped). A UTF-8
 * byte order mark is dropped, as editors do. Undefined when the file does not exist or cannot be read.
 */
export function readTextFile(
  path: string,
  limit = MAX_READ_BYTES,
): { text: string } | { refused: ReadRefusal } | undefined {
  if (path === os.devNull) {
    // `env_file: /dev/null` is a common way to say "no variables": Compose reads it as empty.
    return { text: '' };
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return undefined;
  }
  const refused = refusalOf(st, limit);
  if (refused) {
    return { refused };
  }
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const again = refusalOf(fs.fstatSync(fd), limit);
    if (again) {
      return { refused: again };
    }
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) {
        break;
      }
      n += got;
      if (n >= buf.length) {
        return n > limit ? { refused: { reason: 'tooLarge', size: n, limit } } : { text: decode(buf.subarray(0, n)) };
      }
    }
    return { text: decode(buf.subarray(0, n)) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      fs.closeSync(fd);
    }
  }
}

function refusalOf(st: fs.Stats, limit: number): ReadRefusal | undefined {
  if (st.isFile()) {
    return st.size > limit ? { reason: 'tooLarge', size: st.size, limit } : undefined;
  }
  const kind = st.isDirectory()
    ? 'directory'
    : st.isFIFO()
      ? 'fifo'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'device'
        : st.isSocket()
          ? 'socket'
          : 'special';
  return { reason: kind };
}

function decode(buf: Buffer): string {
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads files from disk (the CLI, tests); the editor layers open documents on top. */
export const nodeFileReader: FileReader = {
  read(path: string): string | undefined {
    const r = readTextFile(path);
    return r && 'text' in r ? r.text : undefined;
  },
  refusal(path: string): ReadRefusal | undefined {
    if (path === os.devNull) {
      return undefined;
    }
    try {
      return refusalOf(fs.statSync(path), MAX_READ_BYTES);
    } catch {
      return undefined;
    }
  },
};

/** Whether a path is a folder (false when it does not exist). */
export function isFolder(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}
