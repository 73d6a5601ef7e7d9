/**
 * `npm run fuzz [-- --seed N --count N --from N --only i,j --max-fixes N]`: the long, seeded fuzz run
 * (200,000 inputs by default). Prints counts and the worst time; saves every failing input under
 * test/fixtures/fuzz-crashes/ (the unit tier replays them) and exits 1 when there was one.
 */
import { LIMITS, runFuzz, saveCrash } from './fuzzer';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const seed = Number(arg('seed') ?? 20261201);
const count = Number(arg('count') ?? 200_000);
const from = Number(arg('from') ?? 0);
const maxFixes = Number(arg('max-fixes') ?? 1000);
const only = arg('only')?.split(',').map(Number);
const started = Date.now();
const stats = runFuzz({
  seed,
  count,
  from,
  maxFixes,
  maxFailures: 50,
  ...(only ? { only } : {}),
  onProgress: (done, s) => {
    if (done % 10_000 === 0) {
      process.stdout.write(
        `${done} inputs, ${s.fixesApplied} fixes, worst ${s.worstMs.toFixed(0)} ms (${s.worstKind}), ${s.failures.length} failures, ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
      );
    }
  },
});
for (const f of stats.failures) {
  const dir = saveCrash(seed, f);
  process.stdout.write(`FAIL input ${f.index} (${f.kind}): ${f.reason.split('\n')[0]}\n  saved: ${dir}\n`);
}
process.stdout.write(
  `${JSON.stringify({
    seed,
    from,
    inputs: stats.inputs,
    fixesApplied: stats.fixesApplied,
    worstMs: Math.round(stats.worstMs),
    worstKind: stats.worstKind,
    maxHeapMB: Math.round(stats.maxHeapMB),
    limits: LIMITS,
    byKind: stats.byKind,
    failures: stats.failures.length,
    seconds: Math.round((Date.now() - started) / 1000),
  })}\n`,
);
process.exitCode = stats.failures.length > 0 ? 1 : 0;
