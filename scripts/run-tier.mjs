// Runs one test tier and writes its results to test-results/<tier>.json.
//   node scripts/run-tier.mjs unit|docker|extension|ui [--compose v1|v2] [mocha args…]
// --compose runs the tier under one Compose flavour (a "leg"; results in
// test-results/<tier>-compose-<v1|v2>.json): v2 is the `docker compose` plugin as a user has it,
// found by the extension's own detection; v1 is `docker-compose`, chosen the way a user would (the
// waCluster.compose.command setting in the extension host). A leg whose Compose does not answer
// fails; it is never skipped. Expects a build (npm run build). Exit code: 0 when every test passed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [tier, ...rest] = process.argv.slice(2);
const composeAt = rest.indexOf('--compose');
const flavor = composeAt >= 0 ? rest[composeAt + 1] : undefined;
const extra = composeAt >= 0 ? [...rest.slice(0, composeAt), ...rest.slice(composeAt + 2)] : rest;
const mochaTiers = {
  unit: { spec: 'out/test/unit/**/*.test.js', timeout: 20_000 },
  docker: { spec: 'out/test/docker/**/*.test.js', timeout: 300_000 },
  ui: { spec: 'out/test/ui/**/*.test.js', timeout: 300_000 },
};
if (!tier || !(tier in mochaTiers || tier === 'extension')) {
  console.error('usage: node scripts/run-tier.mjs unit|docker|extension|ui [--compose v1|v2] [mocha args…]');
  process.exit(2);
}
if (composeAt >= 0 && (tier === 'unit' || (flavor !== 'v1' && flavor !== 'v2'))) {
  console.error(
    tier === 'unit'
      ? 'the unit tier runs no Compose: --compose is for docker, extension and ui'
      : `--compose must be v1 or v2, not "${flavor ?? ''}"`,
  );
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'out/test'))) {
  console.error('no compiled tests in out/: run "npm run build" first');
  process.exit(2);
}
const leg = flavor ? `${tier} (compose ${flavor})` : tier;
const resultsFile = path.join(root, 'test-results', `${flavor ? `${tier}-compose-${flavor}` : tier}.json`);
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });
const env = { ...process.env, WA_TEST_RESULTS: resultsFile, ...(flavor ? { WA_TEST_COMPOSE: flavor } : {}) };
const fail = (error) => {
  fs.writeFileSync(resultsFile, JSON.stringify({ passed: [], failed: [{ title: leg, error }], pending: [] }, null, 2));
  console.error(error);
  process.exit(1);
};
if (flavor) {
  const [command, ...args] =
    flavor === 'v2' ? ['docker', 'compose', 'version', '--short'] : ['docker-compose', 'version', '--short'];
  const probe = spawnSync(command, args, { encoding: 'utf8', env, timeout: 15_000 });
  const version = probe.status === 0 ? probe.stdout.trim() : '';
  if (!(flavor === 'v2' ? /^v?[2-9]\./ : /^1\./).test(version)) {
    fail(
      `${leg} cannot run: \`${[command, ...args].join(' ')}\` answered ${probe.status === 0 ? `"${version}"` : `exit ${probe.status ?? probe.error?.message}: ${(probe.stderr ?? '').trim().split('\n')[0]}`} (bash scripts/provision.sh installs both)`,
    );
  }
  console.log(`${leg}: ${command}${flavor === 'v2' ? ' compose' : ''} ${version}`);
}

const startedAt = Date.now();
let status;
if (tier === 'extension') {
  status = spawnSync(process.execPath, ['out/test/extension/launchCodeServer.js', ...extra], {
    cwd: root,
    env,
    stdio: 'inherit',
  }).status;
} else {
  const { spec, timeout } = mochaTiers[tier];
  const mocha = path.join(root, 'node_modules/mocha/bin/mocha.js');
  status = spawnSync(
    process.execPath,
    [
      mocha,
      '--reporter',
      'out/test/support/summaryReporter.js',
      '--timeout',
      String(timeout),
      '--exit',
      spec,
      ...extra,
    ],
    { cwd: root, env, stdio: 'inherit' },
  ).status;
}
if (fs.existsSync(resultsFile)) {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  fs.writeFileSync(resultsFile, JSON.stringify({ ...results, wallMs: Date.now() - startedAt }, null, 2));
} else {
  // The tier crashed before any test ran: count it as one failure so it can never look green.
  fs.writeFileSync(
    resultsFile,
    JSON.stringify(
      {
        passed: [],
        failed: [{ title: `${leg} tier`, error: `the ${leg} tier exited with ${status} before reporting results` }],
        pending: [],
      },
      null,
      2,
    ),
  );
}
process.exit(status === 0 ? 0 : 1);
