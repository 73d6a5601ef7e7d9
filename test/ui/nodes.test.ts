/**
 * Node actions as a person meets them, at the emulator's default intervals: Start, Stop and
 * Restart from a node's context menu (no toast for what was asked), Add Coreapp when every
 * coreapp runs (writes wacore4, which comes up standby), Stop of the shard owner (Enter on its
 * warning keeps it running; Stop says first that a spare takes over, counts down, no failover
 * toast), Show Health (raw JSON), then Down (the
 * root says down and nothing warns). Screenshots land in test-results/screenshots/nodes-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeSandbox, type Sandbox } from '../support/codeServer';
import * as emulator from '../emulator/src/harness';
import {
  closeWorkbench,
  openWorkbench,
  removeSandbox,
  row,
  rowsText as rowsOf,
  runCommand as runCommandOn,
  screenshots,
  signInThroughDialogs,
  waitForRows as waitForRowsOn,
  type Workbench,
} from './support';

describe(`node actions UI on an emulated cluster at default intervals (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const project = `wanodes${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let page: Page;
  let ws: emulator.Workspace;

  const rowsText = () => rowsOf(page);
  const waitForRows = (what: string, accept: (rows: string[]) => boolean, timeoutMs = 60_000) =>
    waitForRowsOn(page, what, accept, { timeoutMs, failureShot: 'nodes-failure.png' });

  /** The extension's announcements read "<project>: …"; progress toasts ("Stopping wacore3 of …") do not. */
  const announcements = () =>
    page.locator('.notifications-toasts .notification-toast', { hasText: new RegExp(`${project}: `) });

  /** Right-clicks a node's row and picks a context-menu entry. */
  async function contextMenu(node: string, entry: string): Promise<void> {
    const target = page.locator('.part.sidebar .monaco-list-row', { hasText: new RegExp(`^\\s*${node}(?![0-9])`) });
    await target.first().click({ button: 'right' });
    const item = page.locator('.context-view .action-item', { hasText: entry }).first();
    await item.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300); // a click while the menu still lays itself out only highlights the entry
    await item.click();
    // The menu fades out after a click that ran the entry; only one that stays open (the click
    // merely highlighted the entry) gets the entry again by the keyboard, and never a hover on an
    // entry that has gone away meanwhile.
    const menu = page.locator('.context-view .monaco-menu');
    const closed = () =>
      menu.waitFor({ state: 'hidden', timeout: 3000 }).then(
        () => true,
        () => false,
      );
    if (!(await closed()) && (await item.isVisible())) {
      await item.hover({ timeout: 5000 });
      await page.keyboard.press('Enter');
    }
    await menu.waitFor({ state: 'hidden', timeout: 10_000 });
  }

  /** When the container of a service started last (Docker's own record). */
  async function startedAt(service: string): Promise<string> {
    const name = emulator.containerName(ws.compose, project, service);
    return (await emulator.exec('docker', ['inspect', '-f', '{{.State.StartedAt}}', name])).stdout.trim();
  }

  async function runCommand(title: string): Promise<void> {
    await page.locator('.part.editor').click({ position: { x: 400, y: 300 } });
    await runCommandOn(page, title);
  }

  before(async () => {
    sb = makeSandbox({ settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    ws = await emulator.startCluster({
      dir: path.join(sb.workspace, project),
      project,
      webPort: await emulator.freePort(),
    });
    wb = await openWorkbench(sb);
    page = wb.page;
    await signInThroughDialogs(page);
    // Registered through the API (the Register Number flow has its own UI test).
    const token = await emulator.login(ws);
    const registration = {
      cc: '1',
      phone_number: '6315550201',
      method: 'sms',
      cert: Buffer.from('{"vname":"Nodes Test"}').toString('base64'),
    };
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    await waitForRows('registered', (r) =>
      [row(r, 'wacore1'), row(r, 'wacore2')].some((x) => /coreapp · connected/.test(x)),
    );
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    removeSandbox(sb);
  });

  it('Start, Stop and Restart from the context menu of a node, with no toast for the asked change (screenshot)', async () => {
    await waitForRows('wacore3 not created', (r) => /coreapp · not created/.test(row(r, 'wacore3')));
    await contextMenu('wacore3', 'Start Node');
    await waitForRows('wacore3 started', (r) => /coreapp · standby/.test(row(r, 'wacore3')), 120_000);
    await contextMenu('wacore3', 'Stop Node');
    await waitForRows('wacore3 stopped', (r) => /coreapp · stopped/.test(row(r, 'wacore3')));
    await page.waitForTimeout(3000); // past the window in which deaths are gathered
    await contextMenu('wacore3', 'Start Node');
    await waitForRows('wacore3 back', (r) => /coreapp · standby/.test(row(r, 'wacore3')), 120_000);
    const before = await startedAt('wacore3');
    await contextMenu('wacore3', 'Restart Node');
    for (let i = 0; i < 120 && (await startedAt('wacore3')) === before; i++) {
      await page.waitForTimeout(500);
    }
    assert.notEqual(await startedAt('wacore3'), before, 'Restart Node restarted the container');
    await waitForRows('wacore3 restarted', (r) => /coreapp · standby/.test(row(r, 'wacore3')), 120_000);
    await page.waitForTimeout(3000);
    await page.screenshot({ path: path.join(screenshots, 'nodes-01-after-start-stop-restart.png') });
    assert.deepEqual(await announcements().allInnerTexts(), []);
  });

  it('Add Coreapp on a cluster whose coreapps all run writes wacore4 and the tree shows it standby (screenshot)', async () => {
    await runCommand('WA Cluster: Add Coreapp');
    const dialog = page.locator('.monaco-dialog-box', {
      hasText: `Add wacore4 to ${project}/multiconnect-compose.yml`,
    });
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /own COREAPP_HOSTNAME "wacore4"/);
    await dialog.locator('.monaco-button', { hasText: 'Add and Start wacore4' }).click();
    const rows = await waitForRows('wacore4 standby', (r) => /coreapp · standby/.test(row(r, 'wacore4')), 150_000);
    assert.match(row(rows, 'wacore3'), /coreapp · standby/);
    const compose = fs.readFileSync(path.join(ws.dir, 'multiconnect-compose.yml'), 'utf8');
    assert.match(compose, /\n {2}wacore4:\n[\s\S]*COREAPP_HOSTNAME: "wacore4"/);
    assert.match(compose, /^# Generated by wa-cluster's emulator harness/);
    await page.screenshot({ path: path.join(screenshots, 'nodes-02-wacore4-standby.png') });
  });

  it('Stop of the shard owner says a spare takes over, counts down, and announces no failover (screenshot)', async () => {
    const rows = await rowsText();
    const owner = ['wacore1', 'wacore2'].find((n) => /coreapp · connected/.test(row(rows, n)));
    assert.ok(owner, JSON.stringify(rows));
    const ownerStarted = await startedAt(owner);
    const dialog = page.locator('.monaco-dialog-box', { hasText: `Stop ${owner}?` });
    // Enter (the focused, first button) keeps the owner running: stopping traffic is never the default.
    await contextMenu(owner, 'Stop Node');
    await dialog.waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    assert.equal((await dialog.locator('.monaco-button:focus').innerText()).trim(), 'Keep It Running');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    await page.waitForTimeout(3000); // a Stop would have begun by now
    const kept = await rowsText();
    assert.match(row(kept, owner), /coreapp · connected/, JSON.stringify(kept));
    const name = emulator.containerName(ws.compose, project, owner);
    assert.equal((await emulator.exec('docker', ['inspect', '-f', '{{.State.Running}}', name])).stdout.trim(), 'true');
    assert.equal(await startedAt(owner), ownerStarted, 'the owner was not restarted');
    // Then Stop, chosen explicitly.
    await contextMenu(owner, 'Stop Node');
    await dialog.waitFor({ timeout: 30_000 });
    assert.match(await dialog.innerText(), /owns a shard: after about 30 s .* the spare .* takes it over/);
    await dialog.locator('.monaco-button', { hasText: /^Stop$/ }).click();
    await waitForRows('countdown', (r) => r.some((x) => /stopped answering: a spare .* takes over its shard/.test(x)));
    await page.screenshot({ path: path.join(screenshots, 'nodes-03-takeover-countdown.png') });
    await waitForRows(
      'a spare took over',
      (r) =>
        ['wacore1', 'wacore2', 'wacore3', 'wacore4'].some(
          (n) => n !== owner && /coreapp · connected/.test(row(r, n)),
        ) && !r.some((x) => /stopped answering/.test(x)),
      150_000,
    );
    await page.waitForTimeout(3000);
    assert.deepEqual(await announcements().allInnerTexts(), []);
  });

  it('Show Health opens the raw /v1/health answer as read-only JSON', async () => {
    await runCommand('WA Cluster: Show Health');
    const tab = page.locator('.tabs-container .tab', { hasText: 'health.json' });
    await tab.waitFor({ timeout: 30_000 });
    const lines = page.locator('.editor-instance .view-lines');
    await lines.locator('.view-line', { hasText: '"gateway_status"' }).first().waitFor({ timeout: 30_000 });
    const text = await lines.innerText();
    assert.match(text, /"health"/);
    assert.match(text, /"wacore4:[0-9a-f]+"/);
    assert.match(await page.locator('.part.statusbar').innerText(), /JSON/);
  });

  it('after Down the root says down, the status bar "WA down", and nothing warns (screenshot)', async () => {
    await runCommand('WA Cluster: Down');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-widget', { hasText: `Take ${project} down` }).waitFor({ timeout: 30_000 });
    await input.fill('Stop and remove the containers');
    await page.keyboard.press('Enter');
    const rows = await waitForRows('down', (r) => /down$/.test(row(r, project)), 150_000);
    await page.waitForTimeout(4000); // several polls later, still quiet
    const after = await rowsText();
    assert.match(row(after, project), /down$/, JSON.stringify(rows));
    assert.ok(!after.some((r) => /API unreachable|Cluster API/.test(r)), JSON.stringify(after));
    assert.match(await page.locator('.part.statusbar').innerText(), /WA down/);
    assert.doesNotMatch(await page.locator('.part.statusbar').innerText(), /0\/\d/);
    // The order of the rows does not depend on state: db first, as while it ran.
    const at = (name: string) => after.findIndex((r) => r === row(after, name));
    const order = ['db', 'waweb', 'master1', 'wacore1'].map(at);
    assert.ok(
      order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)),
      JSON.stringify(after),
    );
    await page.screenshot({ path: path.join(screenshots, 'nodes-04-after-down.png') });
    assert.deepEqual(await announcements().allInnerTexts(), []);
  });
});
