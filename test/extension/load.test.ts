/**
 * Load (issue #12): an emulated cluster of 2 masters and 33 coreapps (32 shards + 1 spare) watched
 * by a real extension host at the default poll interval. The tree and the status bar stay correct,
 * health polling never overlaps itself (the web counts the /v1/health requests open at once), the
 * host's own CPU time is measured (and bounded against a runaway), and a failover among 33 is announced once.
 * Bounded: 37 containers, one minute of watching, one failover.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import {
  activateExtension,
  answerDialogs,
  clusterTree,
  eventually,
  signInAsTheUserWould,
  workspaceRoot,
} from './support';

const COREAPPS = 33;
const SHARDS = 32;
/**
 * The bench's goal for the extension host's idle CPU with the view visible is 300 ms/min for the
 * 7-node cluster (test/bench/extensionHost). Measured here with 37 containers: about 800 ms/min
 * (above that goal: open, see the README's Reliability table); this bound only catches a runaway
 * (a poll loop that piles up would cost seconds per minute). 2999 ms/min was seen with a second test
 * run loading the 2 cores, so the bound leaves room for a busy machine.
 */
const RUNAWAY_MS_PER_MIN = 6000;

describe(`load: 2 masters and ${COREAPPS} coreapps, ${SHARDS} shards (extension host, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(600_000);
  const project = `waload${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  const coreapps = Array.from({ length: COREAPPS }, (_, i) => `wacore${i + 1}`);
  let ws: emulator.Workspace;
  let api: TestApi;
  let token = '';
  const registration = {
    cc: '1',
    phone_number: '6315550133',
    method: 'sms',
    cert: Buffer.from('{"vname":"Load Test"}').toString('base64'),
  };

  const tree = () => clusterTree(api, project);
  const descriptions = () => tree().descriptions();
  const rootDescription = () => tree().rootDescription();
  const coreappStates = () => {
    const d = descriptions();
    return {
      connected: coreapps.filter((c) => d[c] === 'coreapp · connected'),
      standby: coreapps.filter((c) => d[c] === 'coreapp · standby'),
    };
  };

  before(async function () {
    ws = await emulator.startCluster({
      dir,
      project,
      webPort: await emulator.freePort(),
      coreapps: COREAPPS,
      services: ['db', 'waweb', 'master1', 'master2', ...coreapps],
      wait: false,
    });
    await emulator.waitForHealth(ws, (h) => Object.keys(h.health).length >= COREAPPS + 2, {
      timeoutMs: 240_000,
      intervalMs: 2000,
    });
    token = await emulator.login(ws);
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    const r = await emulator.api(ws, 'POST', '/v1/account/shards', {
      token,
      body: { ...registration, shards: SHARDS },
    });
    assert.equal(r.status, 201, r.text);
    api = await activateExtension();
    await signInAsTheUserWould(api, ws);
    await vscode.commands.executeCommand('waCluster.nodes.focus');
  });

  after(async function () {
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the tree and the status bar: 32/32 shards connected, 32 coreapps connected and 1 spare standby', async () => {
    await eventually(
      '32/32 shards in the tree',
      () => /32\/32 shards connected/.test(rootDescription()) || undefined,
      240_000,
    );
    const states = await eventually('32 connected + 1 standby', () => {
      const s = coreappStates();
      return s.connected.length === SHARDS && s.standby.length === 1 ? s : undefined;
    });
    assert.equal(Object.keys(descriptions()).length, COREAPPS + 4, 'db, web, 2 masters, 33 coreapps');
    assert.equal(states.standby.length, 1);
    await eventually('status bar 32/32', () => /WA 32\/32( |$)/.test(api.statusBar.text) || undefined);
  });

  it('one minute of watching at the default interval: at most 1 /v1/health in flight (the web counts), extension-host CPU measured (runaway bound)', async () => {
    await emulator.tokenControl(ws, { resetCounts: true });
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 60_000));
    const used = process.cpuUsage(cpu0);
    const msPerMin = ((used.user + used.system) / 1000) * (60_000 / (Date.now() - t0));
    const counts = await emulator.tokenControl(ws);
    // The figures go to the test output for the README's table.
    console.log(
      `      load: ${msPerMin.toFixed(0)} ms CPU/min in the extension host; at most ${counts.maxHealthInFlight} /v1/health in flight`,
    );
    assert.equal(counts.maxHealthInFlight, 1, 'health was polled, one request at a time');
    assert.ok(msPerMin < RUNAWAY_MS_PER_MIN, `${msPerMin.toFixed(0)} ms/min`);
    assert.match(rootDescription(), /32\/32 shards connected/);
  });

  it('a failover among 33 coreapps is reflected in the tree and announced once', async () => {
    const p = await emulator.api(ws, 'PATCH', '/v1/settings/application', {
      token,
      body: { heartbeat_interval: 1, unhealthy_interval: 3 },
    });
    assert.equal(p.status, 200, p.text);
    const spare = coreappStates().standby[0]!;
    const victim = coreappStates().connected[0]!;
    const dialogs = answerDialogs();
    try {
      await emulator.compose(ws, ['stop', '-t', '1', victim]);
      await eventually(
        'the spare took over',
        () => {
          const d = descriptions();
          return d[spare] === 'coreapp · connected' && /^coreapp · stopped/.test(d[victim] ?? '') ? d : undefined;
        },
        60_000,
      );
      await eventually('32/32 again', () => /32\/32 shards connected/.test(rootDescription()) || undefined, 60_000);
      await new Promise((r) => setTimeout(r, 10_000)); // two more polls: nothing may be announced twice
    } finally {
      dialogs.restore();
    }
    const failovers = dialogs.shown.filter((a) => /failover/.test(a.message));
    assert.equal(failovers.length, 1, JSON.stringify(dialogs.shown));
    assert.match(failovers[0]!.message, new RegExp(`${spare} took over from ${victim}`));
  });
});
