/**
 * The window reloaded in the middle of an Upgrade (issue #12, "Data safety"), at the emulator's
 * default intervals: code-server in headless Chromium, Upgrade started through the real pickers
 * and modal, the browser page reloaded while the DB upgrade runs (code-server starts a new
 * extension host; the test watches the old one end). The new window says the upgrade was
 * interrupted and what to do, which must match what the engine shows; the cluster runs the old
 * version with .env naming it, volumes and data unchanged, and no DB upgrade container is left
 * running. Screenshot: test-results/screenshots/upgrade-reload.png.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeSandbox, waitForWorkbench, type Sandbox } from '../support/codeServer';
import { projectVolumes } from '../support/projectVolumes';
import * as emulator from '../emulator/src/harness';
import { closeWorkbench, openWorkbench, removeSandbox, runCommand, screenshots, type Workbench } from './support';

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string;
}

async function processes(): Promise<Proc[]> {
  const out = await emulator.exec('ps', ['-eo', 'pid=,ppid=,args=']);
  return out.stdout
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
}

describe(`Upgrade: the window reloaded during the DB upgrade (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  const project = `waupreload${process.pid}`;
  let sb: Sandbox;
  let wb: Workbench;
  let ws: emulator.Workspace;
  let dir = '';

  const toasts = async (): Promise<string[]> =>
    (await wb.page.locator('.notifications-toasts .notification-toast').allInnerTexts()).map((t) =>
      t.replace(/\s+/g, ' '),
    );

  /** The extension hosts of this code-server, and the processes each has started (Compose, docker). */
  async function extensionHosts(): Promise<{ pid: number; children: string[] }[]> {
    const all = await processes();
    const server = all.find((p) => p.args.includes(`--user-data-dir ${sb.userDataDir}`));
    assert.ok(server, 'the code-server process');
    const below = new Set([server.pid]);
    for (let grew = true; grew;) {
      grew = false;
      for (const p of all) {
        if (below.has(p.ppid) && !below.has(p.pid)) {
          below.add(p.pid);
          grew = true;
        }
      }
    }
    return all
      .filter((p) => below.has(p.pid) && /--type=extensionHost/.test(p.args))
      .map((p) => ({ pid: p.pid, children: all.filter((c) => c.ppid === p.pid).map((c) => c.args) }));
  }

  const upgradeContainers = async (filter: string[] = []) =>
    (
      await emulator.exec('docker', [
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--filter',
        'label=com.docker.compose.service=dbupgrade',
        ...filter,
        '--format',
        '{{.Names}} {{.State}}',
      ])
    ).stdout
      .split('\n')
      .filter(Boolean);

  /** Volumes, .env, compose files, the containers of the nodes (id and image) and what the database holds. */
  async function dataState(): Promise<Record<string, unknown>> {
    const volumes = await projectVolumes((args) => emulator.exec('docker', args), project);
    const composeFiles = Object.fromEntries(
      fs
        .readdirSync(dir)
        .filter((n) => /\.ya?ml$/.test(n))
        .map((f) => [
          f,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(path.join(dir, f)))
            .digest('hex'),
        ]),
    );
    const nodes: string[] = [];
    for (const service of emulator.HA_SERVICES) {
      const id = await emulator.containerIdOf(ws, service);
      nodes.push(
        `${service} ${id} ${(await emulator.exec('docker', ['inspect', '-f', '{{.Config.Image}}', id])).stdout.trim()}`,
      );
    }
    const state = (await emulator.api(ws, 'GET', '/_emulator/state')).body as Record<string, unknown>;
    return {
      volumes,
      env: fs.readFileSync(path.join(dir, '.env'), 'utf8'),
      composeFiles,
      nodes,
      registration: state.registration,
      shards: state.shards,
    };
  }

  async function waitForToast(what: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let seen: string[] = [];
    while (Date.now() < deadline) {
      seen = await toasts();
      const hit = seen.find((t) => what.test(t));
      if (hit) {
        return hit;
      }
      await wb.page.waitForTimeout(250);
    }
    throw new Error(`no toast ${String(what)} within ${timeoutMs} ms; toasts: ${JSON.stringify(seen)}`);
  }

  before(async () => {
    sb = makeSandbox({ settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    dir = path.join(sb.workspace, project);
    // No interval overrides. The DB upgrade of a large database takes a while (20 s): long enough to reload in the middle.
    ws = await emulator.startCluster({
      dir,
      project,
      webPort: await emulator.freePort(),
      env: { WA_EMULATOR_MIGRATION_MS: 20_000 },
    });
    const token = await emulator.login(ws);
    const registration = { cc: '1', phone_number: '6315550202', method: 'sms', cert: 'Y2VydA==' };
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    wb = await openWorkbench(sb);
    await wb.page.locator('.part.sidebar .monaco-list-row', { hasText: project }).first().waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await closeWorkbench(wb);
    if (ws) {
      await emulator.down(ws, { volumes: true, files: ['multiconnect-compose.yml', 'dbupgrade-compose.yml'] });
    }
    removeSandbox(sb);
  });

  it('the new window says the upgrade was interrupted and what to do; the old version runs, .env, volumes and data unchanged, no DB upgrade left running', async () => {
    const before = await dataState();
    const hostsBefore = await extensionHosts();
    assert.equal(hostsBefore.length, 1, JSON.stringify(hostsBefore));

    await runCommand(wb.page, 'WA Cluster: Upgrade…');
    const picker = wb.page.locator('.quick-input-widget', { hasText: `Upgrade ${project}` });
    await picker.waitFor({ timeout: 30_000 });
    await wb.page.locator('.quick-input-widget .quick-input-box input').fill(emulator.NEW_VERSION);
    await wb.page.keyboard.press('Enter');
    await wb.page
      .locator('.quick-input-widget', { hasText: `Upgrade ${project} to ${emulator.NEW_VERSION}` })
      .waitFor({ timeout: 30_000 });
    await wb.page.locator('.quick-input-widget .quick-input-box input').fill('With the DB upgrade service');
    await wb.page.keyboard.press('Enter');
    const dialog = wb.page.locator('.monaco-dialog-box', {
      hasText: `Upgrade ${project} from ${emulator.OLD_VERSION} to ${emulator.NEW_VERSION}?`,
    });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.locator('.monaco-button', { hasText: /^Upgrade$/ }).click();

    await waitForToast(/Waiting for the DB upgrade/, 60_000);
    const during = await extensionHosts();
    const running = await upgradeContainers(['--filter', 'status=running']);
    assert.equal(running.length, 1, `the DB upgrade runs: ${JSON.stringify(await upgradeContainers())}`);
    console.log(`      before the reload: extension host ${JSON.stringify(during)}`);

    await wb.page.reload({ timeout: 120_000 });
    await waitForWorkbench(wb.page);
    const interrupted = await waitForToast(
      new RegExp(
        `The upgrade of ${project} from ${emulator.OLD_VERSION.replace(/\./g, '\\.')} to ${emulator.NEW_VERSION.replace(/\./g, '\\.')} was interrupted while the DB upgrade ran`,
      ),
      60_000,
    );
    const upgradeNow = await upgradeContainers();
    const hostsAfter = await extensionHosts();
    console.log(
      `      after the reload: extension hosts ${JSON.stringify(hostsAfter)}; DB upgrade ${JSON.stringify(upgradeNow)}`,
    );
    console.log(`      the new window says: ${interrupted}`);
    await wb.page.screenshot({ path: path.join(screenshots, 'upgrade-reload.png') });
    assert.ok(
      !hostsAfter.some((x) => x.pid === hostsBefore[0]!.pid),
      `the old extension host ${hostsBefore[0]!.pid} has ended: ${JSON.stringify(hostsAfter)}`,
    );

    // What the message says about the DB upgrade container is what the engine shows.
    if (upgradeNow.some((c) => / running$/.test(c))) {
      assert.match(
        interrupted,
        /its container \S+ is still running\. .*Let it finish: run neither Upgrade nor Up on 2\.53\.2/,
      );
    } else {
      // A slow reload: it finished before the new window looked.
      assert.match(interrupted, /its container \S+ has since finished with exit code 0\. .*run Upgrade again/);
    }
    // Left alone, as the message says, it runs to its end: the database is on the new schema, the nodes on the old version.
    const name = upgradeNow[0]!.split(' ')[0]!;
    const waited = await emulator.exec('docker', ['wait', name], { timeoutMs: 60_000 });
    assert.equal(waited.stdout.trim(), '0', `the DB upgrade exited with 0: ${waited.stdout}${waited.stderr}`);
    assert.match((await emulator.exec('docker', ['logs', name])).stdout, /Database upgrade completed successfully/);
    assert.deepEqual(
      await upgradeContainers(['--filter', 'status=running']),
      [],
      'no DB upgrade container left running',
    );
    assert.deepEqual(await dataState(), before);
    await emulator.waitForHealth(ws, (b) => b.meta?.version === `v${emulator.OLD_VERSION}`, {
      token: await emulator.login(ws),
      timeoutMs: 30_000,
    });
  });
});
