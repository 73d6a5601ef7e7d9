/**
 * npm run bench [-- --quick]: every figure of issue 11 with its baseline from the same run, a
 * table on stdout and bench-results.json at the repository root. --quick runs each case once with
 * short windows and small logs (a smoke run: the harness works; no goal is enforced either way).
 * Exit 1 only when a case could not be measured.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import * as emulator from '../emulator/src/harness';
import {
  type CodeServer,
  formatConsole,
  launchBrowser,
  makeSandbox,
  startCodeServer,
  workbenchUrl,
} from '../support/codeServer';
import { repoRoot, sharedDir } from '../support/paths';
import { startBenchCluster } from './cluster';
import { modelCases, statusCases } from './clusterCases';
import { BLUR_REQUEST, FOCUS_REQUEST, type HostBenchConfig } from './extensionHost/config';
import { lintCases } from './lintCases';
import { logCases, removeLogProject, startLogProject, type LogProject } from './logCases';
import { type BenchEntry, composeCommand, entry, failedEntry, table } from './report';

const quick = process.argv.includes('--quick');
/** `--only lint,model,status,logs,host,size`: a subset of the stages (for working on one). */
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
const wanted = (stage: string): boolean => !only || only.has(stage);
/** `--profile DIR`: CPU profiles of the extension host (activate, visible idle window, workspace20 arrival and rediscoveries) go to DIR. */
const profileArg = process.argv.indexOf('--profile');
const profileDir = profileArg >= 0 ? path.resolve(process.argv[profileArg + 1] ?? 'bench-profiles') : undefined;
const log = (l: string) => process.stderr.write(`[bench] ${l}\n`);

/** Whatever the page must do for the host: unfocus and refocus the window as a user switching away would. */
/** Page scripts (run in the browser) that switch the window away and back, as a user would. */
const BLUR_SCRIPT = `(() => {
  document.waBenchHasFocus = document.hasFocus.bind(document);
  document.hasFocus = () => false;
  window.dispatchEvent(new FocusEvent('blur'));
  document.dispatchEvent(new Event('visibilitychange'));
})()`;
const FOCUS_SCRIPT = `(() => {
  if (document.waBenchHasFocus) { document.hasFocus = document.waBenchHasFocus; }
  window.dispatchEvent(new FocusEvent('focus'));
  document.dispatchEvent(new Event('visibilitychange'));
})()`;

/** Whatever the page must do for the host. */
async function onRequest(page: Page, line: string): Promise<void> {
  if (line.includes(BLUR_REQUEST)) {
    await page.evaluate(BLUR_SCRIPT);
  } else if (line.includes(FOCUS_REQUEST)) {
    await page.evaluate(FOCUS_SCRIPT);
  }
}

async function extensionHostCases(config: Omit<HostBenchConfig, 'outFile'>): Promise<BenchEntry[]> {
  const sb = makeSandbox({});
  const outFile = path.join(sb.root, 'bench-host.json');
  log(`code-server sandbox ${sb.root} (removed at the end)`);
  let cs: CodeServer | undefined;
  let browser: Browser | undefined;
  let failed = true;
  try {
    cs = await startCodeServer(sb, {
      env: { WA_TEST_WORKSPACE: sb.workspace, WA_BENCH_CONFIG: JSON.stringify({ ...config, outFile }) },
    });
    browser = await launchBrowser(sb);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (msg) => {
      void formatConsole(msg).then((line) => {
        if (line.includes('WA_BENCH_REQUEST')) {
          void onRequest(page, line).catch((e: unknown) => log(`page request failed: ${String(e)}`));
        } else if (/bench .* failed/.test(line)) {
          log(line);
        }
      });
    });
    let finish: (code: number) => void = () => undefined;
    const finished = new Promise<number>((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    // The workbench can take long to load on a busy machine (code-server compiles nothing, but it serves a lot).
    await page.goto(workbenchUrl(cs, sb.workspace, path.join(__dirname, 'extensionHost/index.js')), {
      timeout: 180_000,
    });
    const limit = (quick ? 10 : 30) * 60_000;
    const code = await Promise.race([finished, new Promise<number>((r) => setTimeout(() => r(-1), limit))]);
    failed = code !== 0;
    if (failed) {
      log(`the extension host finished with ${code}`);
    }
    const entries = fs.existsSync(outFile)
      ? (JSON.parse(fs.readFileSync(outFile, 'utf8')) as BenchEntry[])
      : [failedEntry('extensionHost', 'extension-host cases', '-', 'the extension host wrote no results')];
    // A case that could not be measured is explained by the log too.
    failed ||= entries.some((e) => e.runs === 0);
    return entries;
  } finally {
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    if (failed) {
      // The sandbox goes either way (it holds a whole code-server profile); its log is what explains a failure.
      log(`code-server log (last lines):\n${tail(sb.log, 40)}`);
    }
    fs.rmSync(sb.root, { recursive: true, force: true });
  }
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Item 7: bundle and .vsix bytes (the production build `npm run package` makes). */
function sizeCases(): BenchEntry[] {
  const out: BenchEntry[] = [];
  if (!quick) {
    execFileSync('npm', ['run', '-s', 'package'], { cwd: repoRoot, stdio: 'ignore' });
    const vsix = path.join(repoRoot, 'wa-cluster.vsix');
    out.push(
      entry({
        id: 'size.bundle',
        what: 'dist/extension.js, production build',
        unit: 'bytes',
        samples: [fs.statSync(path.join(repoRoot, 'dist/extension.js')).size],
        goal: '< 1.5 MB',
        check: (x) => x.median < 1.5e6,
      }),
    );
    out.push(
      entry({
        id: 'size.vsix',
        what: 'wa-cluster.vsix (npm run package)',
        unit: 'bytes',
        samples: [fs.statSync(vsix).size],
        goal: '< 1 MB',
        check: (x) => x.median < 1e6,
      }),
    );
    // Back to the development build the tests and the demo use.
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'ignore' });
  } else {
    out.push(
      entry({
        id: 'size.bundle',
        what: 'dist/extension.js as built (--quick: development build, not packaged)',
        unit: 'bytes',
        samples: [fs.statSync(path.join(repoRoot, 'dist/extension.js')).size],
        goal: '< 1.5 MB (production build)',
      }),
    );
  }
  return out;
}

async function main(): Promise<number> {
  const started = Date.now();
  const results: BenchEntry[] = [];
  const cc = composeCommand();
  log(`${quick ? 'quick run' : 'full run'}; baselines use ${cc.name}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bench-'));
  const project = `wabench${process.pid}`;
  let ws: emulator.Workspace | undefined;
  const logProjects: LogProject[] = [];
  try {
    if (wanted('lint')) {
      log('lint');
      results.push(...(await lintCases(sharedDir, quick)));
    }
    if (wanted('model') || wanted('status') || wanted('host')) {
      log('cluster');
      ws = (await startBenchCluster(path.join(work, project), project, () => undefined)).ws;
    }
    if (ws && wanted('model')) {
      log('event → model');
      results.push(...(await modelCases(ws, 'wacore3', quick ? 1 : 6)));
    }
    if (ws && wanted('status')) {
      log('status');
      results.push(...(await statusCases(ws, quick ? 1 : 10)));
    }
    let logs: { project: LogProject; composeLogsMs: number } | undefined;
    if (wanted('logs')) {
      log('logs');
      const [small, large] = quick ? [1000, 5000] : [10_000, 100_000];
      const smallP = await startLogProject(work, `wabenchlogs${small / 1000}k${process.pid}`, small);
      logProjects.push(smallP);
      const largeP = await startLogProject(work, `wabenchlogs${large / 1000}k${process.pid}`, large);
      logProjects.push(largeP);
      const measured = logCases(smallP, largeP, quick ? 1 : 3);
      results.push(...measured.entries);
      logs = { project: largeP, composeLogsMs: measured.composeLogsMs };
    }
    if (ws && wanted('host')) {
      log('extension host');
      results.push(
        ...(await extensionHostCases({
          quick,
          cluster: ws,
          vendorDir: path.join(sharedDir, 'fixtures/compose/installation'),
          logs: logs && {
            dir: logs.project.dir,
            project: logs.project.project,
            lines: logs.project.lines,
            composeLogsMs: logs.composeLogsMs,
            composeName: cc.name,
          },
          idleWindowMs: quick ? 3000 : 60_000,
          eventRounds: quick ? 1 : 6,
          failoverRounds: quick ? 1 : 5,
          lintRuns: quick ? 3 : 20,
          profileDir,
        })),
      );
    }
    if (wanted('size')) {
      log('size');
      results.push(...sizeCases());
    }
  } catch (e) {
    results.push(
      failedEntry('bench', 'the benchmark run', '-', e instanceof Error ? (e.stack ?? e.message) : String(e)),
    );
  } finally {
    for (const p of logProjects) {
      removeLogProject(p);
    }
    if (ws) {
      await emulator.down(ws, { volumes: true }).catch(() => undefined);
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? '',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: os.loadavg(),
    node: process.version,
    docker: dockerVersion(),
    compose: cc.name,
  };
  const report = {
    at: new Date().toISOString(),
    quick,
    seconds: Math.round((Date.now() - started) / 1000),
    machine,
    results,
  };
  fs.writeFileSync(path.join(repoRoot, 'bench-results.json'), JSON.stringify(report, null, 2));
  process.stdout.write(
    `${table(results)}\n\n${quick ? 'quick run' : 'full run'} in ${report.seconds} s on ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}; baselines with ${cc.name}; bench-results.json written\n`,
  );
  return results.some((r) => r.runs === 0) ? 1 : 0;
}

function dockerVersion(): string {
  try {
    return execFileSync('docker', ['version', '--format', '{{.Server.Version}}']).toString().trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
