import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { MAX_API_VERSION, negotiateApiVersion } from '../../../src/docker/apiVersion';
import { DockerodeClient } from '../../../src/docker/client';
import { resolveDockerEndpoint } from '../../../src/docker/endpoint';
import { toEvent } from '../../../src/docker/events';
import { type DockerEvent } from '../../../src/docker/types';
import { repoRoot } from '../../support/paths';

const fixture = (name: string): string => fs.readFileSync(path.join(repoRoot, 'test/fixtures/docker', name), 'utf8');
const version = (name: string): { ApiVersion: string; MinAPIVersion: string; Version: string } =>
  JSON.parse(fixture(name)) as { ApiVersion: string; MinAPIVersion: string; Version: string };
const engine = (name: string) => ({ apiVersion: version(name).ApiVersion, minApiVersion: version(name).MinAPIVersion });

/**
 * A stand-in engine on a unix socket that answers like the recorded one: `GET /version` from a
 * fixture, `/vX.Y/containers/json` with an empty list, `/vX.Y/events` with recorded lines; it
 * refuses a version above its own the way dockerd does (400, "client version … is too new").
 */
async function fakeEngine(
  versionFile: string,
  eventsFile: string,
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-fake-engine-')),
): Promise<{ socketPath: string; paths: string[]; close: () => Promise<void> }> {
  const socketPath = path.join(dir, 'docker.sock');
  const paths: string[] = [];
  const own = version(versionFile).ApiVersion;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://engine');
    paths.push(url.pathname);
    const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(url.pathname);
    const [asked, route] = m ? [m[1]!, m[2]!] : [undefined, url.pathname];
    res.setHeader('Api-Version', own);
    if (asked && Number(asked.split('.')[1]) > Number(own.split('.')[1])) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ message: `client version ${asked} is too new. Maximum supported API version is ${own}` }),
        );
    } else if (route === '/version') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(fixture(versionFile));
    } else if (route === '/containers/json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    } else if (route === '/events') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(fixture(eventsFile));
    } else {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: `page not found: ${route}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function clientFor(socketPath: string, env: Record<string, string> = {}): DockerodeClient {
  const ep = resolveDockerEndpoint({
    setting: `unix://${socketPath}`,
    env,
    homeDir: '/nonexistent',
    platform: 'linux',
    readFile: () => undefined,
    exists: () => false,
  });
  assert.ok(ep.ok);
  return DockerodeClient.fromEndpoint(ep.value, { env });
}

async function eventsOf(client: DockerodeClient, count: number): Promise<DockerEvent[]> {
  const got: DockerEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length} of ${count} events`)), 5000);
    const sub = client.subscribeEvents(
      { project: undefined },
      {
        onEvent: (e) => {
          got.push(e);
          if (got.length === count) {
            clearTimeout(timer);
            sub.dispose();
            resolve();
          }
        },
      },
    );
  });
  return got;
}

describe('docker/apiVersion negotiation (recorded /version answers)', () => {
  it("speaks the engine's own API to 20.10 (1.41) and ours to 27 / 28 (1.47, 1.48)", () => {
    assert.deepEqual(negotiateApiVersion(engine('version-20.10.24.json')), {
      ok: true,
      version: '1.41',
      reason: 'engine',
    });
    assert.deepEqual(negotiateApiVersion(engine('version-26.1.5.json')), {
      ok: true,
      version: '1.45',
      reason: 'engine',
    });
    assert.deepEqual(negotiateApiVersion(engine('version-27.4.0.json')), {
      ok: true,
      version: MAX_API_VERSION,
      reason: 'ours',
    });
    assert.deepEqual(negotiateApiVersion(engine('version-28.0.0.json')), {
      ok: true,
      version: MAX_API_VERSION,
      reason: 'ours',
    });
  });

  it('rises to an engine minimum above ours; refuses engines below 1.25; honours DOCKER_API_VERSION', () => {
    // Docker 29 accepts nothing below 1.44: still ours. An engine that refused 1.47 gets its minimum.
    assert.deepEqual(negotiateApiVersion({ apiVersion: '1.52', minApiVersion: '1.44' }), {
      ok: true,
      version: '1.47',
      reason: 'ours',
    });
    assert.deepEqual(negotiateApiVersion({ apiVersion: '1.60', minApiVersion: '1.50' }), {
      ok: true,
      version: '1.50',
      reason: 'engineMinimum',
    });
    const old = negotiateApiVersion({ apiVersion: '1.24' });
    assert.ok(!old.ok && /1\.25 or newer/.test(old.message));
    assert.deepEqual(negotiateApiVersion(engine('version-28.0.0.json'), { DOCKER_API_VERSION: '1.43' }), {
      ok: true,
      version: '1.43',
      reason: 'environment',
    });
    assert.equal(negotiateApiVersion(engine('version-28.0.0.json'), { DOCKER_API_VERSION: 'latest' }).ok, false);
  });

  it('reads the recorded 20.10 and 26.1 events, and the form without the deprecated status/id/from, alike', () => {
    const parse = (f: string) =>
      fixture(f)
        .trim()
        .split('\n')
        .map((l) => toEvent(JSON.parse(l)));
    const old = parse('events-20.10.24-compose-2.26.1.ndjson');
    const current = parse('events-without-deprecated-fields.ndjson');
    assert.deepEqual(current, old);
    assert.deepEqual(
      old.map((e) => e?.action),
      ['create', 'start', 'kill', 'die', 'stop', 'destroy'],
    );
    assert.match(old[0]!.name ?? '', /^logsdiag\d+-wacore1-1$/, 'Compose v2 names <project>-<service>-<n>');
    assert.equal(old[0]!.service, 'wacore1');
    assert.equal(old[3]!.exitCode, 0);
    const e26 = parse('events-26.1.5-compose-2.26.1.ndjson');
    assert.deepEqual(
      e26.map((e) => e?.action),
      ['create', 'start', 'kill', 'stop', 'die', 'destroy'],
    );
    assert.ok(e26.every((e) => e?.service === 'wacore1' && /^logsdiag\d+-wacore1-1$/.test(e.name ?? '')));
  });
});

describe('docker/client pins its requests to the negotiated API version (fake engine, recorded answers)', () => {
  for (const [versionFile, eventsFile, pinned] of [
    ['version-20.10.24.json', 'events-20.10.24-compose-2.26.1.ndjson', '1.41'],
    ['version-26.1.5.json', 'events-26.1.5-compose-2.26.1.ndjson', '1.45'],
    ['version-27.4.0.json', 'events-without-deprecated-fields.ndjson', '1.47'],
    ['version-28.0.0.json', 'events-without-deprecated-fields.ndjson', '1.47'],
  ] as const) {
    it(`${versionFile.replace(/^version-|\.json$/g, '')}: /v${pinned}/… for containers and events`, async () => {
      const e = await fakeEngine(versionFile, eventsFile);
      try {
        const client = clientFor(e.socketPath);
        assert.deepEqual(await client.listContainers('logsdiag26717'), []);
        const events = await eventsOf(client, 6);
        assert.deepEqual(
          events.map((x) => x.action),
          fixture(eventsFile)
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { Action: string }).Action),
        );
        const info = await client.ping();
        assert.equal(info.requestApiVersion, pinned);
        assert.deepEqual(e.paths, ['/version', `/v${pinned}/containers/json`, `/v${pinned}/events`, '/version']);
      } finally {
        await e.close();
        fs.rmSync(path.dirname(e.socketPath), { recursive: true, force: true });
      }
    });
  }

  it('negotiates again after the engine was replaced by an older one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-fake-engine-'));
    try {
      const newer = await fakeEngine('version-27.4.0.json', 'events-without-deprecated-fields.ndjson', dir);
      const client = clientFor(newer.socketPath);
      await client.listContainers(undefined);
      await newer.close();
      await assert.rejects(
        client.listContainers(undefined),
        (err: Error & { kind?: string }) => err.kind === 'daemonDown' || err.kind === 'unreachable',
      );
      // The same socket, now an engine 20.10: the same client asks /version again and speaks 1.41.
      const older = await fakeEngine('version-20.10.24.json', 'events-20.10.24-compose-2.26.1.ndjson', dir);
      try {
        await client.listContainers(undefined);
        assert.deepEqual(newer.paths, ['/version', '/v1.47/containers/json']);
        assert.deepEqual(older.paths, ['/version', '/v1.41/containers/json']);
      } finally {
        await older.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
