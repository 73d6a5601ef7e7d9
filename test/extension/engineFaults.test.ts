/**
 * Engine faults as the view shows them (issue #12, item 2), inside a real extension host: the
 * Docker host setting points at a proxy in front of the real daemon; the engine goes away, comes
 * back too old, then right. The view shows the classified state (the welcome content picked by
 * waCluster.state / waCluster.dockerProblem), recovers by itself, and afterwards holds one /events
 * stream for the cluster and no container polling, counted on the wire by the proxy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { ViewStates } from '../../src/cluster/viewState';
import { type TestApi } from '../../src/extension';
import { type ClusterElement } from '../../src/views/clusterTreeProvider';
import * as emulator from '../emulator/src/harness';
import { DockerProxy } from '../support/dockerProxy';
import { activateExtension, discovered, until, workspaceRoot } from './support';

describe('engine faults in the explorer (extension host, Docker behind a fault proxy)', function () {
  this.timeout(180_000);
  const project = `waengfault${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  const proxy = new DockerProxy(path.join(os.tmpdir(), `wa-ext-engine-${process.pid}.sock`));
  let ws: emulator.Workspace;
  let api: TestApi;

  const root = () =>
    api.tree
      .getChildren()
      .find((e): e is ClusterElement => e.kind === 'cluster' && e.session?.cluster.projectName === project);
  const dbShown = () => {
    const r = root();
    return r
      ? api.tree
          .getChildren(r)
          .some(
            (e) =>
              e.kind === 'node' &&
              e.name === 'db' &&
              /running|up/i.test(String(api.tree.getTreeItem(e).description ?? '')),
          )
      : false;
  };
  const problem = () => api.sessions.all.find((s) => s.cluster.projectName === project)?.snapshot?.engine.problem?.kind;

  before(async function () {
    ws = emulator.writeWorkspace({ dir, project, webPort: await emulator.freePort() });
    await emulator.up(ws, ['db']);
    await proxy.start();
    api = await activateExtension();
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('docker.host', `unix://${proxy.path}`, vscode.ConfigurationTarget.Global);
    await discovered(api, project);
    await vscode.commands.executeCommand('waCluster.nodes.focus');
  });

  after(async function () {
    await vscode.workspace
      .getConfiguration('waCluster')
      .update('docker.host', undefined, vscode.ConfigurationTarget.Global);
    await proxy.stop();
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the cluster through the proxy, with one /events stream for it', async () => {
    await until('db shown running', () => api.sessions.viewState() === ViewStates.ready && dbShown(), 60_000);
    await until('one /events stream for the cluster', () => proxy.eventsOpenFor(project) === 1, 10_000);
  });

  it('engine gone: the view says the daemon is not running; an engine too old: says so; then it recovers by itself', async () => {
    await proxy.stop();
    await until(
      '"daemon not running" in the view',
      () => api.sessions.viewState() === ViewStates.dockerUnreachable && problem() === 'daemonDown',
      30_000,
    );
    assert.deepEqual(api.tree.getChildren(), [], 'the welcome content for the problem shows instead of a stale tree');
    assert.match(api.sessions.dockerProblemMessage() ?? '', /not running/);

    proxy.tooOld = true;
    await proxy.start();
    await until(
      '"API too old" in the view',
      () => api.sessions.viewState() === ViewStates.dockerUnreachable && problem() === 'apiTooOld',
      30_000,
    );
    assert.match(api.sessions.dockerProblemMessage() ?? '', /API 1\.24/);

    await proxy.stop();
    proxy.tooOld = false;
    await proxy.start();
    await until(
      'the tree back with db running',
      () => api.sessions.viewState() === ViewStates.ready && dbShown(),
      30_000,
    );
  });

  it('afterwards: exactly one /events stream for the cluster and no container polling while events flow', async () => {
    await until('one /events stream after recovery', () => proxy.eventsOpenFor(project) === 1, 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 5000));
    const lists = proxy.count('/containers/json', t0);
    console.log(
      `      after recovery: ${proxy.eventsOpenFor(project)} /events stream(s) for the cluster, ${proxy.eventsOpen} in all, ${lists} container lists in 5 s`,
    );
    assert.equal(proxy.eventsOpenFor(project), 1);
    assert.ok(lists <= 1, `no container poll loop while events flow (${lists})`);
  });
});
