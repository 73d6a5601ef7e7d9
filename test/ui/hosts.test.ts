/**
 * One cluster across three hosts as a person sees it: the multi-host bench (real dockerd engines in
 * network namespaces, reached over unix://, ssh:// and tcp+TLS) writes its inventory into the
 * workspace; code-server in headless Chromium shows the Hosts group and every node with its host,
 * at the default poll interval. The screenshot test-results/screenshots/hosts-01-tree-across-hosts.png
 * is README's (media/screenshots/hosts.png, kept as a 256-colour palette PNG: the screenshots ship in
 * the package, which stays under 1 MB).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { makeSandbox, type Sandbox } from '../support/codeServer';
import * as emulator from '../emulator/src/harness';
import * as mh from '../emulator/src/multihost';
import {
  closeWorkbench,
  openWorkbench,
  removeSandbox,
  row,
  runCommand,
  screenshots,
  signInThroughDialogs,
  waitForRows,
  type Workbench,
} from './support';

// Slot 5 (10.213.82.0/24, names wa5-…): slots 1–3 are the docker-tier suites', 4 the extension host's.
// Under Compose v1 the slot is 10 above (legSlot): that leg runs beside the v2 one.
const SLOT = emulator.legSlot(5);

describe(`one cluster across three hosts in the explorer UI (code-server + Chromium, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(300_000);
  let sb: Sandbox;
  let wb: Workbench;
  let page: Page;
  let bench: mh.Bench;
  const services = ['waweb', 'master', 'wacore'];
  /** The node rows in tree order: db, then the webs, the masters, the coreapps, each of every host. */
  const byRole = () => ['db/db', ...services.flatMap((s) => bench.hosts.map((x) => `${x.name}/${s}`))];
  const nodeNames = (rows: string[]) =>
    rows.map((r) => /^((?:db|host\d)\/(?:db|waweb|master|wacore))/.exec(r)?.[1]).filter((n) => n !== undefined);
  /** A host's row in the Hosts group: its name, then "Docker <version> · <n> ms". */
  const hostRow = (rows: string[], name: string) =>
    rows.find((r) => new RegExp(`^${name} ?(Docker|unreachable|not reached)`).test(r)) ?? '';

  before(async () => {
    await mh.stopHosts({ slot: SLOT, volumes: true }); // a run killed half-way left something behind
    sb = makeSandbox();
    bench = await mh.startHosts({ slot: SLOT, hosts: 3, dir: path.join(sb.workspace, 'hosts') });
    wb = await openWorkbench(sb);
    page = wb.page;
  });

  after(async () => {
    await closeWorkbench(wb);
    await mh.stopHosts({ slot: SLOT, volumes: true });
    removeSandbox(sb);
  });

  it('signs in through the real dialogs; every node of every host under its role, and the Hosts group with each engine', async () => {
    await signInThroughDialogs(page);
    const rows = await waitForRows(page, 'the Hosts group and 10 nodes', (r) => {
      const hosts = ['db', ...bench.hosts.map((x) => x.name)].map((n) => hostRow(r, n));
      return nodeNames(r).length === 10 && hosts.every((h) => /Docker \d+\.\d+\S* · \d+ ms$/.test(h));
    });
    assert.deepEqual(nodeNames(rows), byRole());
    // The group's row ("Hosts" then "4 hosts": no separator in innerText, so not row()).
    assert.ok(
      rows.some((r) => /^Hosts ?4 hosts$/.test(r)),
      JSON.stringify(rows),
    );
    assert.match(row(rows, 'db/db'), /database · running$/);
    assert.ok(
      bench.hosts.every((x) => /web · running$/.test(row(rows, `${x.name}/waweb`))),
      JSON.stringify(rows),
    );
    assert.ok(
      rows.some((r) => /primary master · unregistered$/.test(r)),
      JSON.stringify(rows),
    );
  });

  it('registered with 2 shards: two coreapps on two hosts connected, the spare on the third standby (screenshot)', async () => {
    // Registered through the API (the Register Number and Set Shards flows have their own UI tests).
    const token = await emulator.login(bench.webUrl);
    const account = {
      cc: '1',
      phone_number: '6315550400',
      method: 'sms',
      cert: Buffer.from('{"vname":"Hosts UI"}').toString('base64'),
    };
    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account', { token, body: account })).status, 202);
    const verify = { token, body: { code: '123456' } };
    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account/verify', verify)).status, 201);
    const shards = { token, body: { ...account, shards: 2 } };
    assert.equal((await emulator.api(bench.webUrl, 'POST', '/v1/account/shards', shards)).status, 201);
    const coreapps = (r: string[]) =>
      bench.hosts.map((x) => /coreapp · (\w+)$/.exec(row(r, `${x.name}/wacore`))?.[1] ?? '').sort();
    const rows = await waitForRows(
      page,
      '2/2 shards, a spare',
      (r) => /2\/2 shards connected/.test(r[0] ?? '') && coreapps(r).join() === 'connected,connected,standby',
      { timeoutMs: 90_000, failureShot: 'hosts-failure.png' },
    );
    assert.deepEqual(nodeNames(rows), byRole());
    assert.deepEqual(
      bench.hosts.map((x) => /((?:primary|secondary) master · \w+)$/.exec(row(rows, `${x.name}/master`))?.[1]).sort(),
      ['primary master · connected', 'secondary master · standby', 'secondary master · standby'],
    );
    // A wider sidebar, so every row reads in full; no toast or hover over the tree.
    await runCommand(page, 'Notifications: Clear All Notifications');
    const sidebar = await page.locator('.part.sidebar').boundingBox();
    assert.ok(sidebar);
    const y = sidebar.y + sidebar.height / 2;
    await page.mouse.move(sidebar.x + sidebar.width, y);
    await page.mouse.down();
    await page.mouse.move(sidebar.x + 560, y, { steps: 10 });
    await page.mouse.up();
    await page.mouse.move(1300, 600);
    await page.waitForTimeout(500);
    const final = await waitForRows(page, 'still 2/2 after the resize', (r) =>
      /2\/2 shards connected/.test(r[0] ?? ''),
    );
    assert.deepEqual(nodeNames(final), byRole());
    await page.screenshot({ path: path.join(screenshots, 'hosts-01-tree-across-hosts.png') });
  });
});
