import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type DiagnosticsApi,
  bundleName,
  collectDiagnosticsBundle,
  logFileStems,
} from '../../../src/cluster/diagnosticsBundle';
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
  override logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    this.logCalls.push(opts);
    const c = this.containers.find((x) => x.id === id);
    if (c && this.failLogsOf.has(c.service ?? '')) {
      onLine({ stream: 'stdout', text: 'partial line before failure', timestamp: '2026-01-01T00:00:00Z' });
      return Promise.reject(new DockerError('other', `Logs of ${c.name}: boom`));
    }
    for (const l of this.logLines.get(id) ?? []) {
      onLine(l);
    }
    return Promise.resolve();
  }
}

function readAll(dir: string): string {
  let out = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      out += fs.readFileSync(path.join(e.parentPath, e.name), 'utf8');
    }
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

  it("writes every node's logs, masked inspect, compose config, API JSON, versions and a README, plus a zip", async () => {
    const api: DiagnosticsApi = {
      health: () => Promise.resolve({ mode: 'cluster', version: 'v2.45.1', entries: [] }),
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
    const files = fs.readdirSync(r.folder, { recursive: true }).map(String).sort();
    for (const s of ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3']) {
      assert.ok(files.includes(path.join('logs', `${s}.log`)), `logs/${s}.log`);
      assert.ok(files.includes(path.join('inspect', `${s}.json`)), `inspect/${s}.json`);
    }
    for (const f of [
      'README.txt',
      'compose-config.yml',
      'versions.json',
      'containers.txt',
      path.join('api', 'health.json'),
      path.join('api', 'support.json'),
    ]) {
      assert.ok(files.includes(f), f);
    }
    const log = fs.readFileSync(path.join(r.folder, 'logs', 'wacore1.log'), 'utf8');
    assert.match(log, /^2026-01-02T03:00:00.000000001Z I 2026-01-02 .* wacore1 started$/m);
    assert.match(log, /\[stderr\] W .*password \*\*\*/);
    assert.match(log, /Bearer \*\*\*/);
    assert.equal(docker.logCalls[0]?.since, Math.floor((now - 3 * 3600_000) / 1000));
    assert.equal(docker.logCalls[0]?.timestamps, true);
    const all = readAll(r.folder);
    for (const secret of [DB_PASSWORD, API_KEY, TOKEN, 'rootpw-777']) {
      assert.ok(!all.includes(secret), `bundle contains ${secret}`);
    }
    assert.ok(fs.readFileSync(path.join(r.folder, 'compose-config.yml'), 'utf8').includes('MYSQL_ROOT_PASSWORD: ***'));
    const versions = JSON.parse(fs.readFileSync(path.join(r.folder, 'versions.json'), 'utf8')) as {
      extension: string;
      docker: { version: string };
      compose: { version: string };
      cluster: string;
    };
    assert.deepEqual(
      [versions.extension, versions.docker.version, versions.compose.version, versions.cluster],
      ['0.1.0', '20.10.24', '1.29.2', 'v2.45.1'],
    );
    const readme = fs.readFileSync(path.join(r.folder, 'README.txt'), 'utf8');
    assert.match(readme, /Everything was collected/);
    assert.match(readme, /logs\/wacore3\.log/);
    assert.match(readme, /last 3 hours/);
    assert.ok(progress.includes('Logs of wacore2'));
    assert.ok(r.zipPath && fs.existsSync(r.zipPath));
    if (spawnSync('unzip', ['-v']).status === 0) {
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
    const readme = fs.readFileSync(path.join(r.folder, 'README.txt'), 'utf8');
    assert.match(readme, /logs\/wacore2\.log +FAILED: .*boom/);
    assert.match(readme, /compose-config\.yml +FAILED: .*exit code 1/);
    assert.match(readme, /api\/health\.json +skipped: .*not signed in/);
    assert.match(readme, /Log window: +all logs/);
    assert.match(fs.readFileSync(path.join(r.folder, 'logs', 'wacore2.log'), 'utf8'), /partial line before failure/);
    assert.ok(fs.existsSync(path.join(r.folder, 'logs', 'wacore1.log')));
    // The typed inspect view (no raw inspector) is written, with the env as Docker masked it.
    assert.ok(fs.existsSync(path.join(r.folder, 'inspect', 'db.json')));
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
    const readme = fs.readFileSync(path.join(r.folder, 'README.txt'), 'utf8');
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
