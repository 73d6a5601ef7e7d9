// The vendor's own multiconnect-compose.yml + db.env run against the emulator with only an override
// file that swaps the images (Done-when item 2). The vendor file publishes 0.0.0.0:9090 and
// 0.0.0.0:33060, and Compose merges (cannot remove) `ports`. So the cluster runs on a private
// engine in a network namespace of its own, where those ports are its own: on the machine's
// engine, the other Compose leg's clusters or a demo cluster may hold them (Docker hands out
// 33060 as a random host port: it is in the kernel's dynamic range, 32768-60999). The test
// reaches the web through a forwarder on a free 127.0.0.1 port.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrivateDockerd } from '../support/privateDockerd';
import { sharedDir } from '../support/paths';
import * as h from '../emulator/src/harness';

const vendorDir = path.join(sharedDir, 'fixtures', 'compose', 'installation');

describe('emulator: vendor multiconnect-compose.yml + db.env with an image-swapping override', function () {
  this.timeout(120_000);
  const project = `emuvendor${process.pid}`;
  const dir = path.join(os.tmpdir(), `wa-emu-vendor-${process.pid}`); // made in before()
  const override = path.join(dir, 'override.yml');
  const files = [path.join(vendorDir, 'multiconnect-compose.yml'), override];
  // A workspace-like handle so the harness helpers (compose, api) work on the vendor files.
  const ws: h.Workspace = {
    dir,
    project,
    version: h.OLD_VERSION,
    webPort: 0, // the forwarder's, set in before()
    engine: 'mysql',
    apiKey: null,
    composeFile: files[0] ?? '',
    baseUrl: '',
    compose: h.composeFlavor(),
  };
  // Made in before(): mocha runs this body also when --grep leaves the suite out.
  let engine: PrivateDockerd | undefined;
  const onEngine = { files, env: { DOCKER_HOST: '' } };
  let forward: { close(): Promise<void> } | undefined;

  before(async function () {
    this.timeout(360_000); // the image build may wait for the other leg's
    if (!fs.existsSync(path.join(vendorDir, 'multiconnect-compose.yml'))) {
      this.skip();
    }
    fs.mkdirSync(dir, { recursive: true });
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
    engine = new PrivateDockerd({ publishPorts: true });
    onEngine.env.DOCKER_HOST = engine.host;
    await engine.start();
    const images = [h.webImage(h.OLD_VERSION), h.coreappImage(h.OLD_VERSION), h.DB_IMAGE_MYSQL];
    const load = await h.exec('sh', ['-c', `docker save ${images.join(' ')} | docker -H '${engine.host}' load`], {
      timeoutMs: 180_000,
    });
    assert.equal(load.code, 0, load.stderr);
    ws.webPort = await h.freePort();
    ws.baseUrl = `https://127.0.0.1:${ws.webPort}`;
    forward = await engine.forwardPort(9090, ws.webPort);
  });

  after(async function () {
    this.timeout(120_000);
    if (await engine?.running()) {
      await h.compose(ws, ['down', '-v', '--remove-orphans', '-t', '5'], { ...onEngine, check: false });
    }
    await forward?.close();
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('config resolves to the vendor file with only the images changed', async function () {
    const cfg = await h.compose(ws, ['config'], onEngine);
    assert.match(cfg.stdout, /image: wa-emulator\/coreapp:v2\.51\.1/);
    assert.doesNotMatch(cfg.stdout, /docker\.whatsapp\.biz|mysql:8\.0\.33/);
    assert.match(cfg.stdout, /wait_on_mysql\.sh/);
    assert.match(cfg.stdout, /WA_DB_PASSWORD: testpass/);
  });

  it('up the documented HA set → health like fixture 01, register → like fixture 02', async function () {
    await h.compose(ws, ['up', '-d', ...h.HA_SERVICES], onEngine);
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
    const ps = await h.compose(ws, ['ps'], onEngine);
    assert.match(ps.stdout, /0\.0\.0\.0:9090->443\/tcp/);
  });
});
