// Runs one test tier and writes its results to test-results/<tier>.json.
//   node scripts/run-tier.mjs unit|docker|extension|ui [mocha args…]
// Expects a build (npm run build). Exit code: 0 when every test of the tier passed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [tier, ...extra] = process.argv.slice(2);
const mochaTiers = {
  unit: { spec: 'out/test/unit/**/*.test.js', timeout: 20_000 },
  docker: { spec: 'out/test/docker/**/*.test.js', timeout: 300_000 },
  ui: { spec: 'out/test/ui/**/*.test.js', timeout: 300_000 },
};
if (!tier || !(tier in mochaTiers || tier === 'extension')) {
  console.error('usage: node scripts/run-tier.mjs unit|docker|extension|ui [mocha args…]');
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'out/test'))) {
  console.error('no compiled tests in out/: run "npm run build" first');
  process.exit(2);
}
const resultsFile = path.join(root, 'test-results', `${tier}.json`);
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const env = { ...process.env, WA_TEST_RESULTS: resultsFile };

let status;
if (tier === 'extension') {
  status = spawnSync(process.execPath, ['out/test/extension/launchCodeServer.js', ...extra], { cwd: root, env, stdio: 'inherit' }).status;
} else {
  const { spec, timeout } = mochaTiers[tier];
  const mocha = path.join(root, 'node_modules/mocha/bin/mocha.js');
  status = spawnSync(process.execPath, [mocha, '--reporter', 'out/test/support/summaryReporter.js', '--timeout', String(timeout), '--exit', spec, ...extra],
    { cwd: root, env, stdio: 'inherit' }).status;
}
if (!fs.existsSync(resultsFile)) {
  // The tier crashed before any test ran: count it as one failure so it can never look green.
  fs.writeFileSync(resultsFile, JSON.stringify({ passed: [], failed: [{ title: `${tier} tier`, error: `the ${tier} tier exited with ${status} before reporting results` }], pending: [] }, null, 2));
}
process.exit(status === 0 ? 0 : 1);
