import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseStatusArgs } from '../../../src/cliStatus';
import { repoRoot } from '../../support/paths';

const cli = path.join(repoRoot, 'dist/cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, ...env },
  });

/** `node dist/cli.js status` as a careless user or a script calls it: usage errors, exit codes (no Docker). */
describe('cli status: arguments and exit codes', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cli-unit-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('parses with node:util parseArgs: --opt value, --opt=value, -f repeated, -p', () => {
    const a = parseStatusArgs(
      ['-f', 'a.yml', '--file=b.yml', '-p', 'biz', '--format=json', '--interval', '500', '--pin', 'AA'.repeat(32)],
      dir,
    );
    assert.ok(typeof a !== 'string', typeof a === 'string' ? a : '');
    assert.deepEqual(a.files, ['a.yml', 'b.yml']);
    assert.equal(a.projectName, 'biz');
    assert.equal(a.format, 'json');
    assert.equal(a.intervalMs, 500);
    assert.deepEqual(a.trust, { kind: 'pin', fingerprint256: Array(32).fill('AA').join(':') });
  });

  const usage: [string, string[], RegExp][] = [
    ['a pin that is not hex', ['--pin', 'nothex'], /--pin must be a SHA-256 fingerprint/],
    ['a pin that is too short', ['--pin', 'AB:CD'], /--pin must be a SHA-256 fingerprint/],
    ['a missing --ca-file', ['--ca-file', '/nonexistent/ca.pem'], /--ca-file \/nonexistent\/ca\.pem: no such file/],
    ['a folder as --ca-file', ['--ca-file', os.tmpdir()], /is a folder/],
    ['a device as --health-file', ['--health-file', '/dev/zero'], /not a regular file/],
    ['two trust options', ['--ca-file', '/etc/hostname', '--trust-on-first-use'], /exclude each other/],
    ['an unknown option', ['--pinn', 'x'], /Unknown option '--pinn'/],
    ['a missing value', ['--url'], /argument missing/],
    ['a URL that is not http(s)', ['--url', 'ftp://x'], /--url must be an http\(s\) URL/],
    ['a positional argument', ['extra'], /Unexpected argument 'extra'/],
    [
      '--allow-plain-http with an https URL',
      ['--allow-plain-http', 'https://x'],
      /--allow-plain-http takes the http:\/\/ URL/,
    ],
  ];
  for (const [what, args, message] of usage) {
    it(`exit 2 with a clear message, no stack trace: ${what}`, () => {
      const r = run(['status', ...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('refuses to send the password over plain http:// (exit 2, nothing sent); --allow-plain-http URL opts in with a warning', () => {
    const refused = run(['status', '--no-docker', '--url', 'http://127.0.0.1:9'], { WA_PASSWORD: 'secret' });
    assert.equal(refused.status, 2);
    assert.match(
      refused.stderr,
      /refusing to send the password to http:\/\/127\.0\.0\.1:9 over plain http:\/\/.*--allow-plain-http http:\/\/127\.0\.0\.1:9/,
    );
    const other = run(
      ['status', '--no-docker', '--url', 'http://127.0.0.1:9', '--allow-plain-http', 'http://127.0.0.1:10'],
      { WA_PASSWORD: 'secret' },
    );
    assert.equal(other.status, 2, 'an opt-in for another URL does not count');
    const allowed = run(
      ['status', '--no-docker', '--url', 'http://127.0.0.1:9', '--allow-plain-http', 'http://127.0.0.1:9'],
      { WA_PASSWORD: 'secret' },
    );
    assert.match(allowed.stderr, /WARNING: sending the password to http:\/\/127\.0\.0\.1:9 in clear text/);
    assert.equal(allowed.status, 3, 'nothing listens there: cannot tell');
    assert.doesNotMatch(allowed.stdout + allowed.stderr, /secret/);
  });

  it('exit 3 when the API is unreachable; 1 for {"health":{}}; 0 for a healthy saved answer; 2 for a malformed file', () => {
    assert.equal(
      run(['status', '--no-docker', '--url', 'https://127.0.0.1:9'], { WA_API_KEY: 'k'.repeat(20) }).status,
      3,
    );
    assert.equal(run(['status', '--no-docker']).status, 3, 'no credentials: the health cannot be told');
    assert.equal(run(['status', '--health-file', file('empty.json', '{"health":{}}')]).status, 1);
    assert.equal(
      run(['status', '--health-file', file('single.json', '{"health":{"gateway_status":"connected"}}')]).status,
      0,
    );
    const bad = run(['status', '--health-file', file('bad.json', '{"health":')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Not JSON/);
  });

  it('--env-file is honoured: the env file decides the inferred API URL', () => {
    const project = fs.mkdtempSync(path.join(dir, 'proj-'));
    fs.writeFileSync(
      path.join(project, 'docker-compose.yml'),
      'services:\n  waweb:\n    image: docker.whatsapp.biz/web:v${WA_API_VERSION}\n    ports: ["${WEB_PORT}:443"]\n  wacore:\n    image: docker.whatsapp.biz/coreapp:v${WA_API_VERSION}\n',
    );
    fs.writeFileSync(path.join(project, 'prod.env'), 'WA_API_VERSION=2.51.1\nWEB_PORT=9\n');
    const r = run(
      [
        'status',
        '--no-docker',
        '--project-dir',
        project,
        '--env-file',
        path.join(project, 'prod.env'),
        '--format',
        'json',
      ],
      { WA_API_KEY: 'k'.repeat(20) },
    );
    assert.match(r.stdout, /127\.0\.0\.1:9\b/, r.stdout + r.stderr);
  });
});
