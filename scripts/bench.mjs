// npm run bench [-- --quick]: provisions and builds like npm test, then runs the benchmarks
// (test/bench/main.ts): a table on stdout and bench-results.json at the repository root.
// --quick: every case once with short windows and small logs, a smoke run CI uses (no goals enforced).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status;
if (run('bash', ['scripts/provision.sh']) !== 0) {
  console.error('provisioning failed');
  process.exit(2);
}
if (run('npm', ['run', '-s', 'build']) !== 0) {
  console.error('build failed');
  process.exit(2);
}
// --expose-gc: timeRounds collects before each measured call, so no side pays for another's garbage.
process.exit(run(process.execPath, ['--expose-gc', 'out/test/bench/main.js', ...process.argv.slice(2)]) ?? 2);
