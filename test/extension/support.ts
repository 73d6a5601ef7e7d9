/** Helpers shared by the extension-host suites (not a test file itself). */
import assert from 'node:assert/strict';
import os from 'node:os';
import * as vscode from 'vscode';
import { probeCertificate } from '../../src/api/tls';
import { EXTENSION_ID } from '../../src/constants';
import { type TestApi } from '../../src/extension';
import { type ClusterSession } from '../../src/host/clusterSessions';
import * as emulator from '../emulator/src/harness';

/** The workspace folder the harness opened (clusters of a suite go in a subfolder named after its project). */
export const workspaceRoot = process.env.WA_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();

/** Polls `probe` until it gives a value (not undefined/false); a probe that throws is tried again. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** {@link eventually} for a condition. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await eventually(what, async () => (await probe()) || undefined, timeoutMs);
}

/** Activates the extension and returns its test API. */
export async function activateExtension(): Promise<TestApi> {
  const ext = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** The session of a project, once the extension has discovered its compose files. */
export function discovered(api: TestApi, project: string, timeoutMs = 60_000): Promise<ClusterSession> {
  return eventually(`cluster ${project} is discovered`, async () => {
    await api.sessions.rediscover();
    return api.sessions.all.find((s) => s.cluster.projectName === project);
  }, timeoutMs);
}

/**
 * What "Sign In" does once the user trusted the certificate and typed the password: the first
 * login (new password), the pinned certificate, the password in SecretStorage, new connections.
 * Returns an admin token for the test's own API calls.
 */
export async function signInAsTheUserWould(api: TestApi, ws: emulator.Workspace): Promise<string> {
  const token = await emulator.login(ws);
  const cert = await probeCertificate('127.0.0.1', ws.webPort);
  await api.access.trustCertificate(ws.baseUrl, { fingerprint256: cert.fingerprint256, pem: cert.pem });
  await api.access.storePassword(ws.baseUrl, 'admin', emulator.DEFAULT_PASSWORD);
  await api.sessions.reconnect();
  return token;
}
