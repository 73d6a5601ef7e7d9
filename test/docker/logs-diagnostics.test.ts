import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { WaApiClient } from '../../src/api/client';
import { collectDiagnosticsBundle } from '../../src/cluster/diagnosticsBundle';
import { ComposeRunner, detectCompose } from '../../src/docker/compose';
import { type FollowNote, followContainer } from '../../src/docker/follow';
import { type DockerodeClient } from '../../src/docker/client';
import { ComposeLabels, type LogLine } from '../../src/docker/types';
import { interleave } from '../../src/util/interleave';
import { isOwnHealthPoll } from '../../src/util/logFilter';
import * as h from '../emulator/src/harness';
import { dockerClient, pinnedTransport } from '../fakes/engineWatch';
import { testResultsDir } from '../support/paths';

/**
 * Issue 6, Done-when: "The diagnostics bundle of the emulator cluster contains every node's logs
 * and no password or token (a test greps the bundle for the secrets it used)". Real Docker, the
 * emulated cluster, plus one extra container of the same project that prints secrets into its log.
 */
describe('logs and diagnostics bundle (Docker + emulator)', function () {
  this.timeout(240_000);
  const project = `logsdiag${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-logs-'));
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bundle-'));
  const leakyName = `${project}-leaky-1`;
  const LEAK_SECRET = `leak-${process.pid}-Zq8wX3`;
  const LEAK_BASIC = Buffer.from(`admin:basic-${process.pid}-pw`).toString('base64');
  let ws: h.Workspace;
  let docker: DockerodeClient;
  let token: string;
  const raw = new Dockerode();

  before(async function () {
    await h.buildImages();
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort() });
    await h.up(ws, h.HA_SERVICES);
    await h.waitForHealth(ws, (b) => Object.keys(b.health).length === 4, { timeoutMs: 60_000 });
    token = await h.login(ws);
    docker = dockerClient();
    // A container of the same project that logs credentials (and carries one in its environment).
    const c = await raw.createContainer({
      name: leakyName,
      Image: h.coreappImage(ws.version),
      Entrypoint: [
        'node',
        '-e',
        [
          'console.log("I 2026-01-01 0:00:00.000 UTC 1 leaky.cpp:1] starting");',
          'console.log("GET /v1/health Authorization: Bearer " + process.env.LEAK_TOKEN);',
          'console.log("Authorization: Basic " + process.env.LEAK_BASIC);',
          'console.error("E 2026-01-01 0:00:01.000 UTC 1 db.cpp:7] connect failed with password=" + process.env.WA_DB_PASSWORD);',
          'console.log("raw value in text: " + process.env.LEAKY_API_KEY + " done");',
          'setInterval(() => {}, 1000);',
        ].join('\n'),
      ],
      Cmd: [],
      Env: [
        `LEAK_TOKEN=${token}`,
        `LEAK_BASIC=${LEAK_BASIC}`,
        'WA_DB_PASSWORD=testpass',
        `LEAKY_API_KEY=${LEAK_SECRET}`,
      ],
      Labels: {
        [ComposeLabels.project]: project,
        [ComposeLabels.service]: 'leaky',
        [ComposeLabels.number]: '1',
        [ComposeLabels.oneoff]: 'False',
      },
    });
    await c.start();
  });

  after(async function () {
    await raw
      .getContainer(leakyName)
      .remove({ force: true })
      .catch(() => undefined);
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it("follows a node's log with timestamps and interleaves all nodes by time", async () => {
    const containers = await docker.listContainers(project);
    assert.equal(containers.length, h.HA_SERVICES.length + 1);
    const sources: { source: string; lines: LogLine[] }[] = [];
    for (const c of containers) {
      const lines: LogLine[] = [];
      const ac = new AbortController();
      // Follow, take what is there, stop: what the log view does until its editor closes.
      const done = docker.logs(c.id, { follow: true, tail: 50, timestamps: true, signal: ac.signal }, (l) =>
        lines.push(l),
      );
      await new Promise((r) => setTimeout(r, 700));
      ac.abort();
      await done;
      assert.ok(lines.length > 0, `no log lines from ${c.service ?? c.name}`);
      assert.ok(
        lines.every((l) => l.timestamp),
        "every line has Docker's timestamp",
      );
      sources.push({ source: c.service ?? c.name, lines });
    }
    const merged = interleave(sources);
    assert.equal(
      merged.length,
      sources.reduce((n, s) => n + s.lines.length, 0),
    );
    for (let i = 1; i < merged.length; i++) {
      assert.ok(Date.parse(merged[i - 1]!.timestamp!) <= Date.parse(merged[i]!.timestamp!), 'ordered by time');
    }
  });

  it("writes a bundle with every node's logs and none of the secrets it used", async () => {
    // As the extension picks it: detected for v2, the waCluster.compose.command setting for v1.
    const composeCommand = await detectCompose({ configured: h.composeSetting(ws.compose) });
    assert.equal(composeCommand?.flavor, ws.compose, 'the Compose of this run is installed');
    const compose = new ComposeRunner(composeCommand, {
      files: [path.join(dir, ws.composeFile)],
      projectName: project,
      projectDirectory: dir,
    });
    const { transport } = await pinnedTransport(ws.baseUrl);
    const api = new WaApiClient({
      baseUrl: ws.baseUrl,
      transport,
      auth: { kind: 'basic', user: 'admin', password: h.DEFAULT_PASSWORD },
    });
    const result = await collectDiagnosticsBundle({
      docker,
      project,
      api,
      compose,
      sinceMs: Date.now() - 3600_000,
      windowLabel: 'last hour',
      outDir,
      extensionVersion: '0.1.0-test',
      // What the extension passes: the API password it keeps in SecretStorage.
      knownSecrets: [h.DEFAULT_PASSWORD],
    });
    // Only the zip is left; its contents are checked unpacked.
    assert.ok(result.zipPath);
    assert.equal(result.folder, undefined);
    assert.deepEqual(fs.readdirSync(outDir), [`${result.name}.zip`]);
    assert.equal(spawnSync('unzip', ['-tq', result.zipPath]).status, 0, 'unzip -t accepts the zip');
    const unpacked = fs.mkdtempSync(path.join(outDir, 'unzipped-'));
    assert.equal(spawnSync('unzip', ['-q', result.zipPath, '-d', unpacked]).status, 0);
    const folder = path.join(unpacked, result.name);
    const readme = fs.readFileSync(path.join(folder, 'README.txt'), 'utf8');
    assert.equal(result.failed, 0, readme);
    for (const s of [...h.HA_SERVICES, 'leaky']) {
      const log = fs.readFileSync(path.join(folder, 'logs', `${s}.log`), 'utf8');
      assert.ok(log.trim().split('\n').length > 0 && log.trim() !== '', `logs/${s}.log is empty`);
      assert.match(log, /^\d{4}-\d\d-\d\dT[\d:.]+Z /m, `logs/${s}.log has Docker timestamps`);
      assert.ok(fs.existsSync(path.join(folder, 'inspect', `${s}.json`)), `inspect/${s}.json`);
    }
    const leaky = fs.readFileSync(path.join(folder, 'logs', 'leaky.log'), 'utf8');
    assert.match(leaky, /Authorization: Bearer \*\*\*/);
    assert.match(leaky, /password=\*\*\*/);
    assert.match(leaky, /raw value in text: \*\*\* done/);
    for (const f of ['compose-config.yml', 'api/health.json', 'api/support.json', 'versions.json', 'containers.txt']) {
      assert.ok(fs.statSync(path.join(folder, f)).size > 2, f);
    }
    // health.json keeps the node keys (COREAPP_HOSTNAME:container id); the raw answer is kept as sent.
    const health = JSON.parse(fs.readFileSync(path.join(folder, 'api/health.json'), 'utf8')) as {
      nodes: Record<string, unknown>;
    };
    const nodeKeys = Object.keys(health.nodes).sort();
    assert.equal(nodeKeys.length, 4, JSON.stringify(health));
    for (const k of nodeKeys) {
      assert.match(k, /^(master|wacore)\d:[0-9a-f]{12}$/);
    }
    const answer = JSON.parse(fs.readFileSync(path.join(folder, 'api/health-answer.json'), 'utf8')) as {
      health: Record<string, unknown>;
      meta: { version: string };
    };
    assert.deepEqual(Object.keys(answer.health).sort(), nodeKeys);
    assert.ok(answer.meta.version);
    const versions = JSON.parse(fs.readFileSync(path.join(folder, 'versions.json'), 'utf8')) as {
      cluster: string | null;
      docker: { version: string } | null;
    };
    assert.match(versions.cluster ?? '', new RegExp(h.OLD_VERSION.replace(/\./g, '\\.')));
    assert.ok(versions.docker?.version);

    // grep the unpacked zip for every secret the cluster and this test used.
    const secrets = ['testpass', h.DEFAULT_API_KEY, h.DEFAULT_PASSWORD, token, LEAK_SECRET, LEAK_BASIC];
    for (const s of secrets) {
      const g = spawnSync('grep', ['-rlF', '--', s, unpacked], { encoding: 'utf8' });
      assert.equal(g.status, 1, `secret ${s.slice(0, 4)}… found in ${g.stdout}`);
    }
    // Keep a copy for people to look at (test-results/ is git-ignored).
    fs.mkdirSync(testResultsDir, { recursive: true });
    fs.copyFileSync(result.zipPath, path.join(testResultsDir, 'diagnostics-bundle.zip'));
  });
  it("tells the web's access-log lines of our own health polling from another client's", async () => {
    const { transport } = await pinnedTransport(ws.baseUrl);
    const api = new WaApiClient({ baseUrl: ws.baseUrl, transport, auth: { kind: 'apikey', key: h.DEFAULT_API_KEY } });
    const since = Math.floor(Date.now() / 1000) - 1;
    await api.health();
    // Someone else asks the same thing (the harness's own HTTPS client, like curl or a monitor).
    assert.equal((await h.api(ws, 'GET', '/v1/health', { apiKey: h.DEFAULT_API_KEY })).status, 200);
    const [web] = (await docker.listContainers(project)).filter((c) => c.service === 'waweb');
    assert.ok(web);
    const lines: string[] = [];
    await docker.logs(web.id, { follow: false, since }, (l) => lines.push(l.text));
    const polls = lines.filter((l) => /"GET \/v1\/health HTTP/.test(l));
    // Our request is ours (so may be an earlier test's session polling within that second); the other client's is not.
    assert.ok(polls.filter((l) => isOwnHealthPoll(l)).length >= 1, JSON.stringify(polls));
    assert.ok(
      polls.some((l) => !isOwnHealthPoll(l) && l.endsWith('"-"')),
      JSON.stringify(polls),
    );
  });

  it("a followed node's log goes on through a restart and, after Compose recreated the node, from the new container", async () => {
    const [first] = (await docker.listContainers(project)).filter((c) => c.service === 'wacore2');
    assert.ok(first);
    const lines: LogLine[] = [];
    const notes: FollowNote[] = [];
    /** Each note with the lines seen before it, to check it sorts between its neighbours. */
    const noteTimes: { note: FollowNote; at: string; linesBefore: number }[] = [];
    const ac = new AbortController();
    const following = followContainer(
      docker,
      first.id,
      20,
      ac.signal,
      (l) => lines.push(l),
      (n, at) => {
        notes.push(n);
        noteTimes.push({ note: n, at, linesBefore: lines.length });
      },
      300,
    ).catch((e: unknown) => {
      if (!ac.signal.aborted) {
        throw e;
      }
    });
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const deadline = Date.now() + 60_000;
      while (!ok()) {
        assert.ok(Date.now() < deadline, `${what}: notes ${JSON.stringify(notes)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      await until('first lines', () => lines.length > 0);
      await h.exec('docker', ['restart', '-t', '1', first.id]);
      await until('restart', () => notes.join() === 'stopped,running');
      await until('lines after the restart', () => lines.length > noteTimes[1]!.linesBefore);
      // The markers carry the container's own stop and start times: in time order with the lines.
      const [stopped, running] = noteTimes;
      const t = (ts: string | undefined): number => Date.parse(ts ?? '');
      assert.ok(t(stopped!.at) >= t(lines[stopped!.linesBefore - 1]?.timestamp), JSON.stringify(noteTimes));
      assert.ok(t(running!.at) >= t(stopped!.at));
      assert.ok(t(running!.at) <= t(lines[running!.linesBefore]?.timestamp), JSON.stringify(noteTimes));
      const beforeRecreate = lines.length;
      await h.compose(ws, ['up', '-d', '--force-recreate', '--no-deps', 'wacore2']);
      await until('recreate', () => notes.join() === 'stopped,running,stopped,recreated');
      const [second] = (await docker.listContainers(project)).filter((c) => c.service === 'wacore2');
      assert.ok(second && second.id !== first.id, 'Compose made a new container');
      // The new container's start-up lines arrive (its log begins with the coreapp's banner).
      await until('new container lines', () =>
        lines.slice(beforeRecreate).some((l) => /main\.cpp:\d+\] WhatsApp Business API coreapp/.test(l.text)),
      );
    } finally {
      ac.abort();
      await following;
    }
  });
});
