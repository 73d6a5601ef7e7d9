/**
 * The cluster explorer against a live emulated cluster, inside a real extension host: the tree
 * follows the source document's walkthrough (before registration → registered → 2 shards → spare
 * → failover), the status bar follows, and the failover is announced exactly once (the other
 * announcement cases are plain-Node tests of cluster/announcements.ts).
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

describe(`cluster explorer on an emulated cluster (extension host, Compose ${emulator.composeFlavor()})`, function () {
  this.timeout(240_000);
  const project = `waext${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let api: TestApi;
  let token = '';
  const registration = {
    cc: '1',
    phone_number: '6315550100',
    method: 'sms',
    cert: Buffer.from('{"vname":"Explorer Test"}').toString('base64'),
  };

  const tree = () => clusterTree(api, project);
  const clusterElement = () => tree().root();
  const descriptions = () => tree().descriptions();
  const rootDescription = () => tree().rootDescription();
  /** The finding rows under the cluster's root, by finding id (`no-spare`, `not-registered`, …). */
  const findingRow = (id: string): vscode.TreeItem | undefined => {
    const root = clusterElement();
    const element = (root ? api.tree.getChildren(root) : []).find((e) => e.kind === 'finding' && e.finding.id === id);
    return element ? api.tree.getTreeItem(element) : undefined;
  };

  before(async function () {
    ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort() });
    api = await activateExtension();
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('health.pollIntervalSeconds', 1, vscode.ConfigurationTarget.Global);
    token = await signInAsTheUserWould(api, ws);
    await vscode.commands.executeCommand('waCluster.nodes.focus');
  });

  after(async function () {
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('health.pollIntervalSeconds', undefined, vscode.ConfigurationTarget.Global);
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds the cluster in the workspace and infers its API URL from the web port', async () => {
    const root = await eventually('cluster root', clusterElement);
    assert.equal(root.session?.apiUrl, ws.baseUrl);
    assert.ok(root.session?.api, 'signed in');
  });

  it('before registration: db, web, masters, coreapps in order; the primary master unregistered', async () => {
    const d = await eventually('fixture-01 tree', () => {
      const x = descriptions();
      return Object.values(x).includes('primary master · unregistered') && Object.keys(x).length === 7 ? x : undefined;
    });
    // wacore3 is declared in the compose file but not started yet.
    assert.deepEqual(Object.keys(d), ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3']);
    assert.equal(d.wacore3, 'coreapp · not created');
    assert.match(rootDescription(), /not registered/);
    assert.match(api.statusBar.text, /WA unregistered/);
  });

  it('the "not registered" finding row runs Register Number for this cluster', async () => {
    const item = await eventually('the not-registered finding', () => findingRow('not-registered'));
    assert.equal(item.command?.command, 'waCluster.registerNumber');
    assert.deepEqual(item.command?.arguments, [clusterElement()?.sessionId]);
    assert.match(typeof item.tooltip === 'string' ? item.tooltip : (item.tooltip?.value ?? ''), /Register Number$/);
  });

  it('after registration: one coreapp connected, the other nodes standby (not failures)', async () => {
    assert.equal((await emulator.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal(
      (await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status,
      201,
    );
    const d = await eventually('fixture-02 tree', () => {
      const x = descriptions();
      const coreapps = [x.wacore1, x.wacore2].sort();
      return coreapps[0] === 'coreapp · connected' && coreapps[1] === 'coreapp · standby' ? x : undefined;
    });
    assert.deepEqual([d.master1, d.master2].sort(), ['primary master · standby', 'secondary master · standby']);
  });

  it('after 2 shards: both coreapps and the primary master connected, "2/2 shards connected"', async () => {
    const r = await emulator.api(ws, 'POST', '/v1/account/shards', {
      token,
      body: { ...registration, shards: 2, pin: undefined },
    });
    assert.equal(r.status, 201, r.text);
    await eventually('2/2 shards', () => /2\/2 shards connected/.test(rootDescription()) || undefined);
    const d = descriptions();
    assert.equal(d.wacore1, 'coreapp · connected');
    assert.equal(d.wacore2, 'coreapp · connected');
    assert.ok(Object.values(d).includes('primary master · connected'));
    await eventually('status bar 2/2', () => /WA 2\/2( |$)/.test(api.statusBar.text) || undefined);
  });

  it('with 2 shards on 2 coreapps: the "no spare" row runs Add Coreapp, and the amber status bar says why in its tooltip', async () => {
    const item = await eventually('the no-spare finding', () => findingRow('no-spare'));
    assert.match(
      typeof item.label === 'string' ? item.label : (item.label?.label ?? ''),
      /no spare, one failure drops half the traffic/,
    );
    assert.equal(item.command?.command, 'waCluster.addCoreapp');
    assert.deepEqual(item.command?.arguments, [clusterElement()?.sessionId]);
    const tooltip = await eventually('the amber tooltip names the reason', () =>
      api.statusBar.tooltip.includes(`${project}: `) && /• .*no spare/.test(api.statusBar.tooltip)
        ? api.statusBar.tooltip
        : undefined,
    );
    assert.match(tooltip, /• .*no spare, one failure drops half the traffic\./);
  });

  it('a third coreapp shows as standby (the spare)', async () => {
    await emulator.up(ws, ['wacore3']);
    const d = await eventually(
      'wacore3 standby',
      () => (descriptions().wacore3 === 'coreapp · standby' ? descriptions() : undefined),
      45_000,
    );
    assert.equal(Object.keys(d).length, 7);
  });

  it('a failover is reflected in the tree and announced exactly once', async () => {
    const p = await emulator.api(ws, 'PATCH', '/v1/settings/application', {
      token,
      body: { heartbeat_interval: 1, unhealthy_interval: 3 },
    });
    assert.equal(p.status, 200, p.text);
    const dialogs = answerDialogs();
    const victim = 'wacore1';
    await emulator.compose(ws, ['stop', '-t', '1', victim]);
    await eventually(
      'spare took over',
      () => {
        const x = descriptions();
        return x.wacore3 === 'coreapp · connected' &&
          x.wacore2 === 'coreapp · connected' &&
          /^coreapp · stopped/.test(x[victim] ?? '')
          ? x
          : undefined;
      },
      30_000,
    );
    await eventually('2/2 shards again', () => /2\/2 shards connected/.test(rootDescription()) || undefined);
    await new Promise((r) => setTimeout(r, 3000)); // a few more polls: nothing may be announced twice
    dialogs.restore();
    const failovers = dialogs.shown.filter((a) => /failover/.test(a.message));
    assert.equal(failovers.length, 1, JSON.stringify(dialogs.shown));
    assert.match(failovers[0]?.message ?? '', /wacore3 took over from wacore1/);
    assert.equal(failovers[0]?.severity, 'warning');
    assert.deepEqual(failovers[0]?.items, ['Show Cluster']);
  });
});
