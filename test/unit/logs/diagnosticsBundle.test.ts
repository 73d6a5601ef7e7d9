import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { unzipSync, strFromU8 } from 'fflate';
import os from 'node:os';
import path from 'node:path';
import {
  type DiagnosticsApi,
  bundleName,
  collectDiagnosticsBundle,
  diagnosticsHosts,
  endpointKind,
  logFileStems,
} from '../../../src/cluster/diagnosticsBundle';
import { type HostEngine } from '../../../src/cluster/hostEngines';
import { type DockerEndpoint } from '../../../src/docker/endpoint';
import { type InventoryHost } from '../../../src/inventory/inventory';
import { DockerError } from '../../../src/docker/errors';
import { type LogLine, type LogOptions } from '../../../src/docker/types';
import { isAbortError } from '../../../src/util/abort';
import { container, walkthroughContainers } from '../../fakes/builders';
import { FakeDocker } from '../../fakes/fakeDocker';

const DB_PASSWORD = 'db-Pa55word-xyz';
const API_KEY = 'api-key-0123456789abcdef';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.payload.sig';

/** FakeDocker with per-container log lines and raw inspect JSON. */
class LogDocker extends FakeDocker {
  override inspectRaw(id: string): Promise<unknown> {
    return Promise.resolve({
      Id: id,
      Config: { Env: [`WA_DB_PASSWORD=${DB_PASSWORD}`, 'WA_DB_HOSTNAME=db', `WA_API_KEY=${API_KEY}`], Image: 'x' },
      HostConfig: { Binds: [] },
    });
  }

  logLines = new Map<string, LogLine[]>();
  logCalls: LogOptions[] = [];
  failLogsOf = new Set<string>();
  /** The lines as Docker sends them: `<timestamp> <text>`, consecutive lines of a stream in one block. */
  override logText(
    id: string,
    opts: LogOptions,
    onText: (stream: LogLine['stream'], wholeLines: string) => void,
  ): Promise<void> {
    this.logCalls.push(opts);
    const raw = (l: LogLine): string => `${l.timestamp ? `${l.timestamp} ` : ''}${l.text}\n`;
    const c = this.containers.find((x) => x.id === id);
    if (c && this.failLogsOf.has(c.service ?? '')) {
      onText('stdout', '2026-01-01T00:00:00Z partial line before failure\n');
      return Promise.reject(new DockerError('other', `Logs of ${c.name}: boom`));
    }
    const lines = this.logLines.get(id) ?? [];
    for (let from = 0; from < lines.length;) {
      let to = from + 1;
      while (to < lines.length && lines[to]!.stream === lines[from]!.stream) {
        to++;
      }
      onText(lines[from]!.stream, lines.slice(from, to).map(raw).join(''));
      from = to;
    }
    return Promise.resolve();
  }
}

/** The bundle's files by their path inside it (`logs/wacore1.log`), read from its zip. */
function bundleFiles(r: { name: string; zipPath: string | undefined }): Map<string, string> {
  assert.ok(r.zipPath, 'the zip was written');
  const out = new Map<string, string>();
  for (const [name, data] of Object.entries(unzipSync(fs.readFileSync(r.zipPath)))) {
    assert.ok(name.startsWith(`${r.name}/`), name);
    out.set(name.slice(r.name.length + 1), strFromU8(data));
  }
  return out;
}

describe('diagnostics bundle', () => {
  let dir: string;
  let docker: LogDocker;
  const now = Date.parse('2026-01-02T03:04:05Z');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-diag-'));
    docker = new LogDocker();
    docker.containers = walkthroughContainers();
    for (const c of docker.containers) {
      docker.logLines.set(c.id, [
        {
          stream: 'stdout',
          text: `I 2026-01-02 3:00:00.000 UTC 28 main.cpp:9] ${c.service} started`,
          timestamp: '2026-01-02T03:00:00.000000001Z',
        },
        {
          stream: 'stderr',
          text: `W 2026-01-02 3:00:01.000 UTC 28 db.cpp:12] connecting with password ${DB_PASSWORD}`,
          timestamp: '2026-01-02T03:00:01Z',
        },
        { stream: 'stdout', text: `GET /v1/health Authorization: Bearer ${TOKEN}`, timestamp: '2026-01-02T03:00:02Z' },
      ]);
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("zips every node's logs, masked inspect, compose config, API JSON, versions and a README, and leaves only the zip", async () => {
    const rawHealth = {
      health: { 'wacore1:35a5fabfc79d': { gateway_status: 'connected', role: 'coreapp' } },
      meta: { version: 'v2.45.1', api_status: 'stable' },
    };
    const api: DiagnosticsApi = {
      healthAnswer: () =>
        Promise.resolve({
          report: {
            mode: 'cluster',
            version: 'v2.45.1',
            entries: [
              {
                key: 'wacore1:35a5fabfc79d',
                hostname: 'wacore1',
                containerId: '35a5fabfc79d',
                gatewayStatus: 'connected',
                unknownGatewayStatus: undefined,
                role: 'coreapp',
                unknownRole: undefined,
                errors: [],
              },
            ],
          },
          raw: rawHealth,
        }),
      support: () => Promise.resolve({ debug_info: 'x', token: TOKEN }),
    };
    const compose = {
      command: { command: 'docker-compose', baseArgs: [], version: '1.29.2', flavor: 'v1' as const },
      config: () =>
        Promise.resolve({
          exitCode: 0,
          stderr: '',
          stdout: `services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: rootpw-777\n  waweb:\n    environment:\n      WA_DB_PASSWORD: ${DB_PASSWORD}\n`,
        }),
    };
    const progress: string[] = [];
    const r = await collectDiagnosticsBundle({
      docker,
      project: 'biz',
      api,
      compose,
      sinceMs: now - 3 * 3600_000,
      windowLabel: 'last 3 hours',
      outDir: dir,
      extensionVersion: '0.1.0',
      knownSecrets: ['admin-Pw-42'],
      now: () => now,
      onProgress: (m) => progress.push(m),
    });
    assert.equal(r.name, 'wa-diagnostics-biz-20260102-030405');
    assert.equal(r.failed, 0, JSON.stringify(r.parts.filter((p) => p.status !== 'ok')));
    // Only the zip is left next to the other bundles.
    assert.deepEqual(fs.readdirSync(dir), [`${r.name}.zip`]);
    assert.equal(r.folder, undefined);
    const bundle = bundleFiles(r);
    const file = (f: string): string => {
      const text = bundle.get(f);
      assert.ok(text !== undefined, `${f} in ${JSON.stringify([...bundle.keys()])}`);
      return text;
    };
    for (const s of ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3']) {
      file(`logs/${s}.log`);
      file(`inspect/${s}.json`);
    }
    for (const f of ['README.txt', 'compose-config.yml', 'versions.json', 'containers.txt', 'api/support.json']) {
      file(f);
    }
    // Node keys are host names and container ids, not secrets; the answer as sent is there too.
    const health = JSON.parse(file('api/health.json')) as { nodes: Record<string, { role: string }> };
    assert.deepEqual(Object.keys(health.nodes), ['wacore1:35a5fabfc79d']);
    assert.equal(health.nodes['wacore1:35a5fabfc79d']?.role, 'coreapp');
    assert.deepEqual(JSON.parse(file('api/health-answer.json')), rawHealth);
    const log = file('logs/wacore1.log');
    assert.match(log, /^2026-01-02T03:00:00.000000001Z I 2026-01-02 .* wacore1 started$/m);
    assert.match(log, /\[stderr\] W .*password \*\*\*/);
    assert.match(log, /Bearer \*\*\*/);
    assert.equal(docker.logCalls[0]?.since, Math.floor((now - 3 * 3600_000) / 1000));
    assert.equal(docker.logCalls[0]?.timestamps, true);
    const all = [...bundle.values()].join('\n');
    for (const secret of [DB_PASSWORD, API_KEY, TOKEN, 'rootpw-777']) {
      assert.ok(!all.includes(secret), `bundle contains ${secret}`);
    }
    assert.ok(file('compose-config.yml').includes('MYSQL_ROOT_PASSWORD: ***'));
    const versions = JSON.parse(file('versions.json')) as {
      extension: string;
      docker: { version: string };
      compose: { version: string };
      cluster: string;
    };
    assert.deepEqual(
      [versions.extension, versions.docker.version, versions.compose.version, versions.cluster],
      ['0.1.0', '20.10.24', '1.29.2', 'v2.45.1'],
    );
    assert.ok(![...bundle.keys()].some((k) => k.startsWith('hosts/')), 'one engine: no folder per host');
    const readme = file('README.txt');
    assert.equal(readme, r.readme);
    assert.match(readme, /Everything was collected/);
    assert.match(readme, /api\/health-answer\.json/);
    assert.match(readme, /logs\/wacore3\.log/);
    assert.match(readme, /last 3 hours/);
    assert.ok(progress.includes('Logs of wacore2'));
    if (r.zipPath && spawnSync('unzip', ['-v']).status === 0) {
      assert.equal(spawnSync('unzip', ['-t', r.zipPath]).status, 0);
      const listed = execFileSync('unzip', ['-Z1', r.zipPath], { encoding: 'utf8' });
      assert.match(listed, /^wa-diagnostics-biz-20260102-030405\/logs\/master2\.log$/m);
    }
  });

  it('lists failed and skipped parts in the README and still writes the rest', async () => {
    docker.failLogsOf.add('wacore2');
    const compose = { config: () => Promise.reject(new Error('docker-compose config failed with exit code 1')) };
    const r = await collectDiagnosticsBundle({
      docker,
      project: 'biz',
      compose,
      sinceMs: undefined,
      outDir: dir,
      extensionVersion: '0.1.0',
      now: () => now,
    });
    assert.equal(r.failed, 2);
    const bundle = bundleFiles(r);
    const readme = bundle.get('README.txt') ?? '';
    assert.match(readme, /logs\/wacore2\.log +FAILED: .*boom/);
    assert.match(readme, /compose-config\.yml +FAILED: .*exit code 1/);
    assert.match(readme, /api\/health\.json +skipped: .*not signed in/);
    assert.match(readme, /Log window: +all logs/);
    assert.match(bundle.get('logs/wacore2.log') ?? '', /partial line before failure/);
    assert.ok(bundle.has('logs/wacore1.log'));
    // The typed inspect view (no raw inspector) is written, with the env as Docker masked it.
    assert.ok(bundle.has('inspect/db.json'));
    assert.equal(docker.logCalls[0]?.since, undefined);
  });

  it('still writes a bundle when Docker is down', async () => {
    docker.setDown(new DockerError('daemonDown', 'Docker is not running'));
    const r = await collectDiagnosticsBundle({
      docker,
      project: 'biz',
      sinceMs: undefined,
      outDir: dir,
      extensionVersion: '0.1.0',
      now: () => now,
    });
    assert.ok(r.failed >= 2);
    const readme = bundleFiles(r).get('README.txt') ?? '';
    assert.match(readme, /Docker engine: +not reachable/);
    assert.match(readme, /\(container list\) +FAILED: .*Docker is not running/);
  });

  it('an unwritable folder is a failure with the reason, not a cancel', async () => {
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, '');
    await assert.rejects(
      collectDiagnosticsBundle({
        docker,
        project: 'biz',
        sinceMs: undefined,
        outDir: path.join(file, 'sub'),
        extensionVersion: '0.1.0',
      }),
      (err: Error) =>
        !isAbortError(err) &&
        /The diagnostics bundle could not be written to .*not-a-folder.*ENOTDIR/.test(err.message),
    );
  });

  it('cleans up and rejects with an AbortError when cancelled', async () => {
    const ac = new AbortController();
    const r = collectDiagnosticsBundle({
      docker,
      project: 'biz',
      sinceMs: undefined,
      outDir: dir,
      extensionVersion: '0.1.0',
      now: () => now,
      signal: ac.signal,
      onProgress: (m) => {
        if (m === 'Logs of master2') {
          ac.abort();
        }
      },
    });
    await assert.rejects(r, (e) => isAbortError(e));
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it("keeps the newest lines of a node's log within the per-node cap, and says how many were dropped", async () => {
    const lines: LogLine[] = Array.from({ length: 5000 }, (_, i) => ({
      stream: 'stdout',
      text: `I 2026-01-02 3:00:00.000 UTC 28 main.cpp:9] line ${i} ${'x'.repeat(40)}`,
      timestamp: '2026-01-02T03:00:00Z',
    }));
    docker.logLines.set(docker.containers.find((c) => c.service === 'wacore1')!.id, lines);
    const r = await collectDiagnosticsBundle({
      docker,
      project: 'biz',
      sinceMs: undefined,
      outDir: dir,
      extensionVersion: '0.1.0',
      maxLogBytesPerNode: 64 * 1024,
      now: () => now,
    });
    const log = bundleFiles(r).get('logs/wacore1.log') ?? '';
    const dropped = Number(/^# (\d+) earlier lines dropped/.exec(log)?.[1]);
    assert.ok(dropped > 0, log.slice(0, 200));
    assert.match(log, /line 4999 x+\n$/);
    const kept = log.split('\n').filter((l) => l.includes('] line ')).length;
    assert.equal(kept + dropped, 5000);
    assert.ok(log.length <= 64 * 1024 + 100 && log.length >= 32 * 1024, String(log.length));
  });

  it('names files per service, or per container when a service is scaled', () => {
    const cs = [
      container({ service: 'wacore', name: 'biz-wacore-1', idPrefix: 'aa' }),
      container({ service: 'wacore', name: 'biz-wacore-2', idPrefix: 'bb' }),
      container({ service: 'db', idPrefix: 'cc' }),
    ];
    assert.deepEqual([...logFileStems(cs).values()], ['biz-wacore-1', 'biz-wacore-2', 'db']);
    assert.equal(bundleName('my proj', now), 'wa-diagnostics-my_proj-20260102-030405');
  });
});

describe('diagnostics bundle across the hosts of an inventory', () => {
  let dir: string;
  const now = Date.parse('2026-01-02T03:04:05Z');
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A host's engine with its own containers, each logging a line that names it and a secret. */
  function hostDocker(host: string, services: string[]): LogDocker {
    const d = new LogDocker();
    d.containers = services.map((service, i) =>
      container({ service, name: `wa-${service}-1`, project: 'wa', idPrefix: `${host.slice(-1)}${i}`.padEnd(12, 'c') }),
    );
    for (const c of d.containers) {
      d.logLines.set(c.id, [
        { stream: 'stdout', text: `${c.service} on ${host} up`, timestamp: '2026-01-02T03:00:00Z' },
        { stream: 'stderr', text: `db password ${DB_PASSWORD}`, timestamp: '2026-01-02T03:00:01Z' },
      ]);
    }
    return d;
  }

  it("puts each host's containers in its own folder, from its own engine; an unreachable host gets an ERROR.txt and the rest is collected", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-diag-hosts-'));
    const host1 = hostDocker('host1', ['waweb', 'master', 'wacore']);
    const host2 = hostDocker('host2', ['master', 'wacore']);
    const host3 = hostDocker('host3', ['wacore']);
    host3.pingError = new DockerError('unreachable', 'connect ECONNREFUSED 10.0.0.3:2376');
    const api: DiagnosticsApi = {
      healthAnswer: () =>
        Promise.resolve({ report: { mode: 'cluster', version: 'v2.45.1', entries: [] }, raw: { health: {} } }),
      support: () => Promise.resolve({ debug_info: 'x' }),
    };
    const r = await collectDiagnosticsBundle({
      hosts: [
        { name: 'host1', docker: host1, project: 'wa', endpointKind: 'unix' },
        { name: 'host2', docker: host2, project: 'wa', endpointKind: 'ssh' },
        { name: 'host3', docker: host3, project: 'wa', endpointKind: 'tcp+tls' },
        {
          name: 'db',
          docker: undefined,
          problem: 'Host db: cannot read the CA certificate /keys/ca.pem',
          project: 'wa',
          endpointKind: 'tcp+tls',
        },
      ],
      project: 'wa',
      api,
      sinceMs: undefined,
      outDir: dir,
      extensionVersion: '0.1.0',
      now: () => now,
    });
    const bundle = bundleFiles(r);
    const file = (f: string): string => {
      const text = bundle.get(f);
      assert.ok(text !== undefined, `${f} in ${JSON.stringify([...bundle.keys()])}`);
      return text;
    };
    // Every container's logs and inspect in its host's folder, as that host's engine answered.
    for (const [host, services] of [
      ['host1', ['waweb', 'master', 'wacore']],
      ['host2', ['master', 'wacore']],
    ] as const) {
      for (const s of services) {
        assert.match(file(`hosts/${host}/logs/${s}.log`), new RegExp(`${s} on ${host} up`));
        assert.match(file(`hosts/${host}/inspect/${s}.json`), /WA_DB_PASSWORD=\*\*\*/);
      }
      const engine = JSON.parse(file(`hosts/${host}/engine.json`)) as Record<string, unknown>;
      assert.deepEqual([engine.host, engine.reachable, engine.version, engine.error], [host, true, '20.10.24', null]);
    }
    assert.equal((JSON.parse(file('hosts/host2/engine.json')) as { endpoint: string }).endpoint, 'ssh');
    assert.ok(![...bundle.keys()].some((k) => /^(logs|inspect)\//.test(k)), 'no container outside its host folder');
    // The unreachable host: its folder says why; it was not asked again; the others are complete.
    assert.match(file('hosts/host3/ERROR.txt'), /host3 \(tcp\+tls\) could not be reached[\s\S]*ECONNREFUSED/);
    assert.equal(host3.calls.list, 0);
    assert.deepEqual(JSON.parse(file('hosts/host3/engine.json')), {
      host: 'host3',
      endpoint: 'tcp+tls',
      reachable: false,
      version: null,
      apiVersion: null,
      os: null,
      error: 'connect ECONNREFUSED 10.0.0.3:2376',
    });
    assert.match(file('hosts/db/ERROR.txt'), /cannot read the CA certificate/);
    assert.ok(![...bundle.keys()].some((k) => k.startsWith('hosts/host3/logs') || k.startsWith('hosts/db/logs')));
    assert.equal(r.failed, 2, JSON.stringify(r.parts.filter((p) => p.status === 'failed')));
    // The cluster-level parts stay at the top.
    for (const f of ['api/health.json', 'api/health-answer.json', 'api/support.json', 'versions.json']) {
      file(f);
    }
    const versions = JSON.parse(file('versions.json')) as { docker: Record<string, unknown>; images: object };
    assert.deepEqual(Object.keys(versions.docker), ['host1', 'host2', 'host3', 'db']);
    assert.equal(versions.docker.host3, null);
    assert.ok(Object.keys(versions.images).includes('host2/master'));
    assert.match(file('containers.txt'), /^HOST +SERVICE/);
    assert.match(file('containers.txt'), /^host2 +wacore +wa-wacore-1/m);
    const readme = file('README.txt');
    assert.match(readme, /one folder per host/);
    assert.match(readme, /^ {2}host3 +NOT REACHABLE, tcp\+tls: see hosts\/host3\/ERROR\.txt$/m);
    assert.match(readme, /^ {2}hosts\/host3\/ +FAILED: .*ECONNREFUSED/m);
    assert.match(readme, /Containers: +5 on 4 hosts \(logs collected for 5\)/);
    const all = [...bundle.values()].join('\n');
    for (const secret of [DB_PASSWORD, API_KEY]) {
      assert.ok(!all.includes(secret), `bundle contains ${secret}`);
    }
  });

  it('says how each engine is reached without a credential, a key or a user name', () => {
    const url = (u: string, tls = false): InventoryHost =>
      ({
        name: 'h',
        docker: {
          kind: 'url',
          url: u,
          ...(tls ? { tls: { ca: '/k/ca.pem', cert: '/k/c.pem', key: '/k/key.pem' } } : {}),
        },
      }) as unknown as InventoryHost;
    const ep = (kind: DockerEndpoint['kind'], protocol?: string): DockerEndpoint => ({
      kind,
      description: 'x',
      source: 'setting',
      context: undefined,
      modemOptions: { protocol },
    });
    assert.equal(endpointKind(url('ssh://deploy@wa-b'), ep('ssh', 'ssh')), 'ssh');
    assert.equal(endpointKind(url('tcp://wa-c:2376', true), ep('tcp', 'https')), 'tcp+tls');
    assert.equal(endpointKind(url('tcp://wa-c:2375'), ep('tcp', 'http')), 'tcp');
    // The endpoint unusable (an unreadable key): still said from the inventory, without it.
    assert.equal(endpointKind(url('tcp://wa-c:2376', true), undefined), 'tcp+tls');
    const context = { name: 'h', docker: { kind: 'context', name: 'prod-b' } } as unknown as InventoryHost;
    assert.equal(endpointKind(context, ep('ssh', 'ssh')), 'ssh (context prod-b)');
    assert.equal(endpointKind(context, undefined), 'unknown (context prod-b)');
  });

  it("maps the monitor's host engines, with their problems, and nothing without an inventory", () => {
    const docker = new FakeDocker();
    const engines = [
      {
        name: 'a',
        host: { docker: { kind: 'url', url: 'unix:///a.sock' } },
        endpoint: undefined,
        docker,
        projectName: 'wa',
      },
      {
        name: 'b',
        host: { docker: { kind: 'context', name: 'b' } },
        endpoint: undefined,
        docker: undefined,
        problem: new DockerError('unreachable', 'Docker context "b" is selected but not found'),
        projectName: 'wa',
      },
    ] as unknown as HostEngine[];
    assert.deepEqual(diagnosticsHosts(engines), [
      { name: 'a', docker, problem: undefined, project: 'wa', endpointKind: 'unix' },
      {
        name: 'b',
        docker: undefined,
        problem: 'Docker context "b" is selected but not found',
        project: 'wa',
        endpointKind: 'unknown (context b)',
      },
    ]);
    assert.equal(diagnosticsHosts(undefined), undefined);
  });
});
