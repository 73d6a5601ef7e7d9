// Every "documented behaviour" of issue 3 §3 against a running emulated cluster (real compose CLI,
// HTTPS with the emulator CA). Sources per behaviour: test/emulator/README.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from '../emulator/src/harness';

type Errors = {
  errors?: { code: number; title: string; details: string }[];
  meta?: { version?: string; api_status?: string };
};
const err = (r: h.ApiResponse): { code: number; title: string; details: string } | undefined =>
  (r.body as Errors | undefined)?.errors?.[0];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const connected = (b: h.HealthBody, prefix: string): string[] =>
  Object.entries(b.health)
    .filter(([k, v]) => k.startsWith(prefix) && v.gateway_status === 'connected')
    .map(([k]) => k);

describe('emulator: documented API behaviour (HA cluster)', function () {
  this.timeout(120_000);
  const project = `emuapi${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-api-'));
  const reg = {
    cc: '1',
    phone_number: '6315550001',
    method: 'sms',
    cert: Buffer.from('{"vname":"Acme API"}').toString('base64'),
  };
  const extra: string[] = [];
  let ws: h.Workspace;
  let token = '';
  let backup1 = '';

  before(async function () {
    ws = await h.startCluster({
      dir,
      project,
      webPort: await h.freePort(),
      env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3, WA_EMULATOR_LEASE_MS: 3000 },
    });
  });

  after(async function () {
    for (const name of extra) {
      await h.exec('docker', ['rm', '-f', name]);
    }
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('users: Basic login only; 401 on bad auth; first login needs new_password (1024); password policy; logout revokes the token', async function () {
    assert.equal((await h.api(ws, 'POST', '/v1/users/login')).status, 401);
    assert.equal((await h.api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'wrong'] })).status, 401);
    const first = await h.api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'secret'] });
    assert.equal(err(first)?.code, 1024);
    assert.equal(err(first)?.title, 'Password Change Required');
    const weak = await h.api(ws, 'POST', '/v1/users/login', {
      basic: ['admin', 'secret'],
      body: { new_password: 'short' },
    });
    assert.equal(err(weak)?.code, 1009);
    const ok = await h.api(ws, 'POST', '/v1/users/login', {
      basic: ['admin', 'secret'],
      body: { new_password: h.DEFAULT_PASSWORD },
    });
    assert.equal(ok.status, 200, ok.text);
    const user = (ok.body as { users: { token: string; expires_after: string }[] }).users[0];
    assert.ok(user && user.token.length > 20);
    const days = (Date.parse(user.expires_after.replace(' ', 'T')) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `token lifetime ${days} days`);
    assert.equal(
      (await h.api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'secret'] })).status,
      401,
      'old password no longer works',
    );
    const other = await h.login(ws);
    assert.equal((await h.api(ws, 'GET', '/v1/health', { token: user.token })).status, 200);
    const out = await h.api(ws, 'POST', '/v1/users/logout', { token: user.token });
    assert.equal(out.status, 200);
    assert.deepEqual(Object.keys(out.body as object), ['meta']);
    assert.equal(
      (await h.api(ws, 'GET', '/v1/health', { token: user.token })).status,
      401,
      'logged-out token rejected',
    );
    assert.equal((await h.api(ws, 'GET', '/v1/health', { token: other })).status, 200, 'other tokens stay valid');
    assert.equal((await h.api(ws, 'GET', '/v1/health', { token: 'nonsense' })).status, 401);
    assert.equal((await h.api(ws, 'GET', '/v1/health')).status, 401);
    token = other;
  });

  it('tokens expire (7 days by default; WA_EMULATOR_TOKEN_TTL_S for tests)', async function () {
    const port = await h.freePort();
    const name = `${project}_webttl`;
    extra.push(name);
    await h.compose(ws, [
      'run',
      '-d',
      '--no-deps',
      '--name',
      name,
      '-e',
      'WA_EMULATOR_TOKEN_TTL_S=2',
      '-p',
      `127.0.0.1:${port}:443`,
      'waweb',
    ]);
    const base = `https://127.0.0.1:${port}`;
    let short = '';
    for (let i = 0; i < 40 && !short; i++) {
      short = await h.login(base).catch(() => sleep(250).then(() => ''));
    }
    assert.ok(short, 'login on the short-TTL web');
    assert.equal(
      (await h.api(ws, 'GET', '/v1/account/shards', { token: short })).status,
      200,
      'tokens are shared through the database',
    );
    await sleep(2500);
    const r = await h.api(ws, 'GET', '/v1/account/shards', { token: short });
    assert.equal(r.status, 401);
    assert.match(err(r)?.details ?? '', /expired/i);
  });

  it('Apikey accepted on health, metrics and stats only', async function () {
    const k = ws.apiKey ?? '';
    assert.equal((await h.api(ws, 'GET', '/v1/health', { apiKey: k })).status, 200);
    assert.equal((await h.api(ws, 'GET', '/v1/metrics', { apiKey: k })).status, 200);
    assert.equal((await h.api(ws, 'GET', '/v1/stats/app', { apiKey: k })).status, 200);
    assert.equal((await h.api(ws, 'GET', '/v1/stats/db', { apiKey: k })).status, 200);
    assert.equal((await h.api(ws, 'GET', '/v1/health', { apiKey: 'wrong-key-123456' })).status, 401);
    assert.equal((await h.api(ws, 'GET', '/v1/settings/application', { apiKey: k })).status, 401);
    assert.equal((await h.api(ws, 'GET', '/v1/support', { apiKey: k })).status, 401);
  });

  it('error envelope and meta.version in every response', async function () {
    for (const r of [
      await h.api(ws, 'GET', '/v1/nope', { token }),
      await h.api(ws, 'GET', '/v1/health'),
      await h.api(ws, 'POST', '/v1/account', { token, body: {} }),
      await h.api(ws, 'GET', '/v1/health', { token }),
    ]) {
      const b = r.body as Errors;
      assert.equal(b.meta?.version, `v${h.OLD_VERSION}`, r.text);
      assert.equal(b.meta?.api_status, 'stable');
      if (r.status >= 400) {
        assert.equal(b.errors?.length, 1);
        assert.deepEqual(Object.keys(b.errors?.[0] ?? {}).sort(), ['code', 'details', 'title']);
      }
    }
    assert.equal(err(await h.api(ws, 'GET', '/v1/nope', { token }))?.code, 1006);
  });

  it('before registration: shards and backup refuse; health shows unregistered primary master and 1011 elsewhere', async function () {
    const b = await h.waitForHealth(ws, (x) => Object.keys(x.health).length === 4, { token });
    const roles = Object.values(b.health)
      .map((v) => v.role ?? `error ${v.errors?.[0]?.code ?? '?'}`)
      .sort();
    assert.deepEqual(roles, ['error 1011', 'error 1011', 'error 1011', 'primary_master']);
    assert.equal(Object.values(b.health).find((v) => v.role === 'primary_master')?.gateway_status, 'unregistered');
    assert.equal(
      err(await h.api(ws, 'POST', '/v1/account/shards', { token, body: { ...reg, shards: 2 } }))?.code,
      1009,
    );
    assert.equal(err(await h.api(ws, 'POST', '/v1/settings/backup', { token, body: { password: 'p' } }))?.code, 1009);
  });

  it('registration: validation, sunset switch (1005 biz_link_on_prem_reg_blocked), 202 + vname, verify, 201 when registered; code logged by web', async function () {
    assert.equal(err(await h.api(ws, 'POST', '/v1/account', { token, body: { ...reg, cert: undefined } }))?.code, 1008);
    assert.equal(
      err(await h.api(ws, 'POST', '/v1/account', { token, body: { ...reg, method: 'pigeon' } }))?.code,
      1009,
    );
    await h.setFaults(ws, { regSunset: true });
    const blocked = await h.api(ws, 'POST', '/v1/account', { token, body: reg });
    assert.deepEqual(err(blocked), {
      code: 1005,
      title: 'Access denied',
      details: 'Unknown error: biz_link_on_prem_reg_blocked',
    });
    await h.setFaults(ws, { regSunset: false });
    const r = await h.api(ws, 'POST', '/v1/account', { token, body: reg });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual((r.body as { account: unknown }).account, [{ vname: 'Acme API' }]);
    assert.equal(err(await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '000000' } }))?.code, 1009);
    const logs = await h.compose(ws, ['logs', '--no-color', 'waweb']);
    assert.match(logs.stdout, /registration code sent by sms to \+1 6315550001: 123456/);
    assert.equal((await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    assert.equal((await h.api(ws, 'POST', '/v1/account', { token, body: reg })).status, 201);
    await h.waitForHealth(ws, (x) => connected(x, 'wacore').length === 1, { token, timeoutMs: 10_000 });
  });

  it('backup: password-encrypted blob', async function () {
    const r = await h.api(ws, 'POST', '/v1/settings/backup', { token, body: { password: 'backup-pass' } });
    assert.equal(r.status, 200, r.text);
    backup1 = (r.body as { settings: { data: string } }).settings.data;
    assert.ok(backup1.length > 40);
    assert.doesNotMatch(Buffer.from(backup1, 'base64').toString('latin1'), /6315550001/, 'blob is encrypted');
  });

  it('settings: GET shows the env presets; PATCH validates; DELETE resets', async function () {
    const get = async (): Promise<Record<string, unknown>> =>
      (
        (await h.api(ws, 'GET', '/v1/settings/application', { token })).body as {
          settings: { application: Record<string, unknown> };
        }
      ).settings.application;
    const s = await get();
    assert.equal(s.heartbeat_interval, 1);
    assert.equal(s.unhealthy_interval, 3);
    assert.equal(s.callback_persist, true);
    assert.equal(
      err(await h.api(ws, 'PATCH', '/v1/settings/application', { token, body: { heartbeat_interval: -1 } }))?.code,
      1009,
    );
    assert.equal(
      err(await h.api(ws, 'PATCH', '/v1/settings/application', { token, body: { no_such_setting: 1 } }))?.code,
      1010,
    );
    assert.equal(
      (await h.api(ws, 'PATCH', '/v1/settings/application', { token, body: { callback_persist: false } })).status,
      200,
    );
    assert.equal((await get()).callback_persist, false);
    assert.equal((await h.api(ws, 'DELETE', '/v1/settings/application', { token })).status, 200);
    assert.equal((await get()).callback_persist, true);
  });

  it('shards: only 1/2/4/8/16/32, cert required; too few coreapps leaves shards unassigned', async function () {
    const set = (body: Record<string, unknown>): Promise<h.ApiResponse> =>
      h.api(ws, 'POST', '/v1/account/shards', { token, body });
    assert.equal(err(await set({ ...reg, shards: 3 }))?.code, 1009);
    assert.equal(err(await set({ cc: reg.cc, phone_number: reg.phone_number, shards: 2 }))?.code, 1008);
    assert.equal(err(await set({ ...reg, phone_number: '999999999', shards: 2 }))?.code, 1009);
    assert.equal((await set({ ...reg, shards: 4 })).status, 201);
    assert.deepEqual(((await h.api(ws, 'GET', '/v1/account/shards', { token })).body as { account: unknown }).account, {
      shards: 4,
    });
    const b = await h.waitForHealth(
      ws,
      (x) => connected(x, 'wacore').length === 2 && connected(x, 'master').length === 1,
      { token, timeoutMs: 10_000 },
    );
    assert.equal(
      Object.values(b.health).filter((v) => v.role === 'coreapp').length,
      2,
      'only 2 coreapps serve 4 shards',
    );
    const logs = await h.compose(ws, ['logs', '--no-color', 'master1', 'master2']);
    assert.match(logs.stdout, /shard [23] of 4 has no primary coreapp/);
    assert.equal((await set({ ...reg, shards: 2 })).status, 201);
    await h.waitForHealth(ws, (x) => connected(x, 'wacore').length === 2, { token });
  });

  it('restore: wrong password and a different shard layout fail; the same layout works', async function () {
    const wrong = await h.api(ws, 'POST', '/v1/settings/restore', { token, body: { password: 'nope', data: backup1 } });
    assert.equal(err(wrong)?.code, 1009);
    const layout = await h.api(ws, 'POST', '/v1/settings/restore', {
      token,
      body: { password: 'backup-pass', data: backup1 },
    });
    assert.equal(layout.status, 400);
    assert.match(err(layout)?.details ?? '', /1 shard\(s\) but this cluster has 2/);
    const b2 = (
      (await h.api(ws, 'POST', '/v1/settings/backup', { token, body: { password: 'backup-pass' } })).body as {
        settings: { data: string };
      }
    ).settings.data;
    const ok = await h.api(ws, 'POST', '/v1/settings/restore', { token, body: { password: 'backup-pass', data: b2 } });
    assert.equal(ok.status, 200, ok.text);
  });

  it('support, metrics (JSON and Prometheus) and stats have the documented shapes', async function () {
    const s = (await h.api(ws, 'GET', '/v1/support', { token })).body as { support: Record<string, unknown> };
    for (const k of ['db_engine', 'debug_info', 'expire_timestamp', 'multi_connect', 'schema', 'socket_conn']) {
      assert.ok(k in s.support, `support.${k}`);
    }
    assert.equal(s.support.multi_connect, true);
    assert.equal(s.support.debug_info, '+16315550001');
    const m = (await h.api(ws, 'GET', '/v1/metrics', { token })).body as {
      metrics: Record<string, { type: string; data: { labels: { node: string }; value: number }[] }>;
    };
    assert.equal(m.metrics.web_uptime?.type, 'gauge');
    assert.match(m.metrics.web_requests?.data[0]?.labels.node ?? '', /^waweb:/);
    const prom = await h.api(ws, 'GET', '/v1/metrics?format=prometheus', { token });
    assert.match(prom.text, /^# TYPE web_requests counter$/m);
    const a = (await h.api(ws, 'GET', '/v1/stats/app', { token })).body as {
      stats: { app: Record<string, { type: string; help: string; data: unknown[] }> };
    };
    assert.deepEqual(Object.keys(a.stats.app).sort(), [
      'callback_queue_size',
      'callback_requests',
      'endpoint_requests',
    ]);
    assert.equal(a.stats.app.endpoint_requests?.data.length, 2, 'one entry per coreapp');
    const d = (await h.api(ws, 'GET', '/v1/stats/db', { token })).body as { stats: { db: Record<string, unknown> } };
    assert.ok('db_messages' in d.stats.db);
    const ca = await h.api(ws, 'GET', '/v1/certificates/external/ca', { token });
    assert.equal(ca.text, h.caPem());
  });

  it('logs: coreapp format with levels D/I/W/E/C on stdout, web access log', async function () {
    const line = /^[DIWEC] \d{4}-\d\d-\d\d \d{1,2}:\d\d:\d\d\.\d{3} UTC \d+ [\w.]+\.cpp:\d+\] .+$/;
    const lines: string[] = [];
    for (const s of ['master1', 'master2', 'wacore1', 'wacore2']) {
      lines.push(
        ...(await h.exec('docker', ['logs', await h.containerIdOf(ws, s)])).stdout
          .split('\n')
          .filter((l) => /^[DIWEC] /.test(l)),
      );
    }
    assert.ok(lines.length > 10 && lines.every((l) => line.test(l)), lines.join('\n'));
    for (const level of ['D', 'I', 'W']) {
      assert.ok(
        lines.some((l) => l.startsWith(`${level} `)),
        `a ${level} line`,
      );
    }
    const web = await h.exec('docker', ['logs', await h.containerIdOf(ws, 'waweb')]);
    assert.match(
      web.stdout,
      // lighttpd's default format: the combined log format, ending with the Referer and the User-Agent.
      /^\S+ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/v1\/health HTTP\/1\.1" 200 \d+ "[^"]*" "[^"]*"$/m,
    );
  });

  it('wrong DB password / host / port: nodes fail with log lines; the web keeps running and answers errors', async function () {
    const run = async (suffix: string, service: string, envs: string[], extraArgs: string[] = []): Promise<string> => {
      const name = `${project}_${suffix}`;
      extra.push(name);
      await h.compose(ws, [
        'run',
        '-d',
        '--no-deps',
        '--name',
        name,
        ...envs.flatMap((e) => ['-e', e]),
        ...extraArgs,
        service,
      ]);
      return name;
    };
    const badPw = await run('badpw', 'wacore3', ['WA_DB_PASSWORD=wrong']);
    const w = await h.exec('docker', ['wait', badPw], { timeoutMs: 20_000 });
    assert.equal(w.stdout.trim(), '1');
    const l1 = (await h.exec('docker', ['logs', badPw])).stdout;
    assert.match(l1, /Access denied for user 'root'@'[\d.]+' \(using password: YES\)/);
    assert.match(l1, /^C .* Unable to initialize ConfigStore$/m);
    const badHost = await run('badhost', 'wacore3', ['WA_DB_HOSTNAME=nosuchdb']);
    const badPort = await run('badport', 'wacore3', ['WA_DB_PORT=3307']);
    const webPort = await h.freePort();
    const badWeb = await run('badweb', 'waweb', ['WA_DB_PASSWORD=wrong'], ['-p', `127.0.0.1:${webPort}:443`]);
    await sleep(3000);
    assert.match(
      (await h.exec('docker', ['logs', badHost])).stdout,
      /nc: getaddrinfo for host "nosuchdb" port 3306: Name or service not known/,
    );
    assert.match(
      (await h.exec('docker', ['logs', badPort])).stdout,
      /nc: connect to db port 3307 \(tcp\) failed: Connection refused/,
    );
    const r = await h.api(`https://127.0.0.1:${webPort}`, 'GET', '/v1/health', { apiKey: ws.apiKey ?? '' });
    assert.equal(r.status, 500);
    assert.equal(err(r)?.code, 1014);
    assert.match(err(r)?.details ?? '', /Access denied for user 'root'/);
    assert.match((await h.exec('docker', ['logs', badWeb])).stdout, /Unable to connect to database: Access denied/);
  });

  it('master election through the DB lease: exactly one primary; a new one when it dies', async function () {
    const b = await h.waitForHealth(
      ws,
      (x) => Object.values(x.health).filter((v) => v.role === 'primary_master').length === 1,
      { token },
    );
    const primaryKey = Object.entries(b.health).find(([, v]) => v.role === 'primary_master')?.[0] ?? '';
    const secondaryKey = Object.entries(b.health).find(([, v]) => v.role === 'secondary_master')?.[0] ?? '';
    assert.ok(primaryKey && secondaryKey);
    const service = primaryKey.split(':')[0] ?? '';
    const t0 = Date.now();
    await h.exec('docker', ['kill', await h.containerIdOf(ws, service)]);
    const after = await h.waitForHealth(ws, (x) => x.health[secondaryKey]?.role === 'primary_master', {
      token,
      timeoutMs: 15_000,
    });
    console.log(`      ${service} killed; ${secondaryKey.split(':')[0] ?? ''} primary after ${Date.now() - t0} ms`);
    assert.match(
      after.health[primaryKey]?.errors?.[0]?.details ?? '',
      /Please check if wacore is running/,
      'the dead master shows an error until its row ages out',
    );
    assert.equal(after.health[secondaryKey]?.gateway_status, 'connected', 'primary master connected with 2 shards');
  });
});

describe('emulator: single instance (Postgres flavour)', function () {
  this.timeout(120_000);
  const project = `emusingle${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-single-'));
  let ws: h.Workspace;

  before(async function () {
    await h.buildImages();
    ws = {
      ...h.writeWorkspace({ dir, project, webPort: await h.freePort(), engine: 'postgres' }),
      composeFile: 'docker-compose.yml',
    };
    await h.up(ws, ['db', 'wacore', 'waweb']);
  });

  after(async function () {
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('health has the single-instance shape: unregistered, then connected after registration', async function () {
    const b = await h.waitForHealth(ws, (x) => x.health.gateway_status === ('unregistered' as unknown), {
      timeoutMs: 20_000,
    });
    assert.deepEqual(b.health, { gateway_status: 'unregistered' });
    const token = await h.login(ws);
    assert.equal(
      (
        await h.api(ws, 'POST', '/v1/account', {
          token,
          body: { cc: '44', phone_number: '7700900000', method: 'voice', cert: 'Y2VydA==' },
        })
      ).status,
      202,
    );
    assert.equal((await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    const c = await h.waitForHealth(ws, (x) => x.health.gateway_status === ('connected' as unknown), {
      token,
      timeoutMs: 10_000,
    });
    assert.deepEqual(c.health, { gateway_status: 'connected' });
    const support = (await h.api(ws, 'GET', '/v1/support', { token })).body as {
      support: { db_engine: string; multi_connect: boolean };
    };
    assert.equal(support.support.db_engine, 'PostgreSQL');
    assert.equal(support.support.multi_connect, false);
    const db = (await h.compose(ws, ['logs', '--no-color', 'db'])).stdout;
    assert.match(db, /listening on IPv4 address "0\.0\.0\.0", port 3306/);
  });

  it('wait_on_postgres.sh against a MySQL-speaking server fails at the handshake', async function () {
    const name = `${project}_mismatch`;
    try {
      await h.compose(ws, ['run', '-d', '--no-deps', '--name', name, '-e', 'WA_DB_ENGINE=MYSQL', 'wacore']);
      const w = await h.exec('docker', ['wait', name], { timeoutMs: 20_000 });
      assert.equal(w.stdout.trim(), '1');
      assert.match(
        (await h.exec('docker', ['logs', name])).stdout,
        /Lost connection to MySQL server at 'reading initial communication packet'/,
      );
    } finally {
      await h.exec('docker', ['rm', '-f', name]);
    }
  });
});
