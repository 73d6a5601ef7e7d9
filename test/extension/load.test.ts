/**
 * Load (issue #12): an emulated cluster of 2 masters and 33 coreapps (32 shards + 1 spare) watched
 * by a real extension host at the default poll interval. The tree and the status bar stay correct,
 * health polling never overlaps itself (the web counts the /v1/health requests open at once), our
 * share of the host's CPU (from a CPU profile of the host) stays under the bench's idle goal, the
 * whole host is bounded against a runaway, and a failover among 33 is announced once. Then a
 * workspace of 20 compose projects: each discovered by the file watcher and linted with its own
 * .env (how fast is the bench's `workspace20` case).
 * Bounded: 37 containers, one minute of watching, one failover; 20 projects without containers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../src/constants';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import {
  cpuPerSampledMs,
  cpuShare,
  describeShare,
  mainThreadCpuMs,
  perMinute,
  profileWhile,
} from '../support/cpuProfile';
import { sharedDir } from '../support/paths';
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
 * The bench's goal for the extension host's idle CPU with the view visible (test/bench/extensionHost),
 * held here by OUR share of the host with 37 containers: the samples of a CPU profile of the host
 * with a frame of our bundle on the stack, plus Node's HTTP/TLS reading our answers, plus garbage
 * collection and native time above the paused host (test/support/cpuProfile.ts), the sample time
 * scaled to the main thread's CPU time (a sample's time is wall time, waits for a core included).
 */
const IDLE_GOAL_MS_PER_MIN = 300;
/**
 * What this test holds OUR share to. Speed is the bench's to measure; a CPU-time figure moves with
 * the machine's load (on 2 cores: 149 and 288 ms/min alone, 360–373 beside other test runs), so the
 * test prints the figure against the goal and fails only at twice the goal: a regression (a poll
 * burst that does not stop, a whole tree rebuilt per poll), not a busy neighbour. The bound reads
 * only the samples that are ours for certain (a frame of our bundle, or Node's HTTP/TLS reading our
 * answers), since a regression shows there; garbage collection above the paused host is printed but
 * not bounded, because after every other suite of the tier the host's own collections land in the
 * watched minute too (a fresh-clone CI run: GC 1,395 ms/min watched vs 88 paused, with our samples
 * at 264).
 */
const OURS_BOUND_MS_PER_MIN = 2 * IDLE_GOAL_MS_PER_MIN;
/**
 * The whole host (process.cpuUsage) is only bounded against a runaway outside our bundle (the
 * workbench's own tree and IPC code when a poll loop piles up or every poll rebuilds the tree
 * costs seconds per minute), and only by what the watched minute costs above the same host with
 * our monitors paused: the host's own cost (code-server's extension host alone: 700–1100 ms/min
 * here, README "Performance"; the profiler's 1 ms sampling on top) is the machine's, and a
 * slower CI machine measured 7299–7806 ms/min for the whole host with our share under its bound.
 */
const RUNAWAY_MS_PER_MIN = 3000;

/**
 * A full garbage collection in the extension host, which runs without --expose-gc: the flag set at
 * run time exposes `gc` to contexts created after it.
 */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Our bundle (zod, yaml and dockerode are in it), as profile frames name their script. */
const ourBundle = path.join(vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? '', 'dist', 'extension.js');
const isOurBundle = (url: string): boolean => (url.startsWith('file:') ? fileURLToPath(url) : url) === ourBundle;

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

  it("one minute of watching at the default interval: at most 1 /v1/health in flight (the web counts), our share of the extension host's CPU measured against the idle goal (bounded at twice it)", async () => {
    await emulator.tokenControl(ws, { resetCounts: true });
    // The suites before this one leave the host garbage: collect it now, or its collection lands in
    // the watched minute and reads as ours (a CI run: GC 700 ms/min watched, 229 paused after it).
    collectGarbage();
    const cpu0 = process.cpuUsage();
    const thread0 = mainThreadCpuMs();
    const t0 = Date.now();
    const { profile } = await profileWhile(() => new Promise((r) => setTimeout(r, 60_000)), 1000);
    const used = process.cpuUsage(cpu0);
    const threadCpuMs = mainThreadCpuMs() - thread0;
    const hostMsPerMin = ((used.user + used.system) / 1000) * (60_000 / (Date.now() - t0));
    const counts = await emulator.tokenControl(ws);
    // The same host with our monitors paused, at once: its garbage collection and native time are
    // the host's own, so what the watched minute has above them is ours too.
    api.sessions.setActive(false);
    collectGarbage();
    const pausedCpu0 = process.cpuUsage();
    const pausedT0 = Date.now();
    const baseline = await profileWhile(() => new Promise((r) => setTimeout(r, 20_000)), 1000);
    const pausedUsed = process.cpuUsage(pausedCpu0);
    const pausedHostMsPerMin = ((pausedUsed.user + pausedUsed.system) / 1000) * (60_000 / (Date.now() - pausedT0));
    api.sessions.setActive(true);
    const share = cpuShare(profile, isOurBundle);
    const paused = cpuShare(baseline.profile, isOurBundle);
    const sharedExtra = Math.max(
      0,
      perMinute(share, share.gcMs + share.programMs) - perMinute(paused, paused.gcMs + paused.programMs),
    );
    // Sample time is wall time: on a busy machine it holds waits for a core. Scaled to the main
    // thread's CPU time, it is what our code cost in CPU.
    const cpuScale = cpuPerSampledMs(share, threadCpuMs);
    const oursSampled = perMinute(share, share.oursJsMs + share.oursIoMs) * cpuScale;
    const oursPerMin = oursSampled + sharedExtra * cpuScale;
    // The figures go to the test output for the README's table.
    console.log(
      [
        `      load: ours ${oursPerMin.toFixed(0)} ms CPU/min (goal ${IDLE_GOAL_MS_PER_MIN}: ${oursPerMin < IDLE_GOAL_MS_PER_MIN ? 'met' : 'NOT met'}; bundle + HTTP/TLS + GC and native time above the paused host's ${(sharedExtra * cpuScale).toFixed(0)}, sample time × ${cpuScale.toFixed(2)}: the main thread's CPU time ${perMinute(share, threadCpuMs).toFixed(0)} ms/min over its busy samples) of the extension host's ${hostMsPerMin.toFixed(0)} (process.cpuUsage, profiler included; ${pausedHostMsPerMin.toFixed(0)} with the monitors paused); at most ${counts.maxHealthInFlight} /v1/health in flight`,
        describeShare(share),
        `monitors paused (20 s): ${describeShare(paused).split('\n')[1]}`,
      ].join('\n        '),
    );
    assert.equal(counts.maxHealthInFlight, 1, 'health was polled, one request at a time');
    assert.ok(
      oursSampled < OURS_BOUND_MS_PER_MIN,
      `ours: ${oursSampled.toFixed(0)} ms/min sampled (${oursPerMin.toFixed(0)} with GC above the paused host)\n${describeShare(share)}`,
    );
    assert.ok(
      hostMsPerMin - pausedHostMsPerMin < RUNAWAY_MS_PER_MIN,
      `the whole host: ${hostMsPerMin.toFixed(0)} ms/min watching, ${pausedHostMsPerMin.toFixed(0)} paused`,
    );
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

describe('load: a workspace with 20 compose projects (extension host)', function () {
  this.timeout(300_000);
  const PROJECTS = 20;
  const root = path.join(workspaceRoot, `wamany${process.pid}`);
  const vendor = path.join(sharedDir, 'fixtures', 'compose', 'installation');
  const projects = Array.from({ length: PROJECTS }, (_, i) => `wamany${process.pid}-${i + 1}`);
  const composeOf = (p: string) => vscode.Uri.file(path.join(root, p, 'multiconnect-compose.yml'));
  // Each project's own .env gives it its own version; the last one has none (its lint says so).
  const versionOf = (i: number) => (i < PROJECTS - 1 ? `2.53.${i + 1}` : undefined);
  let api: TestApi;

  before(async function () {
    api = await activateExtension();
    projects.forEach((p, i) => {
      const dir = path.join(root, p);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of ['multiconnect-compose.yml', 'db.env']) {
        fs.copyFileSync(path.join(vendor, f), path.join(dir, f));
      }
      const version = versionOf(i);
      fs.writeFileSync(path.join(dir, '.env'), version ? `WA_API_VERSION=${version}\n` : '# no version\n');
    });
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(root, { recursive: true, force: true });
    if (api) {
      await eventually('the 20 projects are gone from the sessions', async () => {
        await api.sessions.rediscover();
        return !api.sessions.all.some((s) => projects.includes(s.cluster.projectName));
      });
    }
  });

  it('all 20 are discovered by themselves (the file watcher), each with its own .env', async () => {
    const found = await eventually(
      '20 clusters discovered',
      () => {
        const mine = api.sessions.all.filter((s) => projects.includes(s.cluster.projectName));
        return mine.length === PROJECTS ? mine : undefined;
      },
      120_000,
    );
    projects.forEach((p, i) => {
      const s = found.find((x) => x.cluster.projectName === p);
      assert.ok(s, p);
      assert.deepEqual(s.cluster.files, [composeOf(p).fsPath]);
      assert.equal(s.cluster.version, versionOf(i), `${p}: the version from its own .env`);
      assert.deepEqual(
        s.cluster.declared.map((d) => d.name),
        ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3'],
      );
    });
  });

  it('each of the 20 files, open at once, is linted with its own project (.env, db.env)', async () => {
    for (const p of projects) {
      await vscode.workspace.openTextDocument(composeOf(p));
    }
    const codeOf = (d: vscode.Diagnostic) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));
    const last = composeOf(projects[PROJECTS - 1]!);
    // Lints run in the order the documents opened: once the last one's findings are in, all are.
    await eventually(
      'the last project (no version in its .env) lists the missing WA_API_VERSION',
      () => vscode.languages.getDiagnostics(last).filter((d) => codeOf(d) === 'required-variable').length === 6,
      60_000,
    );
    const reference = vscode.languages
      .getDiagnostics(composeOf(projects[0]!))
      .map((d) => `${codeOf(d)} ${d.range.start.line}`)
      .sort();
    projects.forEach((p, i) => {
      const diags = vscode.languages.getDiagnostics(composeOf(p));
      assert.deepEqual(
        diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message),
        [],
        `${p}: no error on the vendor file`,
      );
      if (versionOf(i)) {
        assert.deepEqual(diags.map((d) => `${codeOf(d)} ${d.range.start.line}`).sort(), reference, p);
        assert.ok(!diags.some((d) => codeOf(d) === 'required-variable'), `${p}: WA_API_VERSION from its .env`);
      }
    });
  });
});
