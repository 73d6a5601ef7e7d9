import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../support/paths';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Issue 12, what #6: no way to switch TLS verification off anywhere in src/, and no timer construction that a GC can lose. */
describe('src/ has no TLS verification switch-off and no AbortSignal.any + AbortSignal.timeout', () => {
  it('no rejectUnauthorized, NODE_TLS_REJECT_UNAUTHORIZED, checkServerIdentity returning nothing unconditionally, or AbortSignal.any/timeout calls', () => {
    const offenders: string[] = [];
    for (const file of sources(path.join(repoRoot, 'src'))) {
      const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const pattern of [
        /rejectUnauthorized/,
        /NODE_TLS_REJECT_UNAUTHORIZED/,
        /checkServerIdentity:\s*\(\)\s*=>\s*undefined/,
        /AbortSignal\.(any|timeout)\s*\(/,
      ]) {
        if (pattern.test(code)) {
          offenders.push(`${path.relative(repoRoot, file)}: ${String(pattern)}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
});
