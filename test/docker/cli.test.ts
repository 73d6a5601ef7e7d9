/**
 * The command-line tool as CI and scripts use it: `node dist/cli.js lint` on the vendor's files and
 * `node dist/cli.js status` on a live emulated cluster (JSON contract, --watch), plus
 * `--health-file` offline.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, sharedPath } from '../support/paths';
import * as emulator from '../emulator/src/harness';

const cli = path.join(repoRoot, 'dist/cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  emulator.exec(process.execPath, [cli, ...args], { cwd: repoRoot, env, timeoutMs: 60_000 });

interface StatusJson {
  cluster: {
    version: string | null;
    registered: boolean | null;
    shards: number | null;
    connectedCoreapps: number;
    findings: { id: string; severity: string; message: string }[];
  };
  nodes: {
    name: string;
    role: string;
    gatewayStatus: string | null;
    state: string;
    errors: unknown[];
    container: { id: string } | null;
  }[];
}

describe('command-line tool (dist/cli.js)', function () {
  this.timeout(180_000);

  it('lint: text output file:line:col severity rule message; exit 1 on errors, 0 without', async () => {
    const broken = await run(['lint', sharedPath('fixtures/compose/installation/docker-compose.yml')]);
    assert.equal(broken.code, 1, broken.stderr);
    assert.match(broken.stdout, /docker-compose\.yml:\d+:\d+ error wa-network-mode-bridge /);
    const clean = await run(['lint', sharedPath('fixtures/compose/installation/multiconnect-compose.yml')]);
    assert.equal(clean.code, 0, clean.stdout);
    assert.doesNotMatch(clean.stdout, / error /);
    const json = await run([
      'lint',
      '--format',
      'json',
      sharedPath('fixtures/compose/installation/docker-compose.yml'),
    ]);
    const findings = JSON.parse(json.stdout) as {
      rule: string;
      severity: string;
      range: { start: { line: number; column: number } };
    }[];
    assert.ok(
      findings.some((f) => f.rule === 'wa-network-mode-bridge' && f.severity === 'error' && f.range.start.line >= 1),
    );
  });

  it('status --health-file explains a saved health response offline', async () => {
    const r = await run([
      'status',
      '--health-file',
      sharedPath('fixtures/health/03-after-two-shards.json'),
      '--format',
      'json',
    ]);
    const s = JSON.parse(r.stdout) as StatusJson;
    assert.equal(s.cluster.shards, 2);
    assert.equal(s.cluster.connectedCoreapps, 2);
    assert.ok(s.cluster.findings.some((f) => f.id === 'no-spare'));
  });

  describe('status on a live emulated cluster', () => {
    const project = `clistatus${process.pid}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cli-'));
    let ws: emulator.Workspace;
    const env = { ...process.env, WA_TEST_API_KEY: emulator.DEFAULT_API_KEY };
    const statusArgs = () => [
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
      '--ca-file',
      emulator.caCertPath,
    ];

    before(async () => {
      ws = await emulator.startCluster({ dir, project, webPort: await emulator.freePort() });
    });

    after(async () => {
      if (ws) {
        await emulator.down(ws, { volumes: true });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('prints the JSON contract of the live cluster', async () => {
      const r = await run([...statusArgs(), '--format', 'json'], env);
      const s = JSON.parse(r.stdout) as StatusJson;
      assert.equal(s.cluster.version, emulator.OLD_VERSION);
      assert.equal(s.cluster.registered, false);
      const byName = Object.fromEntries(s.nodes.map((n) => [n.name, n]));
      for (const name of emulator.HA_SERVICES) {
        assert.ok(byName[name], `${name} in ${JSON.stringify(Object.keys(byName))}`);
      }
      assert.ok(byName.wacore1?.container?.id, 'container details for a running node');
      assert.ok(s.nodes.some((n) => n.role === 'primary_master' && n.state === 'unregistered'));
      const text = await run(statusArgs(), env);
      assert.match(text.stdout, /wacore1/);
    });

    it('first login: explains the 1024 without changing anything; --new-password-env sets the new password', async () => {
      const basic = [
        'status',
        '--project-dir',
        ws.dir,
        '-f',
        path.join(ws.dir, ws.composeFile),
        '-p',
        project,
        '--url',
        ws.baseUrl,
        '--ca-file',
        emulator.caCertPath,
        '--format',
        'json',
      ];
      const first = await run(basic, { ...process.env, WA_PASSWORD: 'secret' });
      assert.match(first.stderr, /first login, which must set a new password: .*--new-password-env/);
      const refused = JSON.parse(first.stdout) as StatusJson;
      assert.ok(
        refused.cluster.findings.some((f) => f.id === 'api-auth'),
        first.stdout,
      );
      assert.equal(
        (await emulator.api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'secret'] })).status,
        400,
        "the password was not changed behind the user's back",
      );
      const changed = await run([...basic, '--new-password-env', 'WA_TEST_NEW_PASSWORD'], {
        ...process.env,
        WA_PASSWORD: 'secret',
        WA_TEST_NEW_PASSWORD: emulator.DEFAULT_PASSWORD,
      });
      const s = JSON.parse(changed.stdout) as StatusJson;
      assert.ok(
        s.nodes.some((n) => n.role === 'primary_master'),
        changed.stdout + changed.stderr,
      );
      assert.ok(!s.cluster.findings.some((f) => f.id === 'api-auth'));
      // From now on the new password is the password.
      const again = await run(basic, { ...process.env, WA_PASSWORD: emulator.DEFAULT_PASSWORD });
      assert.ok(
        (JSON.parse(again.stdout) as StatusJson).nodes.some((n) => n.role === 'primary_master'),
        again.stderr,
      );
    });

    it('--watch prints the change when a node stops', async () => {
      const child = spawn(process.execPath, [cli, ...statusArgs(), '--watch', '--interval', '500'], {
        cwd: repoRoot,
        env,
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      try {
        const deadline = Date.now() + 30_000;
        while (!out.includes('wacore2') && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
        }
        const before = out.length;
        await emulator.compose(ws, ['stop', '-t', '1', 'wacore2']);
        while (!/wacore2[^\n]*(stopped|died|exited)/i.test(out.slice(before)) && Date.now() < deadline + 30_000) {
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.match(out.slice(before), /wacore2[^\n]*(stopped|died|exited)/i, out.slice(before));
      } finally {
        child.kill('SIGINT');
      }
    });
  });
});
