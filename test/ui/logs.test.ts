/**
 * Logs as a person filters them: code-server in headless Chromium, a live emulated cluster at its
 * default intervals, "Show Logs of All Nodes" following every node, "Filter Logs…" narrowing it to
 * warnings and errors while new lines keep arriving. Screenshots land in
 * test-results/screenshots/logs-*.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeSandbox, type Sandbox } from '../support/codeServer';
import * as emulator from '../emulator/src/harness';
import {
  closeWorkbench,
  openWorkbench,
  removeSandbox,
  runCommand as runCommandOn,
  screenshots,
  type Workbench,
} from './support';

describe(`log views UI on an emulated cluster (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const project = `wauilogs${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let page: Page;
  let ws: emulator.Workspace;

  before(async () => {
    sb = makeSandbox({ settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    ws = await emulator.startCluster({
      dir: path.join(sb.workspace, project),
      project,
      webPort: await emulator.freePort(),
      services: ['db', 'waweb', 'master1', 'wacore1'],
    });
    wb = await openWorkbench(sb);
    page = wb.page;
    await page.locator('.part.sidebar .monaco-list-row', { hasText: project }).first().waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    removeSandbox(sb);
  });

  const input = () => page.locator('.quick-input-widget .quick-input-box input');
  const rowOf = (text: string | RegExp) => page.locator('.quick-input-widget .monaco-list-row', { hasText: text });

  const runCommand = (title: string) => runCommandOn(page, title);

  /** Writes a line to the web container's log, in the web's own format, as if the web wrote it. */
  async function webLogLine(level: 'INFO' | 'WARN', text: string): Promise<void> {
    const id = await emulator.containerIdOf(ws, 'waweb');
    const stamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
    const r = await emulator.exec('docker', [
      'exec',
      id,
      '/usr/local/bin/node',
      '-e',
      `require('fs').appendFileSync('/proc/1/fd/1', ${JSON.stringify(`${stamp}: (web.log) ${level} ${text}\n`)})`,
    ]);
    assert.equal(r.code, 0, r.stderr);
  }

  /** Clicks the quick-pick item whose label is exactly `label` (icons aside). */
  async function pick(label: string): Promise<void> {
    const item = page.locator('.quick-input-widget .monaco-list-row .label-name', {
      hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`),
    });
    await item.first().waitFor({ timeout: 15_000 });
    await item.first().click();
  }

  const editorLines = () => page.locator('.editor-instance .view-lines');
  const shown = async (text: string): Promise<boolean> =>
    (await editorLines().locator('.view-line', { hasText: text }).count()) > 0;

  it('typing "cluster up" in the palette offers Up first, before the backup command', async () => {
    await page.keyboard.press('F1');
    await input().fill('>WA Cluster up');
    await rowOf('WA Cluster:').first().waitFor();
    const labels = (await page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((l) =>
      l.replace(/\s+/g, ' ').trim(),
    );
    const ours = labels.filter((l) => l.startsWith('WA Cluster:'));
    assert.equal(ours[0], 'WA Cluster: Up (Start Services)…', JSON.stringify(labels));
    await page.keyboard.press('Escape');
  });

  it('a level filter in Show Logs of All Nodes hides the other levels while following (screenshot)', async () => {
    await runCommand('WA Cluster: Show Logs of All Nodes');
    await editorLines().locator('.view-line', { hasText: '[waweb]' }).first().waitFor({ timeout: 60_000 });

    await runCommand('WA Cluster: Filter Logs…');
    await pick('Level…');
    await pick('warnings and errors');
    await editorLines()
      .locator('.view-line', { hasText: 'filtered (warnings and errors)' })
      .waitFor({ timeout: 10_000 });

    // New lines while following: the info line must not appear, the warning must.
    const probe = `ui-probe-${process.pid}`;
    await webLogLine('INFO', `${probe} info line`);
    await webLogLine('WARN', `${probe} warning line`);
    await editorLines()
      .locator('.view-line', { hasText: `${probe} warning line` })
      .waitFor({ timeout: 30_000 });
    assert.equal(await shown(`${probe} info line`), false, 'the info line is hidden');
    assert.equal(
      await editorLines()
        .locator('.view-line', { hasText: /\[(wacore1|master1)\] I \d{4}-/ })
        .count(),
      0,
      'no info line of the coreapp or the master either',
    );
    await page.screenshot({ path: path.join(screenshots, 'logs-01-warnings-and-errors.png') });

    // More arrive later: still filtered the same way.
    await webLogLine('INFO', `${probe} second info line`);
    await webLogLine('WARN', `${probe} second warning line`);
    await editorLines()
      .locator('.view-line', { hasText: `${probe} second warning line` })
      .waitFor({ timeout: 30_000 });
    assert.equal(await shown(`${probe} second info line`), false, 'the second info line is hidden');

    // The hidden lines were kept, not lost: clearing the filter shows them.
    await runCommand('WA Cluster: Filter Logs…');
    await pick('Clear Filter');
    await editorLines()
      .locator('.view-line', { hasText: `${probe} second info line` })
      .waitFor({ timeout: 30_000 });
  });
});
