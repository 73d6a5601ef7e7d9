/**
 * Safe defaults and forgiving flows as a person meets them (issue #14): code-server in headless
 * Chromium, a live emulated cluster, every destructive confirmation answered with Enter (which
 * must do the safe thing), typed names, the shard picker, and wrong answers that are asked again.
 * Screenshots land in test-results/screenshots/safety-*.png.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeSandbox, type Sandbox } from '../support/codeServer';
import { repoRoot } from '../support/paths';
import * as emulator from '../emulator/src/harness';
import {
  closeWorkbench,
  openCertificateDialogFromSignInRow,
  openWorkbench,
  removeSandbox,
  runCommand,
  screenshots,
  type Workbench,
} from './support';
const quickInput = '.quick-input-widget';
const inputBox = '.quick-input-widget .quick-input-box input';

/** The workbench of one sandbox, and the person's hands on it. */
class Person {
  constructor(readonly page: Page) {}

  /** Runs a command from the palette (F1). */
  run(title: string): Promise<void> {
    return runCommand(this.page, title);
  }

  /** Waits for the quick input whose title has `titlePart`, types `value` and presses Enter. */
  async answer(titlePart: string | RegExp, value: string): Promise<void> {
    await this.page.locator(quickInput, { hasText: titlePart }).waitFor({ timeout: 30_000 });
    await this.page.locator(inputBox).fill(value);
    await this.page.keyboard.press('Enter');
  }

  /** Waits for the modal with `text`, checks which button has the focus, and presses Enter. */
  async enterOnModal(text: string | RegExp, focused: string): Promise<string> {
    const dialog = this.page.locator('.monaco-dialog-box', { hasText: text });
    await dialog.waitFor({ timeout: 30_000 });
    const body = await dialog.innerText();
    // The page's focused element (a string, so no DOM types are needed here).
    const active = await this.page.evaluate<string>('document.activeElement?.textContent?.trim() ?? ""');
    assert.equal(active, focused, `the focused button of "${String(text)}"`);
    await this.page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    return body;
  }

  async clickOnModal(text: string | RegExp, button: string): Promise<void> {
    const dialog = this.page.locator('.monaco-dialog-box', { hasText: text });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.locator('.monaco-button', { hasText: new RegExp(`^${button}$`) }).click();
  }

  quickInputTitle(): Promise<string> {
    return this.page.locator(`${quickInput} .quick-input-title`).innerText();
  }

  async escape(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.locator(quickInput).waitFor({ state: 'hidden', timeout: 10_000 });
  }

  shot(name: string): Promise<Buffer> {
    return this.page.screenshot({ path: path.join(screenshots, `safety-${name}.png`) });
  }
}

describe(`safe defaults and forgiving flows on an emulated cluster (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const project = `wasafe${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let me: Person;
  let ws: emulator.Workspace;
  const cert = Buffer.from('{"vname":"Safety Test"}').toString('base64');
  const backupPassword = 'Backup-Pass-7';
  let backupFile = '';

  const containers = async () =>
    (
      await emulator.exec('docker', [
        'ps',
        '-q',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'status=running',
      ])
    ).stdout
      .trim()
      .split('\n')
      .filter(Boolean).length;
  const volumes = async () =>
    (
      await emulator.exec('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])
    ).stdout
      .trim()
      .split('\n')
      .filter(Boolean);
  const shards = async () => {
    const r = await emulator.api(ws, 'GET', '/v1/account/shards', { token: await emulator.login(ws) });
    return (r.body as { account: { shards: number } }).account.shards;
  };

  before(async () => {
    sb = makeSandbox({ settings: { 'waCluster.health.pollIntervalSeconds': 1 } });
    ws = await emulator.startCluster({
      dir: path.join(sb.workspace, project),
      project,
      webPort: await emulator.freePort(),
    });
    wb = await openWorkbench(sb, { permissions: ['clipboard-read', 'clipboard-write'] });
    me = new Person(wb.page);
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    removeSandbox(sb);
  });

  it('Enter on the certificate dialog trusts nothing: it copies the command that prints the fingerprint on the host', async () => {
    await openCertificateDialogFromSignInRow(me.page);
    const text = await me.enterOnModal('is not signed by a trusted authority', 'Copy the Check Command');
    assert.match(text, /openssl s_client -connect 127\.0\.0\.1:\d+ .*openssl x509 -noout -fingerprint -sha256/);
    await me.page.locator('.notifications-toasts', { hasText: 'The command is on the clipboard' }).waitFor();
    const copied = await me.page.evaluate<string>('navigator.clipboard.readText()');
    assert.match(copied, /^openssl s_client -connect 127\.0\.0\.1:\d+ /);
    assert.equal(await me.page.locator(quickInput).isVisible(), false, 'no password is asked');
  });

  it('a wrong password is asked again without the certificate question; then the first-login change', async () => {
    await me.run('WA Cluster: Sign In');
    await me.clickOnModal('is not signed by a trusted authority', 'Trust This Certificate');
    await me.answer(/Sign in to https:/, 'not-the-password');
    await me.page.locator(quickInput, { hasText: 'wrong password, try 2 of 3' }).waitFor({ timeout: 30_000 });
    await me.shot('01-wrong-password');
    await me.answer('wrong password, try 2 of 3', 'secret');
    await me.answer('choose a new password', emulator.DEFAULT_PASSWORD);
    await me.answer('Repeat the new password', emulator.DEFAULT_PASSWORD);
    await me.page.locator('.notifications-toasts', { hasText: 'Signed in to' }).waitFor({ timeout: 30_000 });
  });

  it('registers with a typed-as-spoken number and a visible certificate; a wrong code is asked again, also by Verify Code', async () => {
    await me.run('WA Cluster: Register Number');
    await me.answer('Register a number (1/5)', '+1');
    await me.answer('Register a number (2/5)', '631 555-0200');
    await me.page.locator(quickInput, { hasText: 'Register a number (3/5)' }).waitFor();
    assert.notEqual(await me.page.locator(inputBox).getAttribute('type'), 'password', 'the certificate is visible');
    await me.answer('Register a number (3/5)', cert);
    await me.answer('Register a number (4/5)', '');
    await me.answer('Register a number (5/5)', 'SMS');
    await me.answer('Verify +1 6315550200', '111111');
    await me.page.locator(quickInput, { hasText: 'try 2 of 3' }).waitFor({ timeout: 30_000 });
    assert.match(await me.page.locator(quickInput).innerText(), /The code was refused \(Invalid verification code\.\)/);
    await me.shot('02-wrong-code-asked-again');
    // Walking away (the code has not come yet) says how to go on without a new code: Verify Code.
    await me.escape();
    await me.page.locator('.notifications-toasts', { hasText: 'run Verify Code when the code arrives' }).waitFor();
    await me.run('WA Cluster: Verify Code…');
    await me.answer('Verify +1 6315550200', '222222');
    await me.answer('Verify +1 6315550200: try 2 of 3', '123456');
    await me.page
      .locator('.notifications-toasts', { hasText: '+1 6315550200 is registered' })
      .waitFor({ timeout: 30_000 });
  });

  it('the shard picker: `3` selects nothing (refused with the allowed counts), `2` only 2; no spare needs a second, non-default choice', async () => {
    await me.run('WA Cluster: Set Shards');
    await me.page.locator(quickInput, { hasText: `Shards for ${project}` }).waitFor({ timeout: 30_000 });
    await me.page.locator(inputBox).fill('3');
    const rows = me.page.locator(`${quickInput} .monaco-list-row`);
    await rows.filter({ hasText: '3 is not a shard count' }).waitFor();
    // One row: the refusal (label, then the description, which innerText joins without a blank).
    const refused = await rows.allInnerTexts();
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.match(refused[0]!, /^3 is not a shard count\s*allowed: 1, 2, 4, 8, 16, 32$/);
    await me.shot('03-shard-3-refused');
    await me.page.keyboard.press('Enter');
    await me.page.keyboard.press('Enter');
    assert.match(await me.quickInputTitle(), new RegExp(`Shards for ${project}`), 'Enter, Enter sets nothing');
    await me.page.locator(inputBox).fill('2');
    await rows.filter({ hasText: 'no spare coreapp left' }).waitFor();
    const exact = await rows.allInnerTexts();
    assert.equal(exact.length, 1, JSON.stringify(exact));
    assert.match(exact[0]!, /^2\s*no spare coreapp left$/);
    await me.page.keyboard.press('Enter');
    await me.enterOnModal('2 shards on 2 running coreapps leave no spare', 'Choose Again');
    // Enter chose again: the picker is back, and nothing was set.
    await me.page.locator(quickInput, { hasText: `Shards for ${project}` }).waitFor({ timeout: 10_000 });
    await me.escape();
    assert.equal(await shards(), 1);
  });

  it('Down with volumes: Enter backs up first, then the typed name is required (a wrong one is refused, the volumes stay)', async () => {
    const before = await volumes();
    assert.ok(before.length > 0);
    await me.run('WA Cluster: Down…');
    await me.answer(`Take ${project} down`, 'DELETE the volumes');
    const text = await me.enterOnModal(`Delete every volume of ${project}?`, 'Back Up First');
    assert.match(text, /Delete Without Backup/);
    await me.answer(`Back up ${project} (1/2)`, backupPassword);
    await me.answer(`Back up ${project} (2/2)`, backupPassword);
    await me.page.locator(quickInput, { hasText: `Save the backup of ${project}` }).waitFor({ timeout: 30_000 });
    const proposal = new RegExp(`${project}/backups/${project}-.*\\.wabackup$`);
    for (let i = 0; i < 40 && !proposal.test(await me.page.locator(inputBox).inputValue()); i++) {
      await me.page.waitForTimeout(250); // the dialog fills its input as it reads the folder
    }
    await me.page.keyboard.press('Enter');
    // The backup was written, then Down goes on to the typed confirmation.
    await me.page
      .locator(quickInput, { hasText: `Type the project name, ${project}, to confirm` })
      .waitFor({ timeout: 60_000 });
    const written = fs.readdirSync(path.join(ws.dir, 'backups')).filter((f) => f.endsWith('.wabackup'));
    assert.equal(written.length, 1);
    backupFile = path.join(ws.dir, 'backups', written[0]!);
    await me.page.locator(inputBox).fill(`${project}x`);
    await me.page.keyboard.press('Enter');
    await me.page.locator(`${quickInput} .quick-input-message`, { hasText: `Type ${project} exactly` }).waitFor();
    await me.shot('04-typed-name-refused');
    await me.escape();
    await me.page.waitForTimeout(2000);
    assert.deepEqual(await volumes(), before, 'the volumes are still there');
    assert.equal(await containers(), emulator.HA_SERVICES.length, 'the cluster still runs');
  });

  it('Restore: Enter on the confirmation backs up first; nothing is restored without the typed name', async () => {
    await me.run('WA Cluster: Restore…');
    await me.page
      .locator(quickInput, { hasText: `Restore ${project} from which backup?` })
      .waitFor({ timeout: 30_000 });
    for (let i = 0; i < 40 && !(await me.page.locator(inputBox).inputValue()).endsWith('/backups/'); i++) {
      await me.page.waitForTimeout(250);
    }
    await me.page.locator(inputBox).fill(backupFile);
    await me.page.waitForTimeout(300);
    await me.page.keyboard.press('Enter');
    await me.enterOnModal(`Restore ${project} from ${path.basename(backupFile)}?`, 'Back Up First');
    await me.page.locator(quickInput, { hasText: `Back up ${project} (1/2)` }).waitFor({ timeout: 30_000 });
    await me.escape();
    await me.page.waitForTimeout(1000);
    assert.equal(
      await me.page.locator('.notifications-toasts', { hasText: 'restored from' }).count(),
      0,
      'a cancelled backup stops the restore',
    );
  });
});

describe('Up with lint errors (code-server + Chromium)', function () {
  this.timeout(120_000);
  let sb: Sandbox;
  let wb: Workbench;

  after(async () => {
    await closeWorkbench(wb);
    removeSandbox(sb);
  });

  it('Enter on "errors in the compose files" shows the problems and starts nothing', async () => {
    sb = makeSandbox({ workspaceFrom: path.join(repoRoot, 'test/fixtures/workspace') });
    wb = await openWorkbench(sb);
    const page = wb.page;
    const me = new Person(page);
    await page.locator('.part.sidebar .monaco-list-row', { hasText: 'lint' }).first().waitFor({ timeout: 60_000 });
    await me.run('WA Cluster: Up (Start Services)…');
    await page.locator(quickInput, { hasText: 'Start which services of lint?' }).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await me.enterOnModal('The compose files of lint have', 'Show Problems');
    await page.locator('.markers-panel').first().waitFor({ timeout: 30_000 });
    await me.shot('05-lint-gate-enter');
    const started = await emulator.exec('docker', ['ps', '-aq', '--filter', 'label=com.docker.compose.project=lint']);
    assert.equal(started.stdout.trim(), '', 'nothing was started');
  });
});
