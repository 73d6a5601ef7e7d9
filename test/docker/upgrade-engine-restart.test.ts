/**
 * Upgrade when the Docker engine restarts in the middle (issue #12, "Data safety"): the real
 * runner (cluster/upgradeRunner.ts) with real ports (the Docker API client, the Compose CLI, .env
 * on disk, /v1/health) against an emulated HA cluster on a private dockerd, which the test stops
 * and starts again (as `systemctl restart docker` does) while the DB upgrade runs, then while the
 * nodes are recreated. Before and after, the test lists the volumes, `.env`, the compose files,
 * the images the nodes run and what the database holds.
 *
 * Docker tier, not the extension host: the extension's Compose runner for a local cluster does not
 * follow the waCluster.docker.host setting (only its Docker API client does), so an extension host
 * pointed at a private engine would run Compose against the machine's engine.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { discoverClusters } from '../../src/cluster/discovery';
import { ClusterMonitor } from '../../src/cluster/monitor';
import { planUpgrade, type UpgradePlan } from '../../src/cluster/upgradePlan';
import { runUpgrade, type UpgradeJournalEntry, type UpgradePorts } from '../../src/cluster/upgradeRunner';
import { nodeFileReader } from '../../src/compose/nodeReader';
import { DockerodeClient } from '../../src/docker/client';
import { ComposeRunner, type ComposeCommand } from '../../src/docker/compose';
import { systemClock } from '../../src/util/abort';
import { english as t } from '../../src/util/translate';
import * as h from '../emulator/src/harness';
import { PrivateDockerd } from '../support/privateDockerd';
import { projectVolumes } from '../support/projectVolumes';

const connectedCoreapps = (b: h.HealthBody): number =>
  Object.values(b.health).filter((v) => v.role === 'coreapp' && v.gateway_status === 'connected').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`);
    }
    await sleep(250);
  }
}

/** What no interrupted upgrade may change (the database's own schema version aside). */
interface DataState {
  readonly volumes: string[];
  readonly env: string;
  readonly composeFiles: Record<string, string>;
  readonly users: unknown;
  readonly data: Record<string, unknown>;
}

describe(`Upgrade while the Docker engine restarts (real runner and Compose ${h.composeFlavor()}, a private dockerd)`, function () {
  this.timeout(300_000);
  const project = `upgeng${process.pid}`;
  const flavor = h.composeFlavor();
  const command: ComposeCommand = { ...h.composeCli(flavor), flavor, version: undefined };
  const registration = { cc: '1', phone_number: '6315550188', method: 'sms', cert: 'Y2VydA==' };
  let dir = '';
  let engine: PrivateDockerd;
  let forward: { close(): Promise<void> } | undefined;
  let ws: h.Workspace;
  let monitor: ClusterMonitor | undefined;
  let journal: Map<string, UpgradeJournalEntry>;
  let token = '';

  const onEngine = (args: string[]) => engine.docker(args, 120_000);
  const restartEngine = async () => {
    await engine.stop();
    await engine.start();
  };

  /** The project's containers on the private engine: service → "id image state", the newest per service. */
  const containers = async (): Promise<Record<string, string>> => {
    const out = await onEngine([
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.Label "com.docker.compose.service"}} {{.ID}} {{.Image}} {{.State}}',
    ]);
    const byService: Record<string, string> = {};
    for (const [service, ...rest] of out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '))) {
      byService[service!] ??= rest.join(' '); // docker ps lists the newest first
    }
    return byService;
  };

  async function dataState(): Promise<DataState> {
    const volumes = await projectVolumes(onEngine, project);
    // The database's files, read from the engine's side (its data root), not through the cluster.
    const mount = volumes.find((v) => v.startsWith(`${project}_mysqlData `))!.split(' ')[2]!;
    const state = JSON.parse(fs.readFileSync(path.join(mount, 'wa-emulator-state.json'), 'utf8')) as {
      data: Record<string, unknown>;
    };
    const data = Object.fromEntries(
      Object.entries(state.data).filter(([k]) => ['registration', 'shards', 'settings/application'].includes(k)),
    );
    assert.ok(data.registration, `the registration is in the database: ${Object.keys(state.data).join(', ')}`);
    const composeFiles: Record<string, string> = {};
    for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
      composeFiles[f] = crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex');
    }
    return {
      volumes,
      env: fs.readFileSync(path.join(dir, '.env'), 'utf8'),
      composeFiles,
      users: JSON.parse(fs.readFileSync(path.join(mount, 'wa-emulator-users.json'), 'utf8')) as unknown,
      data,
    };
  }

  /** /v1/health's version, signing in again when the token is refused; undefined while the web does not answer. */
  async function apiVersion(): Promise<string | undefined> {
    try {
      let r = await h.api(ws, 'GET', '/v1/health', { token, timeoutMs: 3000 });
      if (r.status === 401) {
        token = await h.login(ws);
        r = await h.api(ws, 'GET', '/v1/health', { token, timeoutMs: 3000 });
      }
      return r.status === 200 ? (r.body as h.HealthBody).meta?.version?.replace(/^v/, '') : undefined;
    } catch {
      return undefined;
    }
  }

  const cluster = () => {
    const file = path.join(dir, 'multiconnect-compose.yml');
    const [c] = discoverClusters({
      candidates: [file],
      configuredFiles: [file],
      projectName: project,
      reader: nodeFileReader,
    });
    assert.ok(c);
    return c;
  };

  async function plan(): Promise<UpgradePlan> {
    const c = cluster();
    const planned = planUpgrade(
      {
        project,
        current: c.version,
        version: h.NEW_VERSION,
        path: 'dbupgrade',
        upgradeService: { service: 'dbupgrade', files: [path.join(dir, 'dbupgrade-compose.yml')] },
        declared: c.declared,
        snapshot: await monitor!.refresh(),
        envFile: path.join(dir, '.env'),
        envFileLabel: '.env',
        fileLabel: (f) => path.basename(f),
        clusterFiles: c.files,
      },
      t,
    );
    assert.ok(planned.ok, planned.ok ? '' : planned.message);
    return planned.plan;
  }

  /**
   * The runner's ports as the editor wires them (commands/upgradeCluster.ts editorPorts), on the
   * private engine; `onProgress` and `onComposeLine` see each progress title and Compose output line.
   */
  function ports(hooks: { onProgress?(title: string): void; onComposeLine?(sub: readonly string[]): void }): {
    ports: UpgradePorts;
    log: string[];
  } {
    const c = cluster();
    const log: string[] = [];
    const docker = DockerodeClient.create({ hostSetting: engine.host });
    assert.ok(docker.ok);
    return {
      log,
      ports: {
        docker: docker.value,
        compose: async (sub, opts) => {
          const runner = new ComposeRunner(command, {
            files: opts.files ?? c.files,
            projectName: project,
            projectDirectory: dir,
            envFiles: c.envFile ? [c.envFile] : [],
          });
          log.push(`$ ${runner.commandLine(sub)}`);
          await runner.run(sub, {
            env: { ...opts.env, DOCKER_HOST: engine.host },
            onLine: (line) => {
              log.push(line);
              hooks.onComposeLine?.(sub);
            },
          });
        },
        ui: {
          progress: async (title, work) => {
            log.push(`[progress] ${title}`);
            hooks.onProgress?.(title);
            return work(new AbortController().signal, () => undefined);
          },
          log: (line) => log.push(line),
        },
        readEnv: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''),
        writeEnv: (file, text) => fs.writeFileSync(file, text),
        observe: async () => ({ snapshot: await monitor!.refresh(), apiVersion: await apiVersion() }),
        expectChanges: () => undefined,
        journal: {
          begin: (entry) => void journal.set(entry.project, entry),
          end: (p) => void journal.delete(p),
        },
        clock: systemClock,
      },
    };
  }

  /**
   * Runs the upgrade with the engine restarted once, when `trigger`'s hooks call `restart`; the
   * upgrade must stop (UpgradeStopped) and close its journal. Resolves with the stop.
   */
  async function upgradeWithEngineRestart(
    when: string,
    trigger: (restart: () => void) => Parameters<typeof ports>[0],
  ): Promise<Error> {
    let restarted: Promise<void> | undefined;
    const { ports: p, log } = ports(
      trigger(() => {
        restarted ??= restartEngine();
      }),
    );
    const result = await runUpgrade(await plan(), p, t, { timeoutMs: 60_000 }).then(
      (outcome) => ({ outcome }),
      (err: unknown) => ({ err: err instanceof Error ? err : new Error(String(err)) }),
    );
    await until('the engine restart is over', () => restarted !== undefined, 30_000).catch(() => undefined);
    await restarted;
    console.log(
      `      ${'err' in result ? `${result.err.name}: ${result.err.message}` : JSON.stringify(result.outcome)}`,
    );
    assert.ok(restarted, `the engine was restarted ${when}: ${log.join('\n')}`);
    assert.ok('err' in result, `the upgrade stopped: ${log.join('\n')}`);
    console.log(
      log
        .filter((l) => l.startsWith('# '))
        .map((l) => `      ${l}`)
        .join('\n'),
    );
    assert.equal(result.err.name, 'UpgradeStopped', result.err.stack);
    assert.deepEqual([...journal.keys()], [], 'the journal is closed: the runner ended and said why');
    return result.err;
  }

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-upg-engine-'));
    await h.buildImages();
    // A short shutdown timeout: the DB upgrade container does not stop on SIGTERM, so the engine kills it.
    engine = new PrivateDockerd({ publishPorts: true, shutdownTimeoutSeconds: 3 });
    await engine.start();
    const images = [...h.VERSIONS.flatMap((v) => [h.webImage(v), h.coreappImage(v)]), h.DB_IMAGE_MYSQL];
    const load = await h.exec('sh', ['-c', `docker save ${images.join(' ')} | docker -H '${engine.host}' load`], {
      timeoutMs: 180_000,
    });
    assert.equal(load.code, 0, load.stderr);
    // The DB upgrade of a large database: long enough to be cut in the middle, at default intervals otherwise.
    ws = h.writeWorkspace({ dir, project, webPort: await h.freePort(), env: { WA_EMULATOR_MIGRATION_MS: 9000 } });
    forward = await engine.forwardPort(ws.webPort);
    await h.up(ws, h.HA_SERVICES, { env: { DOCKER_HOST: engine.host } });
    await h.waitForHealth(ws, (b) => Object.keys(b.health).length >= 4, { timeoutMs: 60_000 });
    token = await h.login(ws);
    assert.equal((await h.api(ws, 'POST', '/v1/account', { token, body: registration })).status, 202);
    assert.equal((await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    await h.waitForHealth(ws, (b) => connectedCoreapps(b) === 1, { timeoutMs: 60_000 });
    const docker = DockerodeClient.create({ hostSetting: engine.host });
    assert.ok(docker.ok);
    monitor = new ClusterMonitor({ project, docker: docker.value });
    journal = new Map();
  });

  after(async function () {
    monitor?.dispose();
    await forward?.close();
    await engine?.dispose();
    if (dir) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('restarted while the DB upgrade runs → stops with a clear message; the old version runs again; volumes, .env and data unchanged', async function () {
    const before = await dataState();
    const nodesBefore = await containers();
    const stopped = await upgradeWithEngineRestart('in the DB upgrade wait', (restart) => ({
      onProgress: (title) => {
        if (/^Waiting for the DB upgrade/.test(title)) {
          setTimeout(restart, 1000);
        }
      },
    }));
    // Docker cut the wait, or the container died with the engine (its database gone first): either way, said so.
    assert.match(
      stopped.message,
      /^(The DB upgrade to 2\.53\.2 stopped \(container \S+ exited with \d+\) as the cluster stopped around it: .+\. The new version was NOT started and \.env is unchanged\. Once Docker answers again, run WA Cluster: Up to start the cluster on 2\.51\.1 again; its restart policy may run \S+ again too: let it finish|Stopped waiting for the DB upgrade container \S+ \(.+\)\. It may still be running)/s,
    );

    // Docker brings back what ran (restart policies); the DB upgrade runs to its end again (on-failure).
    await until(
      'the DB upgrade container has exited',
      async () => !/running|restarting|created/.test((await containers()).dbupgrade ?? ''),
    );
    // What the message says to do: Up on the old version (.env names it). The web of the vendor's
    // multiconnect file has no restart policy, so Docker does not bring it back by itself.
    const back = await containers();
    console.log(`      back by itself after the restart: ${JSON.stringify(back)}`);
    await h.up(ws, h.HA_SERVICES, { env: { DOCKER_HOST: engine.host } });
    await h.waitForHealth(ws, (b) => b.meta?.version === `v${h.OLD_VERSION}` && connectedCoreapps(b) === 1, {
      timeoutMs: 90_000,
    });
    const after = await containers();
    console.log(`      the DB upgrade after the restart: ${after.dbupgrade}`);
    for (const service of h.HA_SERVICES) {
      assert.equal(after[service], nodesBefore[service], `${service}: the same container, running the old image`);
    }
    assert.deepEqual(await dataState(), before);
  });

  it('restarted while the nodes are recreated → stops saying .env already names the new version and to run Up; Up finishes it, data unchanged', async function () {
    const before = await dataState();
    const stopped = await upgradeWithEngineRestart('while the nodes were recreated', (restart) => ({
      onComposeLine: (sub) => {
        if (sub[0] === 'up' && !sub.includes('dbupgrade')) {
          restart();
        }
      },
    }));
    assert.match(
      stopped.message,
      new RegExp(
        `^The upgrade of ${project} to ${h.NEW_VERSION} stopped while the nodes were restarted on it: .+\\. \\.env already names ${h.NEW_VERSION.replace(/\./g, '\\.')}: once Docker answers again, run WA Cluster: Up to start every node on ${h.NEW_VERSION.replace(/\./g, '\\.')}`,
        's',
      ),
    );
    const after = await dataState();
    assert.equal(after.env, before.env.replace(/^WA_API_VERSION=.*$/m, `WA_API_VERSION=${h.NEW_VERSION}`));

    // What the message says to do: Up (with .env as it is now).
    await h.up(ws, h.HA_SERVICES, { version: h.NEW_VERSION, env: { DOCKER_HOST: engine.host } });
    await h.waitForHealth(ws, (b) => b.meta?.version === `v${h.NEW_VERSION}` && connectedCoreapps(b) === 1, {
      timeoutMs: 120_000,
    });
    const nodes = await containers();
    for (const service of h.HA_SERVICES.filter((s) => s !== 'db')) {
      assert.match(nodes[service] ?? '', new RegExp(`:v${h.NEW_VERSION.replace(/\./g, '\\.')} running$`), service);
    }
    assert.deepEqual({ ...(await dataState()), env: before.env }, before);
  });
});
