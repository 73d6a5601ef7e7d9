import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The repository root (tests are compiled to out/test/..., so walk up to package.json). */
export const repoRoot = findRepoRoot(__dirname);

/**
 * The team's shared reference folder: WA_SHARED_DIR, else `../shared` beside the clone, else (a
 * clone made elsewhere, e.g. into a temporary folder) `../shared` beside the repository it was
 * cloned from. Read-only; tests that need it fail clearly when it is absent.
 */
export const sharedDir = process.env.WA_SHARED_DIR ?? findSharedDir();

export function sharedPath(...parts: string[]): string {
  const p = path.join(sharedDir, ...parts);
  if (!fs.existsSync(p)) {
    throw new Error(`${p} not found: the shared reference folder must sit beside the clone (or set WA_SHARED_DIR)`);
  }
  return p;
}

/** Where tests write artefacts (screenshots, bundles); git-ignored. */
export const testResultsDir = path.join(repoRoot, 'test-results');

function findSharedDir(): string {
  const besideClone = path.resolve(repoRoot, '..', 'shared');
  if (fs.existsSync(besideClone)) {
    return besideClone;
  }
  const origin = cloneOrigin();
  const besideOrigin = origin ? path.resolve(origin, '..', 'shared') : undefined;
  return besideOrigin && fs.existsSync(besideOrigin) ? besideOrigin : besideClone;
}

/** The local path this clone was made from, if it was cloned from a folder on this machine. */
function cloneOrigin(): string | undefined {
  try {
    const url = execFileSync('git', ['config', '--get', 'remote.origin.url'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return path.isAbsolute(url) && fs.existsSync(url) ? url : undefined;
  } catch {
    return undefined;
  }
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`no repository root above ${start}`);
    }
  }
}
