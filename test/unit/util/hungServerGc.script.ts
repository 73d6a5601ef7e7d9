/**
 * Run by hungServerGc.test.ts as `node --expose-gc hungServerGc.script.js`: the three places that
 * used `AbortSignal.any([signal, AbortSignal.timeout(ms)])` (the API transport, the Docker client,
 * the raw inspect, now DockerodeClient.inspectRaw) against servers that accept and never answer, while a garbage collection is
 * forced every 20 ms. Prints one JSON line `{ name, outcome, ms }` per case and exits.
 * On Node 20 the old construction never timed out here (nodejs/node#57736).
 */
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { createNodeTransport } from '../../../src/api/transport';
import { DockerodeClient } from '../../../src/docker/client';
import { resolveDockerEndpoint } from '../../../src/docker/endpoint';
import { signalWithTimeout } from '../../../src/util/abort';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  throw new Error('run with node --expose-gc');
}
const TIMEOUT_MS = 400;

async function hungServer(listenOn: number | string): Promise<http.Server> {
  // Accepts every request and never answers; sockets stay open.
  const server = http.createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(listenOn, resolve));
  return server;
}

async function measure(name: string, run: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  let outcome: string;
  try {
    await run();
    outcome = 'answered';
  } catch (e) {
    const err = e as { kind?: string; type?: string; name?: string };
    outcome = err.kind ?? err.type ?? err.name ?? 'error';
  }
  process.stdout.write(`${JSON.stringify({ name, outcome, ms: Date.now() - started })}\n`);
}

async function main(): Promise<void> {
  const collector = setInterval(() => gc!(), 20);
  const tcp = await hungServer(0);
  const port = (tcp.address() as AddressInfo).port;
  const socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wa-gc-')), 'docker.sock');
  const unix = await hungServer(socketPath);
  const endpoint = resolveDockerEndpoint({
    setting: `unix://${socketPath}`,
    env: {},
    homeDir: os.tmpdir(),
    platform: 'linux',
    readFile: () => undefined,
    exists: () => false,
  });
  if (!endpoint.ok) {
    throw endpoint.error;
  }

  await measure('api transport', () =>
    createNodeTransport()({
      method: 'GET',
      url: `http://127.0.0.1:${port}/v1/health`,
      headers: {},
      timeoutMs: TIMEOUT_MS,
    }),
  );
  // A caller's own signal alongside the timeout: the combination that lost the timer.
  const caller = new AbortController();
  await measure('api transport with a caller signal', () =>
    createNodeTransport()({
      method: 'GET',
      url: `http://127.0.0.1:${port}/v1/health`,
      headers: {},
      timeoutMs: TIMEOUT_MS,
      signal: caller.signal,
    }),
  );
  await measure('docker client', () =>
    DockerodeClient.fromEndpoint(endpoint.value, { timeoutMs: TIMEOUT_MS }).listContainers(undefined, caller.signal),
  );
  await measure('raw inspector', () =>
    DockerodeClient.fromEndpoint(endpoint.value, { timeoutMs: TIMEOUT_MS }).inspectRaw('0123456789ab', caller.signal),
  );
  await measure(
    'signalWithTimeout alone',
    () =>
      new Promise((_resolve, reject) => {
        const owned = signalWithTimeout([caller.signal], TIMEOUT_MS);
        owned.signal.addEventListener('abort', () => reject(owned.signal.reason as Error));
      }),
  );

  clearInterval(collector);
  tcp.closeAllConnections();
  unix.closeAllConnections();
  tcp.close();
  unix.close();
  fs.rmSync(path.dirname(socketPath), { recursive: true, force: true });
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
