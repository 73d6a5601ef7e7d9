// Fault injection (issue 3 §4): emulator-only control endpoint /_emulator/faults on the web (and, via
// the web, on each node) plus WA_EMULATOR_FAULT_* environment switches.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as h from '../emulator/src/harness';

const entry = (b: h.HealthBody, service: string): h.NodeHealth | undefined =>
  Object.entries(b.health).find(([k]) => k.startsWith(`${service}:`))?.[1];

describe('emulator: fault injection', function () {
  this.timeout(120_000);
  const project = `emufault${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-fault-'));
  let ws: h.Workspace;
  let token = '';

  before(async function () {
    ws = await h.startCluster({
      dir,
      project,
      webPort: await h.freePort(),
      env: { WA_EMULATOR_HEARTBEAT_INTERVAL: 1, WA_EMULATOR_UNHEALTHY_INTERVAL: 3 },
    });
    token = await h.login(ws);
    await h.api(ws, 'POST', '/v1/account', {
      token,
      body: { cc: '1', phone_number: '6315550003', method: 'sms', cert: 'Y2VydA==' },
    });
    await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } });
    await h.waitForHealth(ws, (x) => entry(x, 'wacore1')?.gateway_status === 'connected', { token, timeoutMs: 15_000 });
  });

  after(async function () {
    if (ws) {
      await h.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async function () {
    await h.api(ws, 'DELETE', '/_emulator/faults');
    for (const n of ['wacore1', 'wacore2', 'master1', 'master2']) {
      await h.api(ws, 'DELETE', `/_emulator/nodes/${n}/faults`);
    }
  });

  it('the control endpoint is separate from /v1', async function () {
    const r = await h.api(ws, 'GET', '/_emulator/faults');
    assert.deepEqual(r.body, {
      faults: { hangHealth: false, slowMs: 0, malformedJson: false, dropDb: false, regSunset: false },
    });
    assert.equal((await h.api(ws, 'GET', '/v1/_emulator/faults', { token })).status, 404);
  });

  it('web: slow answers', async function () {
    await h.setFaults(ws, { slowMs: 800 });
    const t0 = Date.now();
    const r = await h.api(ws, 'GET', '/v1/health', { token });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 800);
  });

  it('web: malformed JSON', async function () {
    await h.setFaults(ws, { malformedJson: true });
    const r = await h.api(ws, 'GET', '/v1/health', { token });
    assert.equal(r.body, undefined);
    assert.ok(r.text.startsWith('{"health"'));
  });

  it('web: hang health', async function () {
    await h.setFaults(ws, { hangHealth: true });
    await assert.rejects(h.api(ws, 'GET', '/v1/health', { token, timeoutMs: 1500 }), /timed out/);
    assert.equal((await h.api(ws, 'GET', '/v1/account/shards', { token })).status, 200, 'other endpoints still answer');
  });

  it("node: hang health, malformed JSON and slow answers show as that node's error", async function () {
    await h.setFaults(ws, { hangHealth: true }, 'wacore2');
    let b = await h.waitForHealth(ws, undefined, { token });
    assert.match(
      entry(b, 'wacore2')?.errors?.[0]?.details ?? '',
      /Connection timed out\. Please check if wacore is running: wacore2:6253/,
    );
    assert.equal(entry(b, 'wacore1')?.gateway_status, 'connected');
    await h.setFaults(ws, { hangHealth: false, malformedJson: true }, 'wacore2');
    b = await h.waitForHealth(ws, undefined, { token });
    assert.match(entry(b, 'wacore2')?.errors?.[0]?.details ?? '', /Invalid response/);
    await h.setFaults(ws, { malformedJson: false, slowMs: 600 }, 'wacore2');
    const t0 = Date.now();
    b = await h.waitForHealth(ws, undefined, { token });
    assert.ok(Date.now() - t0 >= 600);
    assert.equal(entry(b, 'wacore2')?.gateway_status, 'disconnected');
  });

  it('node: drop the DB connection → 1023 for that node, back after the switch is cleared', async function () {
    await h.setFaults(ws, { dropDb: true }, 'wacore2');
    const b = await h.waitForHealth(ws, (x) => entry(x, 'wacore2')?.errors?.[0]?.code === 1023, {
      token,
      timeoutMs: 5000,
    });
    assert.equal(entry(b, 'wacore2')?.errors?.[0]?.title, 'Database error occurred');
    await h.setFaults(ws, { dropDb: false }, 'wacore2');
    await h.waitForHealth(ws, (x) => entry(x, 'wacore2')?.gateway_status === 'disconnected', {
      token,
      timeoutMs: 5000,
    });
    const logs = await h.compose(ws, ['logs', '--no-color', 'wacore2']);
    assert.match(logs.stdout, /\| E .*database connection dropped \(fault injection\)/);
    assert.match(logs.stdout, /reconnected to the database/);
  });

  it('node: crash → non-zero exit, crash file, restart policy brings it back (same hostname, so it keeps its shard)', async function () {
    const id = await h.containerIdOf(ws, 'wacore1');
    // The suite's unhealthy_interval is 3 s; on a busy machine (npm test runs two legs at once) the
    // restart policy's back-off and the node's start take longer, and the spare then takes the shard
    // over, as documented. What is tested here is the same hostname keeping its shard across the
    // restart, so the spare is given time: a minute.
    const settings = (unhealthy: number) =>
      h.api(ws, 'PATCH', '/v1/settings/application', { token, body: { unhealthy_interval: unhealthy } });
    assert.equal((await settings(60)).status, 200);
    try {
      await crashAndComeBack(id);
    } finally {
      await settings(3);
    }
  });

  async function crashAndComeBack(id: string): Promise<void> {
    await h.setFaults(ws, { crash: true }, 'wacore1');
    let restarts = '0';
    for (let i = 0; i < 40 && restarts === '0'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      restarts = (await h.exec('docker', ['inspect', '-f', '{{.RestartCount}}', id])).stdout.trim();
    }
    assert.notEqual(restarts, '0', 'restarted by restart: unless-stopped');
    const logs = (await h.exec('docker', ['logs', id])).stdout;
    assert.match(logs, /^C .*fatal: crash requested/m);
    const diff = (await h.exec('docker', ['diff', id])).stdout;
    assert.match(diff, /\/usr\/local\/waent\/logs\/wa-service-\w+-crash\.log/);
    assert.equal(
      (await h.exec('docker', ['inspect', '-f', '{{.State.ExitCode}}', id])).stdout.trim(),
      '0',
      'running again (last exit code is reset on restart)',
    );
    const b = await h.waitForHealth(ws, (x) => entry(x, 'wacore1')?.gateway_status === 'connected', {
      token,
      timeoutMs: 40_000,
    });
    assert.equal(Object.keys(b.health).filter((k) => k.startsWith('wacore1:')).length, 1);
  }

  it('environment switches: WA_EMULATOR_FAULT_CRASH_AFTER_MS and WA_EMULATOR_REG_SUNSET', async function () {
    // Long enough for the web to connect to its database first on a busy machine.
    const CRASH_AFTER_MS = 12_000;
    const name = `${project}_envcrash`;
    const port = await h.freePort();
    try {
      await h.compose(ws, [
        'run',
        '-d',
        '--no-deps',
        '--name',
        name,
        '-e',
        'WA_EMULATOR_REG_SUNSET=1',
        '-e',
        `WA_EMULATOR_FAULT_CRASH_AFTER_MS=${CRASH_AFTER_MS}`,
        '-p',
        `127.0.0.1:${port}:443`,
        'waweb',
      ]);
      const base = `https://127.0.0.1:${port}`;
      // The web listens before it has connected to the database and answers "Unable to connect
      // to database" until then (SS#29): ask again until the registration itself is answered.
      const deadline = Date.now() + CRASH_AFTER_MS - 1000;
      let details: string | undefined;
      while (Date.now() < deadline && !details?.includes('biz_link')) {
        const r = await h
          .api(base, 'POST', '/v1/account', {
            token,
            body: { cc: '1', phone_number: '6315550003', method: 'sms', cert: 'Y2VydA==' },
          })
          .catch(() => undefined);
        details = (r?.body as { errors?: { details: string }[] } | undefined)?.errors?.[0]?.details ?? details;
        await new Promise((res) => setTimeout(res, 200));
      }
      assert.equal(details, 'Unknown error: biz_link_on_prem_reg_blocked');
      const w = await h.exec('docker', ['wait', name], { timeoutMs: CRASH_AFTER_MS + 20_000 });
      assert.equal(w.stdout.trim(), '134');
    } finally {
      await h.exec('docker', ['rm', '-f', name]);
    }
  });
});
