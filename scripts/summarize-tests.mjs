// Adds up test-results/<tier>.json of the given tiers (or legs, `docker:v2` for
// test-results/docker-compose-v2.json, see run-tier.mjs --compose); prints one line per tier or leg,
// e.g. "docker (compose v2): 61 passed, 0 failed", each failure, and one closing line
// "N passed, N failed", with each leg's wall time. Exits 1 when anything failed or a tier left no results.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;
const lines = [];
for (const arg of process.argv.slice(2)) {
  const [name, flavor] = arg.split(':');
  const tier = flavor ? `${name} (compose ${flavor})` : name;
  const file = path.join(root, 'test-results', `${flavor ? `${name}-compose-${flavor}` : name}.json`);
  if (!fs.existsSync(file)) {
    failed += 1;
    lines.push(`${tier}: no results (the tier did not run)`);
    continue;
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.passed.length;
  failed += r.failed.length;
  const took =
    typeof r.wallMs === 'number'
      ? ` (${Math.floor(r.wallMs / 60_000)} min ${Math.round((r.wallMs % 60_000) / 1000)} s)`
      : '';
  lines.push(
    `${tier}: ${r.passed.length} passed, ${r.failed.length} failed${r.pending.length ? `, ${r.pending.length} pending` : ''}${took}`,
  );
  for (const f of r.failed) {
    lines.push(`  ✘ ${f.title}\n    ${String(f.error).split('\n').slice(0, 4).join('\n    ')}`);
  }
}
console.log('\n================ summary ================');
for (const l of lines) {
  console.log(l);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
