import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { WaApiClient, plainHttpAllowedFor } from '../../../src/api/client';
import { ApiError } from '../../../src/api/errors';
import { MAX_RESPONSE_BYTES, createNodeTransport } from '../../../src/api/transport';

/** The real transport against local plain-HTTP servers: body size limit, cut connections, plain-http refusal. */
describe('api/transport: bounded answers and no credentials over plain http://', function () {
  this.timeout(60_000);
  let server: http.Server;
  let base = '';
  let hits = 0;
  let lastAuthorization: string | undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      hits++;
      lastAuthorization = req.headers.authorization;
      const url = req.url ?? '/';
      if (url === '/huge-declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(100 * 1024 * 1024) });
        res.write('{"health":{');
        return; // never sends the rest: the client must stop on the header alone
      }
      if (url === '/huge-chunked') {
        // 100 MB in 1 MB chunks without a length, as a broken proxy or a hostile server might.
        res.writeHead(200, { 'content-type': 'application/json' });
        const mb = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 100 && !res.destroyed) {
            sent++;
            if (!res.write(mb)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
        return;
      }
      if (url === '/cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"health":{"gateway_status":"conn', () => res.destroy());
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ health: { gateway_status: 'connected' }, users: [{ token: 't' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const get = (path: string) =>
    createNodeTransport()({ method: 'GET', url: base + path, headers: {}, timeoutMs: 30_000 });

  it('an answer declaring 100 MB is refused from its header, as a typed error', async () => {
    await assert.rejects(
      get('/huge-declared'),
      (e: unknown) => e instanceof ApiError && e.kind === 'malformed' && /larger than 16 MB/.test(e.message),
    );
  });

  it('a 100 MB answer without a length stops at the limit with bounded memory', async () => {
    global.gc?.();
    const before = process.memoryUsage().rss;
    await assert.rejects(get('/huge-chunked'), (e: unknown) => e instanceof ApiError && e.kind === 'malformed');
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < MAX_RESPONSE_BYTES * 4, `memory grew by ${Math.round(grown / 1024 / 1024)} MB`);
  });

  it('a connection cut in the middle of an answer is a typed network error', async () => {
    await assert.rejects(get('/cut'), (e: unknown) => e instanceof ApiError && e.kind === 'network');
  });

  it('refuses to send a password, token or API key to an http:// URL; nothing reaches the server', async () => {
    const before = hits;
    for (const auth of [
      { kind: 'basic', user: 'admin', password: 'secret' },
      { kind: 'apikey', key: 'k'.repeat(20) },
    ] as const) {
      const c = new WaApiClient({ baseUrl: base, transport: createNodeTransport(), auth });
      await assert.rejects(
        c.health(),
        (e: unknown) => e instanceof ApiError && e.kind === 'plainHttp' && /plain http:\/\//.test(e.message),
      );
    }
    assert.equal(hits, before, 'no request was sent');
  });

  it('sends over http:// only when the user opted in for that URL', async () => {
    const c = new WaApiClient({
      baseUrl: base,
      transport: createNodeTransport(),
      auth: { kind: 'apikey', key: 'k'.repeat(20) },
      allowPlainHttp: true,
    });
    assert.equal((await c.health()).mode, 'single');
    assert.equal(lastAuthorization, `Apikey ${'k'.repeat(20)}`);
    // Without credentials there is nothing to protect.
    const anonymous = new WaApiClient({ baseUrl: base, transport: createNodeTransport(), auth: { kind: 'none' } });
    assert.equal((await anonymous.health()).mode, 'single');
  });

  it('the opt-in list matches by origin (scheme, host, port), never an https:// URL', () => {
    assert.equal(plainHttpAllowedFor('http://10.0.0.5:9090/', ['http://10.0.0.5:9090']), true);
    assert.equal(plainHttpAllowedFor('http://10.0.0.5:9091', ['http://10.0.0.5:9090']), false);
    assert.equal(plainHttpAllowedFor('http://evil.example:9090', ['http://10.0.0.5:9090']), false);
    assert.equal(plainHttpAllowedFor('https://10.0.0.5:9090', ['http://10.0.0.5:9090']), false);
    assert.equal(plainHttpAllowedFor('http://10.0.0.5:9090', ['not a url']), false);
  });
});
