import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseHealth, parseHealthText } from '../../../src/api/health';
import { sharedPath } from '../../support/paths';

const fixture = (name: string): unknown =>
  JSON.parse(fs.readFileSync(sharedPath('fixtures', 'health', name), 'utf8')) as unknown;

describe('api/health parseHealth', () => {
  it('01: errors 1011 on three nodes, master2 primary and unregistered', () => {
    const r = parseHealth(fixture('01-up-before-register.json'));
    assert.ok(r.ok);
    assert.equal(r.value.mode, 'cluster');
    assert.equal(r.value.entries.length, 4);
    const m2 = r.value.entries.find((e) => e.hostname === 'master2')!;
    assert.equal(m2.containerId, '7fe542d305b4');
    assert.equal(m2.role, 'primary_master');
    assert.equal(m2.gatewayStatus, 'unregistered');
    const w1 = r.value.entries.find((e) => e.hostname === 'wacore1')!;
    assert.equal(w1.errors[0]?.code, 1011);
    assert.equal(w1.gatewayStatus, undefined);
  });

  it('04: five nodes with roles and statuses', () => {
    const r = parseHealth(fixture('04-third-coreapp-standby.json'));
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.entries.map((e) => `${e.hostname}=${e.role}/${e.gatewayStatus}`),
      [
        'master1=secondary_master/disconnected',
        'master2=primary_master/connected',
        'wacore1=coreapp/connected',
        'wacore2=coreapp/connected',
        'wacore3=coreapp/disconnected',
      ],
    );
  });

  it('single instance with meta version', () => {
    const r = parseHealth({
      health: { gateway_status: 'connected' },
      meta: { api_status: 'stable', version: 'v2.45.1' },
    });
    assert.ok(r.ok);
    assert.equal(r.value.mode, 'single');
    assert.equal(r.value.version, 'v2.45.1');
    assert.equal(r.value.entries[0]?.gatewayStatus, 'connected');
  });

  it('keeps unknown gateway statuses and roles instead of failing', () => {
    const r = parseHealth({ health: { 'x:1': { gateway_status: 'sleeping', role: 'janitor' } } });
    assert.ok(r.ok);
    assert.equal(r.value.entries[0]?.unknownGatewayStatus, 'sleeping');
    assert.equal(r.value.entries[0]?.unknownRole, 'janitor');
    assert.equal(r.value.entries[0]?.gatewayStatus, undefined);
  });

  for (const [label, body] of [
    ['null', null],
    ['a string', 'health'],
    ['no health key', { status: 'ok' }],
    ['health is an array', { health: [1, 2] }],
    ['entry is a number', { health: { 'a:b': 3 } }],
    ['entry without known fields', { health: { 'a:b': { foo: 1 } } }],
    ['errors with a bad item', { health: { 'a:b': { errors: [{ code: 'x' }] } } }],
    ['gateway_status not a string', { health: { 'a:b': { gateway_status: 5 } } }],
  ] as const) {
    it(`malformed (${label}) → typed error, no exception`, () => {
      const r = parseHealth(body);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.error.name, 'ApiError');
        assert.equal(r.error.kind, 'malformed');
      }
    });
  }

  it('parseHealthText rejects non-JSON with a typed error', () => {
    const r = parseHealthText('<html>502</html>');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.kind, 'malformed');
    }
  });
});
