import assert from 'node:assert/strict';
import fs from 'node:fs';
import { WaApiClient } from '../../../src/api/client';
import { ApiError } from '../../../src/api/errors';
import { parseHealthText } from '../../../src/api/health';
import { snapshotToText } from '../../../src/cluster/json';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import { JsonLineSplitter } from '../../../src/docker/demux';
import { toEvent } from '../../../src/docker/events';
import { FakeTransport } from '../../fakes/fakeTransport';
import { sharedPath } from '../../support/paths';
import { seededRandom } from '../../support/seededRandom';

/**
 * Issue 12, what #1 (second half): the answers we parse — health, shards, settings, login and
 * Docker events — malformed, truncated, deeply nested and type-confused. Seeded (mulberry32), so a
 * failure names its seed and case and reproduces. Only typed errors may come out (ApiError from the
 * API client, `undefined` from the event parser); oversized bodies are stopped in the transport
 * (transport.test.ts). `WA_FUZZ_CASES` raises the count per parser for a long run (default 2,000).
 */
const CASES = Number(process.env.WA_FUZZ_CASES ?? 2000);
const SEED = 0x12_0001;

const rng = seededRandom;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function deep(depth: number, leaf: unknown, asArray: boolean): string {
  const open = asArray ? '['.repeat(depth) : '{"a":'.repeat(depth);
  const close = asArray ? ']'.repeat(depth) : '}'.repeat(depth);
  return `${open}${JSON.stringify(leaf)}${close}`;
}

/** A value of a random (often wrong) type. */
function confusingValue(r: () => number): unknown {
  return pick(r, [
    () => null,
    () => 0,
    () => -1.5e308,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '',
    () => 'x'.repeat(Math.floor(r() * 100_000)),
    () => '\u001b[2J\u0007\u0000',
    () => true,
    () => [],
    () => [1, 'a', null],
    () => ({}),
    () => ({ __proto__: { polluted: true }, constructor: { prototype: 1 } }),
    () => ({ gateway_status: 7, role: [], errors: 'x' }),
    () => ({ errors: [{ code: 'x', title: 5 }] }),
  ])();
}

/** Replaces the value at a random path of `v` with a confusing one (returns the new root). */
function confuse(v: unknown, r: () => number): unknown {
  if (v === null || typeof v !== 'object' || r() < 0.25) {
    return confusingValue(r);
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      return [confusingValue(r)];
    }
    const i = Math.floor(r() * v.length);
    const copy = [...(v as unknown[])];
    copy[i] = confuse(copy[i], r);
    return copy;
  }
  const keys = Object.keys(v);
  const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  if (keys.length === 0 || r() < 0.15) {
    copy[
      pick(r, ['__proto__', 'constructor', 'gateway_status', 'role', 'errors', 'health', 'meta', '', 'k'.repeat(1000)])
    ] = confusingValue(r);
    return copy;
  }
  const k = pick(r, keys);
  copy[k] = confuse(copy[k], r);
  return copy;
}

/** One mutated body from a valid one: byte-level, truncation, type confusion or deep nesting. */
function mutateBody(valid: string, r: () => number): string {
  const op = r();
  if (op < 0.25) {
    return valid.slice(0, Math.floor(r() * valid.length));
  }
  if (op < 0.45) {
    let t = valid;
    for (let i = 0, n = 1 + Math.floor(r() * 5); i < n; i++) {
      const at = Math.floor(r() * (t.length + 1));
      t =
        t.slice(0, at) +
        pick(r, ['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', '\ud800', 'null', '1e999', '-', ' ']) +
        t.slice(at + (r() < 0.5 ? 1 : 0));
    }
    return t;
  }
  if (op < 0.8) {
    return JSON.stringify(confuse(JSON.parse(valid) as unknown, r));
  }
  if (op < 0.9) {
    const depth = pick(r, [100, 1000, 10_000, 100_000]);
    const asArray = r() < 0.5;
    return r() < 0.5
      ? deep(depth, confusingValue(r), asArray)
      : valid.replace(/"gateway_status":\s*"[a-z]+"/, `"gateway_status": ${deep(depth, 'connected', asArray)}`);
  }
  return pick(r, [
    '',
    ' ',
    'null',
    '[]',
    '{}',
    '"health"',
    '<html><body>502 Bad Gateway</body></html>',
    '\ufeff{}',
    '{"health":null}',
    '{"health":[]}',
    '{"health":{}}',
    '{"users":[]}',
    '{"account":{"shards":0}}',
    '{"settings":[]}',
  ]);
}

const isTyped = (e: unknown): boolean => e instanceof ApiError;

describe('API and Docker-event parsers over malformed answers (seeded fuzz)', function () {
  this.timeout(120_000);
  const healthBodies = fs
    .readdirSync(sharedPath('fixtures', 'health'))
    .map((f) => fs.readFileSync(sharedPath('fixtures', 'health', f), 'utf8'));

  it(`health: ${CASES} mutated /v1/health answers parse to a report or a typed error, and build a snapshot`, () => {
    const r = rng(SEED);
    let errors = 0;
    for (let i = 0; i < CASES; i++) {
      const body = mutateBody(pick(r, healthBodies), r);
      let result: ReturnType<typeof parseHealthText>;
      try {
        result = parseHealthText(body);
      } catch (e) {
        assert.fail(`seed ${SEED} case ${i}: parseHealthText threw ${String(e)} on ${body.slice(0, 200)}`);
      }
      if (!result.ok) {
        errors++;
        assert.ok(isTyped(result.error), `case ${i}`);
        continue;
      }
      const s = buildSnapshot({ now: 0, project: 'fuzz', health: result.value });
      assert.equal(typeof snapshotToText(s), 'string');
    }
    assert.ok(errors > CASES / 10 && errors < CASES, `a useful mix: ${errors} errors of ${CASES}`);
  });

  const clientCases: { name: string; call: (c: WaApiClient) => Promise<unknown>; route: string; valid: string }[] = [
    {
      name: 'shards',
      call: (c) => c.getShards(),
      route: 'GET /v1/account/shards',
      valid: JSON.stringify({ account: { shards: 2 }, meta: { version: 'v2.51.1' } }),
    },
    {
      name: 'settings',
      call: (c) => c.getApplicationSettings(),
      route: 'GET /v1/settings/application',
      valid: JSON.stringify({
        settings: { application: { heartbeat_interval: 5, unhealthy_interval: 30, webhooks: { url: 'https://x' } } },
        meta: { version: 'v2.51.1' },
      }),
    },
    {
      name: 'login',
      call: (c) => c.login(),
      route: 'POST /v1/users/login',
      valid: JSON.stringify({
        users: [{ token: 'eyJhbGciOi', expires_after: '2026-01-08 00:00:00+00:00' }],
        meta: { version: 'v2.51.1' },
      }),
    },
    { name: 'health (client)', call: (c) => c.health(), route: 'GET /v1/health', valid: healthBodies[2]! },
  ];
  for (const cc of clientCases) {
    it(`${cc.name}: ${CASES} mutated answers with random statuses reject only with ApiError`, async () => {
      const r = rng(SEED + cc.name.length);
      const login = JSON.stringify({ users: [{ token: 't0k3n' }] });
      for (let i = 0; i < CASES; i++) {
        const body = mutateBody(cc.valid, r);
        const status = pick(r, [200, 200, 200, 201, 204, 400, 401, 403, 404, 500, 502]);
        const fake = new FakeTransport().on(cc.route, () => ({ status, body }));
        if (cc.route !== 'POST /v1/users/login') {
          fake.on('POST /v1/users/login', () => ({ status: 200, body: login }));
        }
        const client = new WaApiClient({
          baseUrl: 'https://127.0.0.1:9090',
          transport: fake.transport,
          auth: { kind: 'basic', user: 'admin', password: 'p' },
        });
        try {
          await cc.call(client);
        } catch (e) {
          assert.ok(
            isTyped(e),
            `seed ${SEED} ${cc.name} case ${i} (HTTP ${status}): ${String(e)} on ${body.slice(0, 200)}`,
          );
        }
      }
    });
  }

  it(`Docker events: ${CASES} mutated event streams, split at random points, give events or nothing`, () => {
    const r = rng(SEED + 7);
    const valid = [
      {
        status: 'die',
        id: 'a'.repeat(64),
        from: 'wa-emulator/coreapp:v2.51.1',
        Type: 'container',
        Action: 'die',
        Actor: {
          ID: 'a'.repeat(64),
          Attributes: {
            'com.docker.compose.project': 'biz',
            'com.docker.compose.service': 'wacore1',
            exitCode: '137',
            name: 'biz_wacore1_1',
          },
        },
        time: 1700000000,
        timeNano: 1700000000000000000,
      },
      {
        Type: 'container',
        Action: 'health_status: unhealthy',
        Actor: { ID: 'b'.repeat(64), Attributes: { name: 'biz_db_1' } },
        time: 1700000001,
      },
      { Type: 'network', Action: 'connect', Actor: { ID: 'n1', Attributes: {} } },
    ].map((e) => JSON.stringify(e));
    let events = 0;
    for (let i = 0; i < CASES; i++) {
      const stream =
        Array.from({ length: 1 + Math.floor(r() * 4) }, () =>
          r() < 0.5 ? pick(r, valid) : mutateBody(pick(r, valid), r),
        ).join('\n') + (r() < 0.8 ? '\n' : '');
      const splitter = new JsonLineSplitter(
        (v) => {
          const ev = toEvent(v);
          if (ev) {
            events++;
            assert.equal(typeof ev.containerId, 'string');
          }
        },
        () => undefined,
      );
      let at = 0;
      while (at < stream.length) {
        const n = 1 + Math.floor(r() * (r() < 0.5 ? 200 : 65_536));
        splitter.push(stream.slice(at, at + n));
        at += n;
      }
    }
    assert.ok(events > 0, 'valid events still come through');
  });

  it('a Docker event line that never ends is dropped at the line limit instead of growing without bound', () => {
    let bad = 0;
    let good = 0;
    const splitter = new JsonLineSplitter(
      () => good++,
      () => bad++,
    );
    const chunk = `{"Type":"container","Action":"die","x":"${'y'.repeat(64 * 1024)}`;
    for (let i = 0; i < 200; i++) {
      splitter.push(i === 0 ? chunk : 'y'.repeat(64 * 1024));
    }
    splitter.push('\n{"Type":"container","Action":"start","id":"c"}\n');
    assert.ok(bad >= 1, 'the oversized line is reported as bad');
    assert.equal(good, 1, 'the stream goes on after it');
    assert.ok(splitter.buffered < 2 * 1024 * 1024, `buffer ${splitter.buffered}`);
  });
});
