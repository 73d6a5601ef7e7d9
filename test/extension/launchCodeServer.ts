/**
 * Runs the extension-host suite inside code-server's Node extension host (this machine has no
 * desktop VS Code): the workbench URL's payload carries extensionDevelopmentPath and
 * extensionTestsPath; when run() settles the workbench calls window.codeAutomationExit(code).
 * Two runs: this folder's suite (workspace trust off), then test/extension-untrusted (trust on,
 * the workspace in restricted mode).
 *   node out/test/extension/launchCodeServer.js [--keep] [--verbose]
 * WA_TEST_COMPOSE=v1 (run-tier.mjs --compose v1) picks Compose v1 the way a code-server user does:
 * the waCluster.compose.command setting in the Remote (machine) settings, where VS Code reads that
 * machine-scoped setting for a remote extension host; v2 or unset leaves the extension to detect it.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  formatConsole,
  launchBrowser,
  makeSandbox,
  startCodeServer,
  untrustedSettings,
  workbenchUrl,
} from '../support/codeServer';
import { repoRoot } from '../support/paths';

const noise = [
  /allow-same-origin/,
  /Resolv(ing|ed) connection token/,
  /Creating a socket/,
  /Service Worker/,
  /ChatSessionStore/,
  /Overwriting extension/,
  /vsda/,
  /web worker extension host is started/,
  /builtin extensions/,
  /Found unexpected service worker controller/,
  /Failed to load resource: the server responded with a status of 404/,
];

interface Results {
  passed: string[];
  failed: { title: string; error: string }[];
  pending: string[];
}

/**
 * One code-server run of one suite (its index.js). The trusted suite runs with workspace trust
 * off; the untrusted one with trust on and the workspace left in restricted mode.
 */
async function runSuite(
  suite: { index: string; trusted: boolean },
  resultsFile: string,
  keep: boolean,
  verbose: boolean,
  timeoutMs: number,
): Promise<number> {
  fs.rmSync(resultsFile, { force: true });
  const machineSettings =
    process.env.WA_TEST_COMPOSE === 'v1' ? { 'waCluster.compose.command': 'docker-compose' } : undefined;
  const sb = makeSandbox({
    workspaceFrom: path.join(repoRoot, 'test/fixtures/workspace'),
    settings: suite.trusted ? {} : untrustedSettings,
    ...(machineSettings ? { machineSettings } : {}),
  });
  const cs = await startCodeServer(sb, {
    env: { WA_TEST_RESULTS: resultsFile, WA_TEST_WORKSPACE: sb.workspace },
    workspaceTrust: !suite.trusted,
  });
  const browser = await launchBrowser(sb);
  let code = 1;
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (msg) => {
      void formatConsole(msg).then((line) => {
        if (verbose || !noise.some((re) => re.test(line))) {
          console.log(line.replace(/^INFO /, ''));
        }
      });
    });
    let finish: (code: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => {
      finish = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (exitCode: number) => finish(exitCode));
    await page.goto(workbenchUrl(cs, sb.workspace, suite.index));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.log(`the extension host did not finish the tests within ${timeoutMs / 1000} s`);
        resolve(1);
      }, timeoutMs);
    });
    code = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
  } finally {
    await browser.close().catch(() => undefined);
    await cs.stop();
    if (!keep && code === 0) {
      fs.rmSync(sb.root, { recursive: true, force: true });
    } else {
      console.log(`sandbox kept: ${sb.root} (code-server log: ${sb.log})`);
    }
  }
  if (!fs.existsSync(resultsFile)) {
    console.log(
      `the extension host wrote no test results for ${suite.index} (did the extension or the runner fail to load?)`,
    );
    return 1;
  }
  return code;
}

async function main(): Promise<number> {
  const keep = process.argv.includes('--keep');
  const verbose = process.argv.includes('--verbose');
  // The trusted suite runs every flow at default intervals (three upgrades under Compose v1 alone take ~5 min).
  const timeoutMs = Number(process.env.WA_EXT_TEST_TIMEOUT_S ?? 1800) * 1000;
  const resultsFile = process.env.WA_TEST_RESULTS ?? path.join(repoRoot, 'test-results/extension.json');
  const suites = [
    { index: path.join(__dirname, 'index.js'), trusted: true },
    { index: path.join(__dirname, '../extension-untrusted/index.js'), trusted: false },
  ];
  const all: Results = { passed: [], failed: [], pending: [] };
  let code = 0;
  for (const [i, suite] of suites.entries()) {
    const file = i === 0 ? resultsFile : resultsFile.replace(/\.json$/, '') + '.untrusted.json';
    code = (await runSuite(suite, file, keep, verbose, timeoutMs)) || code;
    if (fs.existsSync(file)) {
      const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
      all.passed.push(...r.passed);
      all.failed.push(...r.failed);
      all.pending.push(...r.pending);
    }
  }
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, JSON.stringify(all, null, 2));
  fs.rmSync(resultsFile.replace(/\.json$/, '') + '.untrusted.json', { force: true });
  return all.failed.length > 0 ? 1 : code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
