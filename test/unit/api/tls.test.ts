import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { WaApiClient } from '../../../src/api/client';
import { ApiError } from '../../../src/api/errors';
import { normalizeFingerprint, probeCertificate } from '../../../src/api/tls';
import { createNodeTransport } from '../../../src/api/transport';
import { repoRoot } from '../../support/paths';

const dir = path.join(repoRoot, 'test', 'fixtures', 'api');
const cert = fs.readFileSync(path.join(dir, 'selfsigned.crt'), 'utf8');
const key = fs.readFileSync(path.join(dir, 'selfsigned.key'), 'utf8');
const fingerprint = new X509Certificate(cert).fingerprint256;
const otherFingerprint = new X509Certificate(fs.readFileSync(path.join(dir, 'other.crt'))).fingerprint256;

describe('api/tls (local HTTPS server with a self-signed certificate)', () => {
  let server: https.Server;
  let port = 0;
  let hits = 0;

  before(async () => {
    server = https.createServer({ cert, key }, (req, res) => {
      hits++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ health: { gateway_status: 'connected' }, meta: { version: 'v2.45.1' } }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('probeCertificate reads the certificate with verification on and sends no request', async () => {
    const before = hits;
    const p = await probeCertificate('127.0.0.1', port);
    assert.equal(p.trusted, false);
    assert.equal(p.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.equal(p.fingerprint256, fingerprint);
    assert.match(p.pem, /BEGIN CERTIFICATE/);
    assert.equal(hits, before);
  });

  it('system trust: an untrusted certificate is a tls error carrying the fingerprint to pin', async () => {
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'system' }),
      auth: { kind: 'none' },
    });
    const before = hits;
    await assert.rejects(
      c.health(),
      (e: unknown) => e instanceof ApiError && e.kind === 'tls' && e.fingerprint256 === fingerprint,
    );
    assert.equal(hits, before);
  });

  it('pinned fingerprint (any notation): connects, certificate still verified', async () => {
    const pin = fingerprint.replace(/:/g, '').toLowerCase();
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256: pin }),
      auth: { kind: 'none' },
    });
    const h = await c.health();
    assert.equal(h.mode, 'single');
    assert.equal(normalizeFingerprint(pin), fingerprint);
  });

  it('pinned with the PEM: connects without probing', async () => {
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256: fingerprint, certPem: cert }),
      auth: { kind: 'none' },
    });
    assert.equal((await c.health()).entries[0]?.gatewayStatus, 'connected');
  });

  it('a wrong pin is refused before any request is sent', async () => {
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256: otherFingerprint }),
      auth: { kind: 'none' },
    });
    const before = hits;
    await assert.rejects(
      c.health(),
      (e: unknown) => e instanceof ApiError && e.kind === 'tls' && e.code === 'ERR_TLS_CERT_PIN_MISMATCH',
    );
    assert.equal(hits, before);
  });

  it('a wrong pin with a PEM of another certificate fails verification', async () => {
    const other = fs.readFileSync(path.join(dir, 'other.crt'), 'utf8');
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'pinned', fingerprint256: otherFingerprint, certPem: other }),
      auth: { kind: 'none' },
    });
    await assert.rejects(c.health(), (e: unknown) => e instanceof ApiError && e.kind === 'tls');
  });

  it('CA file trust: the certificate as CA verifies (SAN has 127.0.0.1)', async () => {
    const c = new WaApiClient({
      baseUrl: `https://127.0.0.1:${port}`,
      transport: createNodeTransport({ kind: 'caFile', caPem: cert }),
      auth: { kind: 'none' },
    });
    assert.equal((await c.health()).mode, 'single');
  });

  it('connection refused is a network error; a timeout is a timeout', async () => {
    const c = new WaApiClient({
      baseUrl: 'https://127.0.0.1:1',
      transport: createNodeTransport(),
      auth: { kind: 'none' },
    });
    await assert.rejects(
      c.health(),
      (e: unknown) => e instanceof ApiError && e.kind === 'network' && e.code === 'ECONNREFUSED',
    );
    const silent = https.createServer({ cert, key }, () => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const sp = (silent.address() as AddressInfo).port;
    const c2 = new WaApiClient({
      baseUrl: `https://127.0.0.1:${sp}`,
      transport: createNodeTransport({ kind: 'caFile', caPem: cert }),
      auth: { kind: 'none' },
      timeoutMs: 300,
    });
    await assert.rejects(c2.health(), (e: unknown) => e instanceof ApiError && e.kind === 'timeout');
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
