import fs from 'node:fs';
import path from 'node:path';

/** The repository root (tests are compiled to out/test/..., so walk up to package.json). */
export const repoRoot = findRepoRoot(__dirname);

/**
 * The team's shared reference folder (`../shared` beside the clone), or WA_SHARED_DIR.
 * Read-only; tests that need it fail clearly when it is absent.
 */
export const sharedDir = process.env.WA_SHARED_DIR ?? path.resolve(repoRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  const p = path.join(sharedDir, ...parts);
  if (!fs.existsSync(p)) {
    throw new Error(`${p} not found: the shared reference folder must sit beside the clone (or set WA_SHARED_DIR)`);
  }
  return p;
}

/** Where tests write artefacts (screenshots, bundles); git-ignored. */
export const testResultsDir = path.join(repoRoot, 'test-results');

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
