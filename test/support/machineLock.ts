import fs from 'node:fs';
import path from 'node:path';
import { processAlive, readPidFile } from './pidFile';

export interface MachineLockOptions {
  /** Give up waiting after this long, with an error naming the holder. */
  timeoutMs: number;
  /** What the lock guards, for that error. */
  what: string;
}

/**
 * A lock between the test processes of this machine (npm test runs the Compose v1 and v2 legs at
 * once): a directory created atomically, holding its owner's pid. A lock whose owner has died is
 * taken over (as is one left without a pid for over 10 s), so a killed run never blocks the next. Returns the release function.
 */
export async function acquireMachineLock(lockDir: string, o: MachineLockOptions): Promise<() => void> {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const ownerFile = path.join(lockDir, 'pid');
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(ownerFile, String(process.pid));
      return () => fs.rmSync(lockDir, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw e;
      }
    }
    // No pid yet: the owner is between creating the directory and writing it (or died there).
    const owner = readPidFile(ownerFile);
    if (owner === undefined ? ageMs(lockDir) > 10_000 : !processAlive(owner)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${o.what}: still held by process ${owner ?? '?'} after ${o.timeoutMs / 1000} s (${lockDir})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function withMachineLock<T>(lockDir: string, o: MachineLockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await acquireMachineLock(lockDir, o);
  try {
    return await fn();
  } finally {
    release();
  }
}

function ageMs(dir: string): number {
  return Date.now() - (fs.statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
}
