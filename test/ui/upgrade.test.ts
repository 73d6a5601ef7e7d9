/**
 * Upgrade as a user meets it, at the emulator's DEFAULT intervals (heartbeat 5 s, unhealthy 30 s:
 * the shards come back only about 30 s after the nodes are recreated): code-server in headless
 * Chromium, a registered 2-shard cluster with a spare, the real pickers and modal. The upgrade
 * says it is done only once 2/2 shards are connected on the new version, and no failover is
 * announced for the shard moves it causes. Screenshots: test-results/screenshots/upgrade-*.png.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeSandbox, type Sandbox } from '../support/codeServer';
import * as emulator from '../emulator/src/harness';
import {
  closeWorkbench,
  openCertificateDialogFromSignInRow,
  openWorkbench,
  removeSandbox,
  row,
  rowsText,
  runCommand as runCommandOn,
  screenshots,
  waitForRows as waitForRowsOn,
  type Workbench,
} from './support';

describe(`Upgrade at the default intervals (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(420_000);
  const project = `waupui${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let page: Page;
  let ws: emulator.Workspace;
  let token = '';

  const rows = () => rowsText(page);
  const toasts = async (): Promise<string[]> =>
    (await page.locator('.notifications-toasts .notification-toast').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' '),
    );
  /** Coreapps connected on a version, as /v1/health of the cluster itself says (not the extension). */
  const connectedOn = async (version: string): Promise<number> => {
    let r = await emulator.api(ws, 'GET', '/v1/health', { token });
    if (r.status === 401) {
      token = await emulator.login(ws);
      r = await emulator.api(ws, 'GET', '/v1/health', { token });
    }
    const b = r.body as emulator.HealthBody | undefined;
    if (r.status !== 200 || b?.meta?.version !== `v${version}`) {
      return 0;
    }
    return Object.values(b.health).filter((v) => v.role === 'coreapp' && v.gateway_status === 'connected').length;
  };

  const waitForRows = (what: string, accept: (r: string[]) => boolean, timeoutMs = 90_000) =>
    waitForRowsOn(page, what, accept, { timeoutMs });
  const runCommand = (title: string) => runCommandOn(page, title);

  before(async () => {
    sb = makeSandbox({ settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    // No interval overrides: heartbeat_interval 5 s, unhealthy_interval 30 s, as users have them.
    ws = await emulator.startCluster({
      dir: path.join(sb.workspace, project),
      project,
      webPort: await emulator.freePort(),
    });
    token = await emulator.login(ws);
    const registration = { cc: '1', phone_number: '6315550201', method: 'sms', cert: 'Y2VydA==' };
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    const shards = await emulator.api(ws, 'POST', '/v1/account/shards', {
      token,
      body: { cc: '1', phone_number: '6315550201', shards: 2, pin: '', cert: 'Y2VydA==' },
    });
    assert.ok(shards.status < 300, shards.text);
    await emulator.up(ws, ['wacore3']);
    await emulator.waitForHealth(
      ws,
      (b) =>
        Object.values(b.health).filter((v) => v.role === 'coreapp' && v.gateway_status === 'connected').length === 2,
      { timeoutMs: 90_000 },
    );
    wb = await openWorkbench(sb);
    page = wb.page;
    // Sign in through the real dialogs (the password was set above).
    await (await openCertificateDialogFromSignInRow(page)).click();
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor();
    await input.fill(emulator.DEFAULT_PASSWORD);
    await page.keyboard.press('Enter');
    await waitForRows(
      'signed in, 2 shards and a spare',
      (r) => /2\/2 shards connected/.test(row(r, project)) && /coreapp · standby/.test(row(r, 'wacore3')),
    );
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    removeSandbox(sb);
  });

  it('is done only when 2/2 shards are connected on the new version; no failover is announced; the DB upgrade container is gone (screenshots)', async () => {
    await runCommand('WA Cluster: Upgrade…');
    // The version picker offers the versions whose images are here.
    const picker = page.locator('.quick-input-widget', { hasText: `Upgrade ${project}` });
    await picker.waitFor({ timeout: 30_000 });
    await picker.locator('.monaco-list-row', { hasText: emulator.NEW_VERSION }).first().waitFor({ timeout: 15_000 });
    assert.match(await picker.innerText(), /images present locally/);
    await page.screenshot({ path: path.join(screenshots, 'upgrade-01-version-picker.png') });
    await page.locator('.quick-input-widget .quick-input-box input').fill(emulator.NEW_VERSION);
    await page.keyboard.press('Enter');
    await page
      .locator('.quick-input-widget', { hasText: `Upgrade ${project} to ${emulator.NEW_VERSION}` })
      .waitFor({ timeout: 30_000 });
    await page.locator('.quick-input-widget .quick-input-box input').fill('With the DB upgrade service');
    await page.keyboard.press('Enter');

    const dialog = page.locator('.monaco-dialog-box', {
      hasText: `Upgrade ${project} from ${emulator.OLD_VERSION} to ${emulator.NEW_VERSION}?`,
    });
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /2\/2 shards are connected again/);
    assert.doesNotMatch(text, /Recreate db/, 'db has no version');
    assert.match(text, /Back Up and Upgrade/);
    // Enter does the safe thing: the focused button is the one that changes nothing.
    await page.waitForTimeout(300);
    assert.equal((await dialog.locator('.monaco-button:focus').innerText()).trim(), 'Not Now');
    await page.screenshot({ path: path.join(screenshots, 'upgrade-02-confirmation.png') });
    await dialog.locator('.monaco-button', { hasText: /^Upgrade$/ }).click();

    // Watch until success (or give up): every toast, the progress, and the tree's rows.
    const success = `${project} runs version ${emulator.NEW_VERSION}: 2/2 shards connected.`;
    const seenToasts = new Set<string>();
    const seenRows = new Set<string>();
    let connectedAtSuccess = -1;
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      for (const t of await toasts()) {
        seenToasts.add(t);
      }
      for (const r of await rows()) {
        seenRows.add(r);
      }
      if ([...seenToasts].some((t) => t.includes(success))) {
        connectedAtSuccess = await connectedOn(emulator.NEW_VERSION);
        break;
      }
      await page.waitForTimeout(250);
    }
    assert.ok(connectedAtSuccess >= 0, `no success message; toasts: ${JSON.stringify([...seenToasts])}`);
    assert.equal(connectedAtSuccess, 2, 'the cluster itself reports 2 coreapps connected on the new version');
    await page.screenshot({ path: path.join(screenshots, 'upgrade-03-done.png') });
    assert.ok(
      [...seenToasts].some((t) => /waiting for 2\/2 shards connected on 2\.53\.2 \([01]\/2 now\)/.test(t)),
      `the progress said what it waited for: ${JSON.stringify([...seenToasts])}`,
    );
    const rowsNow = await waitForRows(
      'the tree on the new version',
      (r) => row(r, project).includes(`v${emulator.NEW_VERSION}`) && /2\/2 shards connected/.test(row(r, project)),
      15_000,
    );
    assert.equal(row(rowsNow, 'dbupgrade'), '', 'the finished DB upgrade container is removed');

    // The false failovers used to come about 40 s in, after "done": watch on for a while.
    const quietUntil = Date.now() + 45_000;
    while (Date.now() < quietUntil) {
      for (const t of await toasts()) {
        seenToasts.add(t);
      }
      for (const r of await rows()) {
        seenRows.add(r);
      }
      await page.waitForTimeout(500);
    }
    const alarms = [...seenToasts].filter((t) => /failover|took over|stopped/i.test(t));
    assert.deepEqual(alarms, [], 'no failover (or death) announced for what the upgrade did');
    const absent = [...seenRows].filter((r) => /absent from \/v1\/health|COREAPP_HOSTNAME/.test(r));
    assert.deepEqual(absent, [], 'no "absent from health" alarm for the nodes the upgrade recreated');
    await page.screenshot({ path: path.join(screenshots, 'upgrade-04-quiet-after.png') });
  });
});
