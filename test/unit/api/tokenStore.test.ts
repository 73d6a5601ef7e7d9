import assert from 'node:assert/strict';
import { WaApiClient, type StoredToken } from '../../../src/api/client';
import { FakeTransport, json } from '../../fakes/fakeTransport';

const health = { health: { gateway_status: 'connected' }, meta: { version: 'v2.51.1', api_status: 'stable' } };

describe('api/client: a kept token (SecretStorage in the editor)', () => {
  it('uses a stored, unexpired token without logging in', async () => {
    const fake = new FakeTransport().on('GET /v1/health', (req) =>
      req.headers.authorization === 'Bearer kept'
        ? json(200, health)
        : json(401, { errors: [{ code: 1005, title: 'Access denied' }] }),
    );
    const client = new WaApiClient({
      transport: fake.transport,
      auth: { kind: 'basic', user: 'admin', password: 'pw' },
      token: { value: 'kept', expiresAt: Date.now() + 60_000 },
    });
    await client.health();
    assert.equal(fake.count('POST /v1/users/login'), 0);
  });

  it('renews silently when the API refuses the kept token, and hands the new one to onToken', async () => {
    const seen: (StoredToken | undefined)[] = [];
    const fake = new FakeTransport()
      .on('GET /v1/health', (req) =>
        req.headers.authorization === 'Bearer fresh'
          ? json(200, health)
          : json(401, { errors: [{ code: 1005, title: 'Access denied' }] }),
      )
      .on('POST /v1/users/login', () =>
        json(200, { users: [{ token: 'fresh', expires_after: '2099-01-01 00:00:00+00:00' }] }),
      )
      .on('POST /v1/users/logout', () => json(200, { meta: { version: 'v2.51.1', api_status: 'stable' } }));
    const client = new WaApiClient({
      transport: fake.transport,
      auth: { kind: 'basic', user: 'admin', password: 'pw' },
      token: { value: 'revoked', expiresAt: Date.now() + 60_000 },
      onToken: (t) => seen.push(t),
    });
    await client.health();
    assert.equal(fake.count('POST /v1/users/login'), 1);
    assert.equal(seen[0]?.value, 'fresh');
    await client.logout();
    assert.equal(seen[1], undefined, 'logout drops the kept token');
    assert.equal(seen.length, 2);
  });

  it('ignores a stored token that has expired', async () => {
    const fake = new FakeTransport()
      .on('GET /v1/health', () => json(200, health))
      .on('POST /v1/users/login', () => json(200, { users: [{ token: 'fresh' }] }));
    const client = new WaApiClient({
      transport: fake.transport,
      auth: { kind: 'basic', user: 'admin', password: 'pw' },
      token: { value: 'old', expiresAt: Date.now() - 1 },
    });
    assert.equal(client.hasToken, false);
    await client.health();
    assert.equal(fake.count('POST /v1/users/login'), 1);
  });
});
