/**
 * The cluster explorer as a person sees it: code-server in headless Chromium, a live emulated
 * cluster, sign-in through the real dialogs, then the source document's walkthrough. Screenshots
 * land in test-results/screenshots/explorer-*.png.
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
  runCommand as runCommandOn,
  screenshots,
  signInThroughDialogs,
  waitForRows,
  type Workbench,
} from './support';

describe(`cluster explorer UI on an emulated cluster (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const project = `waui${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let page: Page;
  let ws: emulator.Workspace;
  let token = '';
  const registration = {
    cc: '1',
    phone_number: '6315550200',
    method: 'sms',
    cert: Buffer.from('{"vname":"UI Test"}').toString('base64'),
  };

  /** An admin call; a token the cluster no longer accepts (401) is renewed once. */
  async function admin(method: string, urlPath: string, body?: unknown): Promise<number> {
    let r = await emulator.api(ws, method, urlPath, { token, body });
    if (r.status === 401) {
      token = await emulator.login(ws);
      r = await emulator.api(ws, method, urlPath, { token, body });
    }
    return r.status;
  }

  before(async () => {
    sb = makeSandbox({
      settings: { 'waCluster.health.pollIntervalSeconds': 1, 'workbench.colorTheme': 'Default Dark Modern' },
    });
    ws = await emulator.startCluster({
      dir: path.join(sb.workspace, project),
      project,
      webPort: await emulator.freePort(),
    });
    wb = await openWorkbench(sb);
    page = wb.page;
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    removeSandbox(sb);
  });

  it('signs in through the real dialogs: trust the certificate, first-login password change', async () => {
    await signInThroughDialogs(page, async (dialogText) => {
      assert.match(dialogText, /SHA-256 fingerprint/);
      await page.screenshot({ path: path.join(screenshots, 'explorer-00-trust-certificate.png') });
    });
    token = await emulator.login(ws);
  });

  it('shows the roles before registration (screenshot)', async () => {
    const rows = await waitForRows(
      page,
      'before registration',
      (r) =>
        r.some((x) => x.includes('primary master · unregistered')) &&
        r.some((x) => x.startsWith('wacore3')) &&
        /not registered/.test(row(r, project)),
    );
    assert.match(row(rows, project), /not registered/);
    assert.match(row(rows, 'wacore3'), /coreapp · not created/);
    await page.screenshot({ path: path.join(screenshots, 'explorer-01-before-registration.png') });
  });

  const runCommand = (title: string) => runCommandOn(page, title);

  /** Answers the next input box (waits for its title) and presses Enter. */
  async function answer(titlePart: string, value: string): Promise<void> {
    await page.locator('.quick-input-widget', { hasText: titlePart }).waitFor({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(value);
    await page.keyboard.press('Enter');
  }

  it('registers the number through "Register Number": one coreapp connected, the rest standby', async () => {
    await runCommand('WA Cluster: Register Number');
    await answer('Register a number (1/5)', registration.cc);
    await answer('Register a number (2/5)', registration.phone_number);
    await answer('Register a number (3/5)', registration.cert);
    await answer('Register a number (4/5)', '');
    await answer('Register a number (5/5)', 'SMS');
    await answer('Verify +1', '123456');
    const rows = await waitForRows(
      page,
      'registered',
      (r) => [row(r, 'wacore1'), row(r, 'wacore2')].filter((x) => /coreapp · connected/.test(x)).length === 1,
    );
    assert.ok(
      [row(rows, 'wacore1'), row(rows, 'wacore2')].some((x) => /coreapp · standby/.test(x)),
      JSON.stringify(rows),
    );
  });

  it('sets 2 shards through "Set Shards", starts the spare through "Add Coreapp" (screenshot)', async () => {
    await runCommand('WA Cluster: Set Shards');
    await answer('Shards for', '2');
    // 2 shards on 2 coreapps leave no spare (Add Coreapp starts it next): the explicit second choice.
    await page
      .locator('.monaco-dialog-box', { hasText: 'leave no spare' })
      .locator('.monaco-button', { hasText: /^Set Anyway$/ })
      .click();
    await waitForRows(page, '2 shards', (r) => /2\/2 shards connected/.test(row(r, project)));
    await runCommand('WA Cluster: Add Coreapp');
    const rows = await waitForRows(
      page,
      '2 shards + spare',
      (r) =>
        /2\/2 shards connected/.test(row(r, project)) &&
        /coreapp · standby/.test(row(r, 'wacore3')) &&
        /coreapp · connected/.test(row(r, 'wacore2')),
    );
    assert.match(row(rows, 'wacore1'), /coreapp · connected/);
    assert.match(await page.locator('.part.statusbar').innerText(), /WA 2\/2/);
    await page.screenshot({ path: path.join(screenshots, 'explorer-02-two-shards-spare.png') });
  });

  it('shows the failover and announces it (screenshot)', async () => {
    assert.equal(
      await admin('PATCH', '/v1/settings/application', { heartbeat_interval: 1, unhealthy_interval: 3 }),
      200,
    );
    await emulator.compose(ws, ['stop', '-t', '1', 'wacore1']);
    const rows = await waitForRows(
      page,
      'failover',
      (r) =>
        /coreapp · connected/.test(row(r, 'wacore3')) &&
        /stopped/.test(row(r, 'wacore1')) &&
        /coreapp · connected/.test(row(r, 'wacore2')) &&
        // The root's shard count comes with the same snapshot but its row may render a beat later.
        /2\/2 shards connected/.test(row(r, project)),
    );
    assert.match(row(rows, project), /2\/2 shards connected/);
    await page.locator('.notifications-toasts', { hasText: 'failover' }).waitFor({ timeout: 15_000 });
    // Add Coreapp ran seconds ago: that made wacore3's start no news, not wacore1's death.
    await page
      .locator('.notifications-toasts', { hasText: `${project}: wacore1 stopped` })
      .waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(screenshots, 'explorer-03-after-failover.png') });
  });

  it("follows a coreapp's logs in a highlighted walog editor (screenshot)", async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>WA Cluster: Show Node Logs');
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: /Show Node Logs$/ })
      .first()
      .waitFor();
    await page.keyboard.press('Enter');
    await page
      .locator('.quick-input-widget .monaco-list-row', { hasText: 'wacore2' })
      .first()
      .waitFor({ timeout: 15_000 });
    await input.fill('wacore2');
    await page.keyboard.press('Enter');
    const lines = page.locator('.editor-instance .view-lines');
    await lines
      .locator('.view-line', { hasText: /\.cpp:\d+\]/ })
      .first()
      .waitFor({ timeout: 30_000 });
    // Highlighted: the tokens of the log lines carry several different colour classes (the
    // grammar loads and tokenizes asynchronously, so give it a moment).
    let classes: string[] = [];
    for (let i = 0; i < 40 && classes.length < 3; i++) {
      await page.waitForTimeout(250);
      classes = await lines
        .locator('.view-line span span')
        .evaluateAll((spans: { className: string }[]) => [...new Set(spans.map((s) => s.className))]);
    }
    await page.screenshot({ path: path.join(screenshots, 'explorer-04-coreapp-logs.png') });
    assert.ok(classes.length >= 3, `token classes: ${JSON.stringify(classes)}`);
    assert.match(await page.locator('.part.statusbar').innerText(), /WA Cluster Log/);
  });

  it('upgrades through "Upgrade…": version, DB upgrade path, the modal that lists every step (screenshot)', async () => {
    await runCommand('WA Cluster: Upgrade…');
    await answer(`Upgrade ${project}`, emulator.NEW_VERSION);
    await answer(`Upgrade ${project} to ${emulator.NEW_VERSION}`, 'With the DB upgrade service');
    const dialog = page.locator('.monaco-dialog-box', {
      hasText: `Upgrade ${project} from ${emulator.OLD_VERSION} to ${emulator.NEW_VERSION}?`,
    });
    await dialog.waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.match(text, /Run the DB upgrade service dbupgrade/);
    assert.match(text, /Volumes are kept/);
    await page.screenshot({ path: path.join(screenshots, 'explorer-06-upgrade-confirmation.png') });
    await dialog.locator('.monaco-button', { hasText: /^Upgrade$/ }).click();
    await page
      .locator('.notifications-toasts', {
        hasText: `${project} runs version ${emulator.NEW_VERSION}: 2/2 shards connected.`,
      })
      .waitFor({ timeout: 120_000 });
    const rows = await waitForRows(
      page,
      'new version',
      (r) => row(r, project).includes(`v${emulator.NEW_VERSION}`) && /2\/2 shards connected/.test(row(r, project)),
    );
    assert.match(row(rows, 'wacore2'), /coreapp · (connected|standby)/);
    // The upgrade recreated the shard owners on purpose: that is no failover to announce.
    assert.equal(
      await page
        .locator('.notifications-toasts .notification-toast', { hasText: /took over from wacore[23]\b/ })
        .count(),
      0,
    );
  });

  it('backs up through "Write Backup File…" (password twice, the save dialog) and restores through "Restore…" (open dialog, modal, password)', async () => {
    const backupPassword = 'Backup-Pass-7';
    await runCommand('WA Cluster: Write Backup File…');
    await answer(`Back up ${project} (1/2)`, backupPassword);
    await answer(`Back up ${project} (2/2)`, backupPassword);
    // VS Code's own save dialog (in the browser: the quick-input file dialog), proposing backups/<name>.wabackup.
    const dialog = page.locator('.quick-input-widget', { hasText: `Save the backup of ${project}` });
    await dialog.waitFor({ timeout: 30_000 });
    const proposal = new RegExp(`${project}/backups/${project}-.*\\.wabackup$`);
    const nameInput = page.locator('.quick-input-widget .quick-input-box input');
    let proposed = '';
    for (let i = 0; i < 40 && !proposal.test(proposed); i++) {
      await page.waitForTimeout(250); // the dialog fills its input as it reads the folder
      proposed = await nameInput.inputValue();
    }
    assert.match(proposed, proposal);
    await page.keyboard.press('Enter');
    await page
      .locator('.notifications-toasts', { hasText: `Backup of ${project} saved to` })
      .waitFor({ timeout: 60_000 });
    const backups = path.join(ws.dir, 'backups');
    const written = fs.readdirSync(backups).filter((f) => f.endsWith('.wabackup'));
    assert.equal(written.length, 1, fs.readdirSync(backups).join(', '));
    assert.equal(fs.readFileSync(path.join(backups, '.gitignore'), 'utf8'), '*\n');

    await runCommand('WA Cluster: Restore…');
    await page
      .locator('.quick-input-widget', { hasText: `Restore ${project} from which backup?` })
      .waitFor({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    // The dialog fills its input with the folder once it has read it; type the file after that.
    for (let i = 0; i < 40 && !(await input.inputValue()).endsWith('/backups/'); i++) {
      await page.waitForTimeout(250);
    }
    const backupFile = path.join(backups, written[0]!);
    await input.fill(backupFile);
    await page.waitForTimeout(300);
    assert.equal(await input.inputValue(), backupFile);
    await page.keyboard.press('Enter');
    const modal = page.locator('.monaco-dialog-box', { hasText: `Restore ${project} from ${written[0]}?` });
    await modal.waitFor({ timeout: 30_000 });
    assert.match(await modal.innerText(), /changes made since the backup are lost/);
    await page.screenshot({ path: path.join(screenshots, 'explorer-07-restore-confirmation.png') });
    await modal.locator('.monaco-button', { hasText: /^Restore Without Backup$/ }).click();
    await answer(`Type the project name, ${project}, to confirm`, project);
    await answer(`Restore ${project}: backup password`, backupPassword);
    await page
      .locator('.notifications-toasts', { hasText: `${project} restored from ${written[0]}.` })
      .waitFor({ timeout: 60_000 });
  });
});

describe('welcome view when the Docker engine is not running (code-server + Chromium)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  let wb: Workbench;

  after(async () => {
    await closeWorkbench(wb);
    removeSandbox(sb);
  });

  it('explains that the engine is down and offers Retry (screenshot)', async () => {
    sb = makeSandbox();
    emulator.writeWorkspace({ dir: path.join(sb.workspace, 'biz'), project: 'biz', webPort: 9090 });
    // An engine that is not running: its socket path answers nothing.
    wb = await openWorkbench(sb, { env: { DOCKER_HOST: `unix://${path.join(sb.root, 'stopped-docker.sock')}` } });
    const page = wb.page;
    const welcome = page.locator('.part.sidebar .welcome-view-content');
    await welcome.waitFor({ timeout: 60_000 });
    await page
      .locator('.part.sidebar .welcome-view-content', { hasText: 'Docker engine is not running' })
      .waitFor({ timeout: 30_000 });
    assert.match(await welcome.innerText(), /Retry/);
    await page.screenshot({ path: path.join(screenshots, 'explorer-05-docker-down-welcome.png') });
  });
});
