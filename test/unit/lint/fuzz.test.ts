import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { check, emptyStats, LIMITS, loadCrashes, type FuzzStats } from '../../fuzz/fuzzer';

/** The bounded, seeded CI share of the fuzzer (`npm run fuzz` runs 200,000 inputs). */
const SEED = 20261201;
const COUNT = 20_000;
/** Quick fixes applied (and re-linted) per input in CI; the long run applies all of them. */
const MAX_FIXES = 5;

type Share = Omit<FuzzStats, 'failures'> & {
  failures: { index: number; kind: string; reason: string; saved: string }[];
};

function runShare(from: number, count: number): Promise<Share> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, '../../fuzz/worker.js'), [
      JSON.stringify({ seed: SEED, from, count, maxFixes: MAX_FIXES }),
    ]);
    let share: Share | undefined;
    child.once('message', (m) => (share = m as Share));
    child.once('error', reject);
    child.once('exit', (code) =>
      share && code === 0 ? resolve(share) : reject(new Error(`fuzz share exited with ${code} without its stats`)),
    );
  });
}

describe('linting never throws (fuzz)', function () {
  this.timeout(600_000);

  it('every saved crashing input (test/fixtures/fuzz-crashes) now passes', () => {
    for (const { name, input } of loadCrashes()) {
      const stats = emptyStats();
      assert.equal(check(input, stats, 1000), undefined, name);
    }
  });

  it(`${COUNT} seeded mutated inputs: no exception, no internal-error, < ${LIMITS.ms} ms CPU each, quick fixes keep YAML valid and clear their finding`, async () => {
    const workers = Math.max(1, Math.min(2, os.availableParallelism()));
    const per = Math.ceil(COUNT / workers);
    const shares = await Promise.all(
      Array.from({ length: workers }, (_, k) => runShare(k * per, Math.min(per, COUNT - k * per))),
    );
    const inputs = shares.reduce((n, s) => n + s.inputs, 0);
    const failures = shares.flatMap((s) => s.failures);
    assert.deepEqual(
      failures.map((f) => `input ${f.index} (${f.kind}): ${f.reason.split('\n')[0]} [saved: ${f.saved}]`),
      [],
    );
    assert.equal(inputs, COUNT);
    assert.ok(shares.reduce((n, s) => n + s.fixesApplied, 0) > 1000, 'quick fixes were exercised');
    const kinds = new Set(shares.flatMap((s) => Object.keys(s.byKind)));
    for (const k of [
      'text',
      'structure',
      'bytes',
      'huge-map',
      'many-services',
      'deep-flow',
      'deep-block',
      'alias-bomb',
      'extends-self',
      'extends-cycle',
      'extends-files',
      'include-self',
      'env-fifo',
      'env-devices',
      'dotenv-fifo',
      'bom-crlf-tabs',
      'invalid-utf8',
      'utf16',
    ]) {
      assert.ok(kinds.has(k), `no ${k} input`);
    }
  });
});
