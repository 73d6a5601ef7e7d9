import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  launchBrowser,
  makeSandbox,
  startCodeServer,
  waitForWorkbench,
  workbenchUrl,
  type CodeServer,
  type Sandbox,
} from '../support/codeServer';
import { repoRoot, testResultsDir } from '../support/paths';

const screenshots = path.join(testResultsDir, 'screenshots');

describe('workbench UI (code-server + Chromium)', () => {
  let sb: Sandbox;
  let cs: CodeServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    fs.mkdirSync(screenshots, { recursive: true });
    sb = makeSandbox({ workspaceFrom: path.join(repoRoot, 'test/fixtures/workspace') });
    cs = await startCodeServer(sb);
    browser = await launchBrowser(sb);
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(workbenchUrl(cs, sb.workspace));
    await waitForWorkbench(page);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await cs?.stop();
    if (sb) {
      fs.rmSync(sb.root, { recursive: true, force: true });
    }
  });

  it('shows our activity-bar icon and opens the Nodes view', async () => {
    const icon = page.locator('.part.activitybar .action-item a.action-label[aria-label^="WA Cluster"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    const title = page.locator('.part.sidebar .composite.title');
    await title.waitFor();
    assert.match(await title.innerText(), /WA CLUSTER/i);
    const rows = page.locator('.part.sidebar .monaco-list-row');
    await rows.first().waitFor({ timeout: 30_000 });
    const texts = await rows.allInnerTexts();
    // The fixture workspace holds one cluster (lint/broken-compose.yml, project "lint"); plain compose.yml is no cluster.
    assert.ok(
      texts.some((t) => t.startsWith('lint')),
      `rows: ${JSON.stringify(texts)}`,
    );
    assert.ok(!texts.some((t) => t.includes('nginx')), `rows: ${JSON.stringify(texts)}`);
    await page.screenshot({ path: path.join(screenshots, 'foundation-01-nodes-view.png') });
  });

  it('runs "WA Cluster: Show Extension Log" from the command palette', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill('>WA Cluster: Show Extension Log');
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'WA Cluster: Show Extension Log' });
    await row.first().waitFor();
    await page.keyboard.press('Enter');
    const panel = page.locator('.part.panel .monaco-editor .view-lines');
    await panel.first().waitFor({ timeout: 30_000 });
    await page.locator('.part.panel .view-lines', { hasText: 'activated' }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(screenshots, 'foundation-02-show-log.png') });
  });

  it("opens the getting-started walkthrough with the source document's steps", async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Welcome: Open Walkthrough');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Open Walkthrough' }).first().waitFor();
    await page.keyboard.press('Enter');
    const ours = page.locator('.quick-input-widget .monaco-list-row', {
      hasText: 'Run a WhatsApp Business API cluster',
    });
    await ours.first().waitFor({ timeout: 30_000 });
    await ours.first().click();
    const steps = page.locator('.getting-started-step');
    await page
      .locator('.getting-started-step', { hasText: 'Start a spare coreapp' })
      .first()
      .waitFor({ timeout: 30_000 });
    assert.ok((await steps.count()) >= 7);
    await page.screenshot({ path: path.join(screenshots, 'foundation-03-walkthrough.png') });
  });
});
