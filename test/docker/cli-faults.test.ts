/**
 * Issue 12, found already #1 and #5, what #3 and #6, on a live emulated cluster: `node dist/cli.js
 * status` under the emulator's fault switches. Each fault ends in a bounded time with the exit code
 * the README defines (0 healthy, 1 degraded or down, 2 usage, 3 cannot tell) and says what is wrong.
 * Health polling never overlaps itself: the CLI process's established connections to the web's
 * published port are counted with `ss` (the kernel's view, not a hook in our code) while `--watch`
 * polls a hung /v1/health.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/paths';
import * as h from '../emulator/src/harness';

const cli = path.join(repoRoot, 'dist/cli.js');

interface StatusJson {
  cluster: { findings: { id: string; severity: string; message: string }[] };
  nodes: { name: string; state: string; stateReason?: string; container: { state: string } | null }[];
  api: { status: string; error: string | null };
}

describe('cli status under cluster faults (emulator switches)', function () {
  this.timeout(300_000);
  const project = `clifault${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cli-fault-'));
  let ws: h.Workspace;
  const env = { ...process.env, WA_TEST_API_KEY: h.DEFAULT_API_KEY };
  const args = (...extra: string[]) => [
    'status',
    '--project-dir',
    ws.dir,
    '-f',
    path.join(ws.dir, ws.composeFile),
    '-p',
    project,
    '--url',
    ws.baseUrl,
    '--apikey-env',
    'WA_TEST_API_KEY',
    ...extra,
  ];
  const status = async (...extra: string[]) => {
    const started = Date.now();
    const r = await h.exec(process.execPath, [cli, ...args(...extra)], { cwd: repoRoot, env, timeoutMs: 90_000 });
    return {
      ...r,
      ms: Date.now() - started,
      json: r.stdout.trim().startsWith('{') ? (JSON.parse(r.stdout) as StatusJson) : undefined,
    };
  };
  const webRequests = async (): Promise<number> =>
    (await h.exec('docker', ['logs', await h.containerIdOf(ws, 'waweb')])).stdout
      .split('\n')
      .filter((l) => /"(GET|POST) \/v1\//.test(l)).length;

  before(async () => {
    ws = await h.startCluster({ dir, project, webPort: await h.freePort() });
    const token = await h.login(ws);
    await h.api(ws, 'POST', '/v1/account', {
      token,
      body: { cc: '1', phone_number: '6315550012', method: 'sms', cert: 'Y2VydA==' },
    });
    await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } });
    await h.waitForHealth(
      ws,
      (b) => Object.values(b.health).some((n) => (n as { gateway_status?: string }).gateway_status === 'connected'),
      { token, timeoutMs: 30_000 },
    );
  });

  after(async () => {
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await h.api(ws, 'DELETE', '/_emulator/faults').catch(() => undefined);
  });

  it('healthy cluster: exit 0', async () => {
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('web never answers /v1/health: ends after the request timeout with exit 3 (it hung forever before)', async () => {
    await h.setFaults(ws, { hangHealth: true });
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.ok(r.ms < 40_000, `took ${r.ms} ms`);
    assert.match(r.json?.api.error ?? '', /No answer from 127\.0\.0\.1:\d+ in time/);
  });

  it("hung health under --watch: at most one health request in flight (the CLI process's connections, counted by ss)", async () => {
    await h.setFaults(ws, { hangHealth: true });
    const port = new URL(ws.baseUrl).port;
    const child = spawn(
      process.execPath,
      [cli, ...args('--ca-file', h.caCertPath, '--watch', '--interval', '250', '--no-docker')],
      { cwd: repoRoot, env, stdio: 'ignore' },
    );
    const counts: number[] = [];
    try {
      for (let i = 0; i < 24; i++) {
        await new Promise((r) => setTimeout(r, 500));
        // The CLI's own established connections to the web (the harness keeps an idle keep-alive one of its own).
        const ss = await h.exec('ss', ['-Htnp', 'state', 'established', `( dport = :${port} )`]);
        counts.push(ss.stdout.split('\n').filter((l) => l.includes(`pid=${child.pid},`)).length);
      }
    } finally {
      child.kill('SIGINT');
    }
    // 12 s of polling every 250 ms against a server that never answers, with a 10 s timeout:
    // overlapping polls would hold dozens of connections.
    assert.ok(Math.max(...counts) <= 1, `connections over time: ${counts.join(',')}`);
    assert.ok(
      counts.some((c) => c === 1),
      `a request was in flight: ${counts.join(',')}`,
    );
  });

  it('slow answers (3 s): still a correct status, exit 0', async () => {
    await h.setFaults(ws, { slowMs: 3000 });
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.ms >= 3000);
  });

  it('malformed JSON from the web: exit 3, says the answer is not understood', async () => {
    await h.setFaults(ws, { malformedJson: true });
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.json?.api.error ?? '', /not JSON|Unexpected|malformed/i);
  });

  it('every node loses its database: exit 1, and each node says so (1023)', async () => {
    const nodes = ['master1', 'master2', 'wacore1', 'wacore2'];
    for (const n of nodes) {
      await h.setFaults(ws, { dropDb: true }, n);
    }
    try {
      const r = await status('--ca-file', h.caCertPath, '--format', 'json');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const messages = (r.json?.cluster.findings ?? []).map((f) => f.message).join('\n');
      for (const n of nodes) {
        assert.match(messages, new RegExp(`${n}: .*\\(1023\\)`), messages);
      }
    } finally {
      for (const n of nodes) {
        await h.api(ws, 'DELETE', `/_emulator/nodes/${n}/faults`);
      }
    }
  });

  it('a pin that does not match: exit 3, names both fingerprints, no request reaches the API', async () => {
    const before = await webRequests();
    const wrong = 'AB'.repeat(32);
    const r = await status('--pin', wrong, '--format', 'json');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const served = new X509Certificate(fs.readFileSync(path.join(path.dirname(h.caCertPath), 'server.pem')))
      .fingerprint256;
    assert.match(r.json?.api.error ?? '', new RegExp(`it is ${served}.*the pin is ${Array(32).fill('AB').join(':')}`));
    assert.equal(await webRequests(), before, 'no API request was sent');
  });

  it('untrusted certificate: refused (exit 3) with its fingerprint, trusted once that fingerprint is pinned (exit 0)', async () => {
    const r = await status('--format', 'json');
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const fingerprint = /not trusted .*SHA-256 fingerprint is ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})/.exec(
      r.json?.api.error ?? '',
    )?.[1];
    assert.ok(fingerprint, r.json?.api.error ?? r.stdout);
    const pinned = await status('--pin', fingerprint, '--format', 'json');
    assert.equal(pinned.code, 0, pinned.stdout + pinned.stderr);
  });

  it('a master and a coreapp killed at once: exit 1, each says it is down', async () => {
    await h.exec('docker', ['kill', await h.containerIdOf(ws, 'master1'), await h.containerIdOf(ws, 'wacore2')]);
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const byName = Object.fromEntries((r.json?.nodes ?? []).map((n) => [n.name, n]));
    assert.equal(byName.master1?.state, 'stopped', r.stdout);
    assert.equal(byName.wacore2?.state, 'stopped', r.stdout);
    await h.compose(ws, ['start', 'master1', 'wacore2']);
  });

  it('database container killed: exit 1 (it exited 0 before), the db node is stopped', async () => {
    await h.exec('docker', ['kill', await h.containerIdOf(ws, 'db')]);
    const r = await status('--ca-file', h.caCertPath, '--format', 'json');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.json?.nodes.find((n) => n.name === 'db')?.state, 'stopped', r.stdout);
  });
});
