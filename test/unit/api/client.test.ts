import assert from 'node:assert/strict';
import fs from 'node:fs';
import { WaApiClient } from '../../../src/api/client';
import { ApiError, REGISTRATION_BLOCKED_EXPLANATION } from '../../../src/api/errors';
import { type Transport } from '../../../src/api/transport';
import { FakeClock } from '../../fakes/fakeClock';
import { FakeTransport, json } from '../../fakes/fakeTransport';
import { sharedPath } from '../../support/paths';

const health04 = JSON.parse(
  fs.readFileSync(sharedPath('fixtures', 'health', '04-third-coreapp-standby.json'), 'utf8'),
) as unknown;
const loginOk = (token: string) => () => json(200, { users: [{ token, expires_after: '2099-01-01 00:00:00+00:00' }] });

async function rejects(p: Promise<unknown>, kind: string): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('api/client WaApiClient', () => {
  it('logs in with Basic once and reuses the token', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', loginOk('tok1'))
      .on('GET /v1/health', () => json(200, health04));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'Secret-1' } });
    const h = await c.health();
    await c.health();
    assert.equal(h.entries.length, 5);
    assert.equal(t.count('POST /v1/users/login'), 1);
    assert.equal(t.requests[0]?.headers.authorization, `Basic ${Buffer.from('admin:Secret-1').toString('base64')}`);
    assert.equal(t.requests[1]?.headers.authorization, 'Bearer tok1');
    assert.equal(t.requests[1]?.url, 'https://127.0.0.1:9090/v1/health');
  });

  it('an expired token (401) logs in again once and retries', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', [loginOk('old'), loginOk('new')])
      .on('GET /v1/health', (req) =>
        req.headers.authorization === 'Bearer old'
          ? json(401, { errors: [{ code: 1005, title: 'Access denied', details: 'Invalid credentials' }] })
          : json(200, health04),
      );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    await c.login();
    const h = await c.health();
    assert.equal(h.entries.length, 5);
    assert.equal(t.count('POST /v1/users/login'), 2);
    assert.equal(t.count('GET /v1/health'), 2);
  });

  it('requests that meet the same expiry share one re-login (the one that comes late reuses the new token)', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', [loginOk('old'), loginOk('new'), loginOk('newer')])
      .on('GET /v1/health', (req) =>
        req.headers.authorization === 'Bearer old'
          ? json(401, {
              errors: [{ code: 1005, title: 'Access denied', details: 'Token expired. Please log in again.' }],
            })
          : json(200, health04),
      );
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let oldHealth = 0;
    const transport: Transport = async (req) => {
      if (req.url.endsWith('/v1/health') && req.headers.authorization === 'Bearer old' && ++oldHealth === 2) {
        await held;
      }
      return t.transport(req);
    };
    const c = new WaApiClient({ transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    await c.login();
    // Both requests leave with "old"; the second one's 401 arrives after the first one renewed the token.
    const a = c.health();
    const b = c.health();
    await a;
    release();
    await b;
    assert.equal(t.count('POST /v1/users/login'), 2, 'one login at start, one renewal');
  });

  it('the saved password refused after a session ended → "unauthorized" that says so, once', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', [
        loginOk('old'),
        () => json(401, { errors: [{ code: 1005, title: 'Access denied', details: 'Invalid credentials.' }] }),
      ])
      .on('GET /v1/health', () =>
        json(401, { errors: [{ code: 1005, title: 'Access denied', details: 'Token expired. Please log in again.' }] }),
      );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    await c.login();
    for (let i = 0; i < 2; i++) {
      const e = await rejects(c.health(), 'unauthorized');
      assert.match(
        e.message,
        /^The session ended \(token expired or revoked\) and signing in again with the saved password was refused \(Unauthorized: Access denied \(Invalid credentials\.\)\): the password may have changed; sign in again$/,
      );
    }
    assert.equal(t.count('POST /v1/users/login'), 3, 'no retry loop: one login per request');
  });

  it('a wrong password is "unauthorized", with no retry loop', async () => {
    const t = new FakeTransport().on('POST /v1/users/login', () =>
      json(401, { errors: [{ code: 1005, title: 'Access denied', details: 'Invalid credentials' }] }),
    );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'wrong' } });
    await rejects(c.health(), 'unauthorized');
    assert.equal(t.count('POST /v1/users/login'), 1);
  });

  it('401 twice in a row gives up after one re-login', async () => {
    const t = new FakeTransport().on('POST /v1/users/login', loginOk('x')).on('GET /v1/health', () => json(401, {}));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    await rejects(c.health(), 'unauthorized');
    assert.equal(t.count('POST /v1/users/login'), 2);
    assert.equal(t.count('GET /v1/health'), 2);
  });

  it('first login: 1024 is answered with new_password when one is configured', async () => {
    const t = new FakeTransport().on('POST /v1/users/login', (req) =>
      req.body?.includes('new_password')
        ? json(200, { users: [{ token: 'fresh' }] })
        : json(400, { errors: [{ code: 1024, title: 'Password Change Required' }] }),
    );
    const c = new WaApiClient({
      transport: t.transport,
      auth: { kind: 'basic', user: 'admin', password: 'secret', newPassword: 'N3w-Passw0rd!' },
    });
    assert.equal(await c.login(), 'fresh');
    assert.deepEqual(JSON.parse(t.requests[1]!.body!), { new_password: 'N3w-Passw0rd!' });
  });

  it('first login without a new password → passwordChangeRequired', async () => {
    const t = new FakeTransport().on('POST /v1/users/login', () =>
      json(400, { errors: [{ code: 1024, title: 'Password Change Required' }] }),
    );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'secret' } });
    const e = await rejects(c.login(), 'passwordChangeRequired');
    assert.equal(e.apiCode, 1024);
  });

  it('Apikey auth is sent as-is and needs no login', async () => {
    const t = new FakeTransport().on('GET /v1/health', () => json(200, health04));
    const c = new WaApiClient({
      baseUrl: 'https://127.0.0.1:19090/',
      transport: t.transport,
      auth: { kind: 'apikey', key: 'k'.repeat(20) },
    });
    await c.health();
    assert.equal(t.requests[0]?.headers.authorization, `Apikey ${'k'.repeat(20)}`);
    assert.equal(t.requests[0]?.url, 'https://127.0.0.1:19090/v1/health');
    await rejects(c.getShards(), 'unauthorized');
  });

  it('error envelope → typed api error with code, title, details', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', loginOk('t'))
      .on('GET /v1/account/shards', () =>
        json(400, { errors: [{ code: 1017, title: 'Not Primary Master', details: 'retry' }] }),
      );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    const e = await rejects(c.getShards(), 'api');
    assert.equal(e.apiCode, 1017);
    assert.equal(e.errors[0]?.title, 'Not Primary Master');
    assert.equal(e.errors[0]?.details, 'retry');
    assert.equal(e.status, 400);
  });

  it('the sunset registration block is explained in plain words', async () => {
    const t = new FakeTransport().on('POST /v1/users/login', loginOk('t')).on('POST /v1/account', () =>
      json(403, {
        errors: [{ code: 1005, title: 'Access denied', details: 'Unknown error: biz_link_on_prem_reg_blocked' }],
      }),
    );
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    const e = await rejects(
      c.registerAccount({ cc: '1', phoneNumber: '6315550000', method: 'sms', cert: 'abc' }),
      'registrationBlocked',
    );
    assert.equal(e.message, REGISTRATION_BLOCKED_EXPLANATION);
  });

  it('register: 202 = code sent, 201 = already registered; shards get/set', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', loginOk('t'))
      .on('POST /v1/account', [() => json(202, { account: [{ vname: 'Biz' }] }), () => json(201, { meta: {} })])
      .on('POST /v1/account/verify', () => json(201, { meta: { version: 'v2.45.1' } }))
      .on('GET /v1/account/shards', () => json(200, { account: { shards: 2 }, meta: { version: 'v2.45.1' } }))
      .on('POST /v1/account/shards', () => json(201, { meta: {} }));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    assert.deepEqual(await c.registerAccount({ cc: '1', phoneNumber: '6315550000', method: 'sms', cert: 'abc' }), {
      status: 'codeSent',
      vname: 'Biz',
    });
    assert.equal(
      (await c.registerAccount({ cc: '1', phoneNumber: '6315550000', method: 'voice', cert: 'abc', pin: '123456' }))
        .status,
      'registered',
    );
    await c.verifyAccount('123456');
    assert.equal(await c.getShards(), 2);
    assert.equal(c.lastVersion, 'v2.45.1');
    await c.setShards({ cc: '1', phoneNumber: '6315550000', shards: 2, cert: 'abc' });
    await rejects(c.setShards({ cc: '1', phoneNumber: '6315550000', shards: 3 as 2, cert: 'abc' }), 'api');
    const sent = JSON.parse(
      t.requests.find((r) => r.url.endsWith('/v1/account/shards') && r.method === 'POST')!.body!,
    ) as Record<string, unknown>;
    assert.deepEqual(sent, { cc: '1', phone_number: '6315550000', shards: 2, cert: 'abc' });
  });

  it('settings, backup/restore, support, metrics', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', loginOk('t'))
      .on('GET /v1/settings/application', () => json(200, { settings: { application: { heartbeat_interval: 5 } } }))
      .on('PATCH /v1/settings/application', () => json(200, { meta: {} }))
      .on('POST /v1/settings/backup', () => json(200, { settings: { data: 'BLOB' } }))
      .on('POST /v1/settings/restore', () => ({ status: 200, body: '' }))
      .on('GET /v1/support', () => json(200, { support: { multi_connect: true } }))
      .on('GET /v1/metrics', () => json(200, { metrics: { web_uptime: 1 } }));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    assert.deepEqual(await c.getApplicationSettings(), { heartbeat_interval: 5 });
    await c.patchApplicationSettings({ unhealthy_interval: 30 });
    assert.equal(await c.backup('pw'), 'BLOB');
    await c.restore('pw', 'BLOB');
    assert.deepEqual(await c.support(), { multi_connect: true });
    assert.deepEqual(await c.metrics(), { web_uptime: 1 });
  });

  it('malformed bodies and transport failures are typed errors', async () => {
    const t = new FakeTransport()
      .on('POST /v1/users/login', loginOk('t'))
      .on('GET /v1/health', [
        () => ({ status: 200, body: '<html>' }),
        () => json(200, { nope: 1 }),
        () => new ApiError('network', 'ECONNREFUSED', { code: 'ECONNREFUSED' }),
      ])
      .on('GET /v1/account/shards', () => json(200, { account: { shards: 'two' } }))
      .on('GET /v1/support', () => ({ status: 502, body: 'Bad gateway' }));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'admin', password: 'p' } });
    await rejects(c.health(), 'malformed');
    await rejects(c.health(), 'malformed');
    await rejects(c.health(), 'network');
    await rejects(c.getShards(), 'malformed');
    const e = await rejects(c.support(), 'http');
    assert.equal(e.status, 502);
  });

  it('passes the AbortSignal and timeout down; a cancelled call is "aborted"', async () => {
    const t = new FakeTransport().on('GET /v1/health', () => json(200, health04));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'none' }, timeoutMs: 1234 });
    const ac = new AbortController();
    await c.health({ signal: ac.signal });
    assert.equal(t.requests[0]?.signal, ac.signal);
    assert.equal(t.requests[0]?.timeoutMs, 1234);
    ac.abort();
    await rejects(c.health({ signal: ac.signal }), 'aborted');
  });

  it('token expiry is honoured with an injected clock', async () => {
    const clock = new FakeClock();
    const t = new FakeTransport()
      .on('POST /v1/users/login', () => json(200, { users: [{ token: 'x' }] }))
      .on('GET /v1/health', () => json(200, health04));
    const c = new WaApiClient({ transport: t.transport, auth: { kind: 'basic', user: 'a', password: 'p' }, clock });
    await c.health();
    await clock.advance(8 * 24 * 3600 * 1000);
    assert.equal(c.hasToken, false);
    await c.health();
    assert.equal(t.count('POST /v1/users/login'), 2);
  });
});
