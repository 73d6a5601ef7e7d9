/**
 * `npm start`'s demo as a person meets it: the launcher prints a URL; that URL shows VS Code with
 * the extension installed (not in development mode) and the emulated cluster in the explorer;
 * Ctrl-C stops code-server and the cluster.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort, launchBrowser, makeSandbox, waitForWorkbench, type Sandbox } from '../support/codeServer';
import { repoRoot, testResultsDir } from '../support/paths';
import * as emulator from '../emulator/src/harness';

describe('npm start: the demo (scripts/start.mjs)', function () {
  this.timeout(240_000);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-demo-'));
  const project = `biz${process.pid}`;
  const dir = path.join(base, project);
  let demo: ChildProcess | undefined;
  let output = '';
  let browser: Browser | undefined;
  let sb: Sandbox | undefined;

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (demo && demo.exitCode === null) {
      demo.kill('SIGKILL');
    }
    await emulator.exec(
      process.execPath,
      [path.join(repoRoot, 'scripts/emulator.mjs'), 'down', '--volumes', '--dir', dir, '--project', project],
      { cwd: repoRoot, timeoutMs: 120_000 },
    );
    if (sb) {
      fs.rmSync(sb.root, { recursive: true, force: true });
    }
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('prints a URL that opens VS Code with the extension and the live cluster, and stops on Ctrl-C', async () => {
    const env = {
      ...process.env,
      WA_DEMO_PORT: String(await freePort()),
      WA_DEMO_WEB_PORT: String(await freePort()),
      WA_DEMO_DIR: dir,
    };
    demo = spawn(process.execPath, [path.join(repoRoot, 'scripts/start.mjs')], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    demo.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 150 s:\n${output}`)), 150_000);
      const check = () => {
        const m = /VS Code with wa-cluster: (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      demo?.stdout?.on('data', check);
      demo?.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${output}`)));
    });
    sb = makeSandbox();
    browser = await launchBrowser(sb);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await waitForWorkbench(page);
    assert.ok(
      !(await page.title()).includes('Extension Development Host'),
      'the demo installs the extension; it is not a development host',
    );
    const icon = page.locator('.part.activitybar .action-item a.action-label[aria-label^="WA Cluster"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: project }).first().waitFor({ timeout: 60_000 });
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'wacore2' }).first().waitFor({ timeout: 30_000 });
    fs.mkdirSync(path.join(testResultsDir, 'screenshots'), { recursive: true });
    await page.screenshot({ path: path.join(testResultsDir, 'screenshots', 'demo-01-npm-start.png') });
    await browser.close();
    browser = undefined;

    const exited = new Promise<number | null>((resolve) => demo?.on('exit', (code) => resolve(code)));
    demo.kill('SIGINT');
    assert.equal(await exited, 0, output);
    const left = await emulator.exec('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`]);
    assert.equal(left.stdout.trim(), '', 'the cluster is stopped');
    assert.match(output, /data kept/);
  });
});
