// npm run bench: how fast the hot paths are, measured (not asserted in tests). Needs a build.
//   node scripts/bench.mjs [--json]
// Prints a table (median of repeated runs) and writes test-results/bench.json.
// Cases: linting the vendor's installation/ folder, building + diffing a cluster snapshot,
// parsing a /v1/health answer, and the command-line tool's cold start.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = (p) => path.join(root, 'out', p);
if (!fs.existsSync(out('src/lint/engine.js'))) {
  console.error('no build in out/: run "npm run build" first');
  process.exit(2);
}
const shared = process.env.WA_SHARED_DIR ?? path.resolve(root, '..', 'shared');
const { lintFiles } = require(out('src/lint/engine.js'));
const { nodeFileReader } = require(out('src/compose/nodeReader.js'));
const { parseHealth } = require(out('src/api/health.js'));
const { buildSnapshot } = require(out('src/cluster/snapshot.js'));
const { DiffTracker } = require(out('src/cluster/diff.js'));
const { walkthroughContainers } = require(out('test/fakes/builders.js'));

/** Median wall time (ms) of `fn` over `runs` runs after `warmup` unmeasured ones. */
function measure(fn, { runs = 50, warmup = 5 } = {}) {
  for (let i = 0; i < warmup; i++) {
    fn();
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], p90Ms: times[Math.floor(times.length * 0.9)], runs };
}

const results = [];
const installation = path.join(shared, 'fixtures/compose/installation');
if (fs.existsSync(installation)) {
  const files = fs.readdirSync(installation).filter((f) => f.endsWith('.yml')).map((f) => path.join(installation, f));
  results.push({
    case: `lint the vendor's installation/ folder (${files.length} files, one project each)`,
    ...measure(() => {
      for (const file of files) {
        lintFiles({ files: [{ path: file, text: fs.readFileSync(file, 'utf8') }], reader: nodeFileReader, env: {} });
      }
    }),
  });
  const fixture = (name) => JSON.parse(fs.readFileSync(path.join(shared, 'fixtures/health', name), 'utf8'));
  const h04 = fixture('04-third-coreapp-standby.json');
  results.push({ case: 'parse a /v1/health answer (fixture 04)', ...measure(() => parseHealth(h04), { runs: 2000, warmup: 100 }) });
  const report = parseHealth(h04).value;
  const containers = walkthroughContainers();
  let previous;
  const tracker = new DiffTracker();
  results.push({
    case: 'build a snapshot of 7 nodes and diff it with the last one',
    ...measure(() => {
      const next = buildSnapshot({ now: Date.now(), project: 'biz', containers, health: report, shards: 2, previous });
      tracker.diff(previous, next);
      previous = next;
    }, { runs: 2000, warmup: 100 }),
  });
  const healthFile = path.join(shared, 'fixtures/health/04-third-coreapp-standby.json');
  results.push({
    case: 'CLI cold start: node dist/cli.js status --health-file (process spawn included)',
    ...measure(() => execFileSync(process.execPath, [path.join(root, 'dist/cli.js'), 'status', '--health-file', healthFile, '--format', 'json'], { stdio: 'ignore' }), { runs: 10, warmup: 1 }),
  });
  // Today's tool for "is my compose file right?": Compose's own config check (syntax and schema only).
  const multiconnect = path.join(installation, 'multiconnect-compose.yml');
  try {
    execFileSync('docker-compose', ['version', '--short'], { stdio: 'ignore' });
    results.push({
      case: 'baseline: docker-compose -f multiconnect-compose.yml config -q (one file, syntax + schema only)',
      ...measure(() => execFileSync('docker-compose', ['-f', multiconnect, 'config', '-q'], { stdio: 'ignore', env: { ...process.env, WA_API_VERSION: '2.51.1' } }), { runs: 5, warmup: 1 }),
    });
    results.push({
      case: 'ours: lint multiconnect-compose.yml (25 rules, in process)',
      ...measure(() => lintFiles({ files: [{ path: multiconnect, text: fs.readFileSync(multiconnect, 'utf8') }], reader: nodeFileReader, env: {} })),
    });
  } catch {
    console.error('docker-compose not found: the baseline comparison is left out');
  }
} else {
  console.error(`${shared} not found: the benchmarks use the shared fixtures (set WA_SHARED_DIR)`);
  process.exit(2);
}

fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
fs.writeFileSync(path.join(root, 'test-results/bench.json'), JSON.stringify({ node: process.version, at: new Date().toISOString(), results }, null, 2));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  for (const r of results) {
    console.log(`${r.medianMs.toFixed(3).padStart(10)} ms median  ${r.p90Ms.toFixed(3).padStart(10)} ms p90  (${r.runs} runs)  ${r.case}`);
  }
}
