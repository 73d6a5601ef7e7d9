// The vendor's own multiconnect-compose.yml + db.env run against the emulator with only an override
// file that swaps the images (Done-when item 2). The vendor file publishes 0.0.0.0:9090 and
// 0.0.0.0:33060 and compose merges (cannot remove) `ports`, so this test holds a machine-wide lock
// on those ports (the other Compose leg runs this suite at the same time) and waits until both are
// free (a demo cluster may hold them); we still only talk to 127.0.0.1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { acquireMachineLock } from '../support/machineLock';
import { sharedDir } from '../support/paths';
import * as h from '../emulator/src/harness';

const vendorDir = path.join(sharedDir, 'fixtures', 'compose', 'installation');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

async function waitPortsFree(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `host ports ${ports.join(', ')} stay busy (the vendor file publishes them on 0.0.0.0; stop the demo cluster: npm run emulator -- down)`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('emulator: vendor multiconnect-compose.yml + db.env with an image-swapping override', function () {
  this.timeout(120_000);
  const project = `emuvendor${process.pid}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-emu-vendor-'));
  const override = path.join(dir, 'override.yml');
  const files = [path.join(vendorDir, 'multiconnect-compose.yml'), override];
  // A workspace-like handle so the harness helpers (compose, api) work on the vendor files.
  const ws: h.Workspace = {
    dir,
    project,
    version: h.OLD_VERSION,
    webPort: 9090,
    engine: 'mysql',
    apiKey: null,
    composeFile: files[0] ?? '',
    baseUrl: 'https://127.0.0.1:9090',
    compose: h.composeFlavor(),
  };
  let started = false;
  let releasePorts: (() => void) | undefined;

  before(async function () {
    this.timeout(360_000); // may wait for the other leg's run of this suite
    if (!fs.existsSync(path.join(vendorDir, 'multiconnect-compose.yml'))) {
      this.skip();
    }
    await h.buildImages();
    const image = (kind: string): string => `wa-emulator/${kind}:v\${WA_API_VERSION:?set WA_API_VERSION}`;
    fs.writeFileSync(
      override,
      [
        '# Swaps the vendor images for the wa-emulator images; nothing else.',
        "version: '3'",
        'services:',
        `  db:\n    image: ${h.DB_IMAGE_MYSQL}`,
        `  waweb:\n    image: ${image('web')}`,
        ...['master1', 'master2', 'wacore1', 'wacore2', 'wacore3'].map(
          (s) => `  ${s}:\n    image: ${image('coreapp')}`,
        ),
        '',
      ].join('\n'),
    );
    releasePorts = await acquireMachineLock(path.join(os.tmpdir(), 'wa-test-locks', 'host-ports-9090-33060'), {
      timeoutMs: 240_000,
      what: 'host ports 9090 and 33060 (the vendor file publishes them)',
    });
    await waitPortsFree([9090, 33060], 90_000);
  });

  after(async function () {
    if (started) {
      await h.compose(ws, ['down', '-v', '--remove-orphans', '-t', '5'], { files, check: false });
    }
    fs.rmSync(dir, { recursive: true, force: true });
    releasePorts?.();
  });

  it('config resolves to the vendor file with only the images changed', async function () {
    const cfg = await h.compose(ws, ['config'], { files });
    assert.match(cfg.stdout, /image: wa-emulator\/coreapp:v2\.51\.1/);
    assert.doesNotMatch(cfg.stdout, /docker\.whatsapp\.biz|mysql:8\.0\.33/);
    assert.match(cfg.stdout, /wait_on_mysql\.sh/);
    assert.match(cfg.stdout, /WA_DB_PASSWORD: testpass/);
  });

  it('up the documented HA set → health like fixture 01, register → like fixture 02', async function () {
    started = true;
    await h.compose(ws, ['up', '-d', ...h.HA_SERVICES], { files });
    const body = (name: string): Record<string, h.NodeHealth> =>
      (JSON.parse(fs.readFileSync(path.join(sharedDir, 'fixtures', 'health', name), 'utf8')) as h.HealthBody).health;
    // No WA_API_KEY in the vendor file: log in (first login sets the password).
    let token = '';
    const deadline = Date.now() + 20_000;
    while (!token) {
      token = await h.login(ws).catch((e: unknown) => {
        if (Date.now() > deadline) {
          throw e;
        }
        return new Promise<string>((r) => setTimeout(() => r(''), 500));
      });
    }
    await h.waitForHealth(ws, (b) => h.sameHealthShape(b.health, body('01-up-before-register.json')), {
      token,
      timeoutMs: 20_000,
    });
    const r = await h.api(ws, 'POST', '/v1/account', {
      token,
      body: { cc: '1', phone_number: '6315550000', method: 'voice', cert: 'Q2VydA==' },
    });
    assert.equal(r.status, 202, r.text);
    assert.equal((await h.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } })).status, 201);
    await h.waitForHealth(ws, (b) => h.sameHealthShape(b.health, body('02-after-register.json')), {
      token,
      timeoutMs: 20_000,
    });
    const ps = await h.compose(ws, ['ps'], { files });
    assert.match(ps.stdout, /0\.0\.0\.0:9090->443\/tcp/);
  });
});
