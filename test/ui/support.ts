/** What the UI suites share (not a test file itself): the workbench in Chromium and a person's hands on it. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  launchBrowser,
  startCodeServer,
  waitForWorkbench,
  workbenchUrl,
  type CodeServer,
  type Sandbox,
} from '../support/codeServer';
import { testResultsDir } from '../support/paths';
import * as emulator from '../emulator/src/harness';

/** Where every UI suite saves its screenshots. */
export const screenshots = path.join(testResultsDir, 'screenshots');

export interface Workbench {
  readonly cs: CodeServer;
  readonly browser: Browser;
  readonly page: Page;
}

/**
 * code-server on the sandbox (`env` for its processes), Chromium (1400×900, with `permissions`) on
 * its workspace, the WA Cluster view open.
 */
export async function openWorkbench(
  sb: Sandbox,
  o: { env?: NodeJS.ProcessEnv; permissions?: string[] } = {},
): Promise<Workbench> {
  fs.mkdirSync(screenshots, { recursive: true });
  const cs = await startCodeServer(sb, o.env ? { env: o.env } : {});
  const browser = await launchBrowser(sb);
  const page = await browser.newPage({
    viewport: { width: 1400, height: 900 },
    ...(o.permissions ? { permissions: o.permissions } : {}),
  });
  // A busy machine (an upgrade's image pulls beside it) can take a while to serve the workbench.
  await page.goto(workbenchUrl(cs, sb.workspace), { timeout: 120_000 });
  await waitForWorkbench(page);
  await openExplorer(page);
  return { cs, browser, page };
}

/** Closes the browser and code-server (either may be missing when `before` failed half-way). */
export async function closeWorkbench(wb: Partial<Workbench> | undefined): Promise<void> {
  await wb?.browser?.close().catch(() => undefined);
  await wb?.cs?.stop();
}

/** Removes the sandbox (after the cluster in its workspace is down: Compose runs in that folder). */
export function removeSandbox(sb: Sandbox | undefined): void {
  if (sb) {
    fs.rmSync(sb.root, { recursive: true, force: true });
  }
}

/** Clicks the WA Cluster icon in the activity bar. */
export async function openExplorer(page: Page): Promise<void> {
  const icon = page.locator('.part.activitybar .action-item a.action-label[aria-label^="WA Cluster"]');
  await icon.waitFor({ timeout: 60_000 });
  await icon.click();
  await page.locator('.part.sidebar .composite.title').waitFor();
}

/** The sidebar's rows as text (label, then its description), whitespace collapsed. */
export async function rowsText(page: Page): Promise<string[]> {
  return (await page.locator('.part.sidebar .monaco-list-row').allInnerTexts()).map((r) =>
    r.replace(/\s+/g, ' ').trim(),
  );
}

/** The row of a tree item: its label, then (no separator in innerText) its description. */
export const row = (rows: readonly string[], name: string): string =>
  rows.find((r) => r.startsWith(name) && !/[0-9]/.test(r.charAt(name.length))) ?? '';

/** Waits until the sidebar's rows pass `accept`; on time-out saves `failureShot` (if named) and says what it saw. */
export async function waitForRows(
  page: Page,
  what: string,
  accept: (rows: string[]) => boolean,
  o: { timeoutMs?: number; failureShot?: string } = {},
): Promise<string[]> {
  const timeoutMs = o.timeoutMs ?? 45_000;
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await rowsText(page);
    if (accept(rows)) {
      return rows;
    }
    await page.waitForTimeout(300);
  }
  if (o.failureShot) {
    await page.screenshot({ path: path.join(screenshots, o.failureShot) }).catch(() => undefined);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; rows: ${JSON.stringify(rows)}`);
}

/** Runs a command from the palette (F1), as a person would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/**
 * Clicks the "Sign in to see roles" row until the certificate dialog is up; returns its "Trust
 * This Certificate" button.
 */
export async function openCertificateDialogFromSignInRow(page: Page): Promise<Locator> {
  const signIn = page.locator('.part.sidebar .monaco-list-row', { hasText: 'Sign in to see roles' });
  await signIn.waitFor({ timeout: 60_000 });
  const trust = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Trust This Certificate' });
  // A click while the row re-renders (a poll refreshed the tree) can miss it: click again, as a person would.
  for (let attempt = 1; ; attempt++) {
    await signIn.click();
    try {
      await trust.waitFor({ timeout: 10_000 });
      return trust;
    } catch (e) {
      if (attempt === 3) {
        throw e;
      }
    }
  }
}

/**
 * "Sign in to see roles" through the real dialogs: trust the certificate, the first login with
 * the initial password, then the new one twice; returns once the tree shows a role from the API.
 * `onTrustDialog` sees the certificate dialog (its text) before it is answered.
 */
export async function signInThroughDialogs(
  page: Page,
  onTrustDialog: (text: string) => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const trust = await openCertificateDialogFromSignInRow(page);
  await onTrustDialog(await page.locator('.monaco-dialog-box').innerText());
  await trust.click();
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor();
  await input.fill('secret');
  await page.keyboard.press('Enter');
  for (const title of ['choose a new password', 'Repeat the new password']) {
    await page.locator('.quick-input-widget', { hasText: title }).waitFor({ timeout: 30_000 });
    await input.fill(emulator.DEFAULT_PASSWORD);
    await page.keyboard.press('Enter');
  }
  await waitForRows(
    page,
    'signed in',
    (r) => !r.some((x) => x.includes('Sign in to see roles')) && r.some((x) => x.includes('primary master')),
  );
}
