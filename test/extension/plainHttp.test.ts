/**
 * The plain-http:// opt-in (setting waCluster.api.allowPlainHttp) in a real extension host: a
 * cluster whose API URL is http:// (a plain-HTTP front to the emulator's web, as a TLS-terminating
 * proxy would be) is refused, by Sign In and by the monitor, before any byte reaches it, with a
 * message that says why and what to do; once the user opts in for that URL, Sign In warns, then
 * works over http://. The front counts every request it gets, so "nothing sent" is seen on the wire.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import * as vscode from 'vscode';
import { type TestApi } from '../../src/extension';
import * as emulator from '../emulator/src/harness';
import { activateExtension, answerDialogs, discovered, until, workspaceRoot } from './support';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
}

/** A plain-HTTP server on 127.0.0.1 that forwards to the emulator's HTTPS web (trusting only its CA). */
async function plainHttpFront(webPort: number): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    const upstream = https.request(
      {
        host: '127.0.0.1',
        port: webPort,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: `127.0.0.1:${webPort}` },
        ca: emulator.caPem(),
        servername: 'localhost',
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('plain http:// API URL: refused unless the user opts in for it (extension host)', function () {
  this.timeout(120_000);
  const project = `waplain${process.pid}`;
  const dir = path.join(workspaceRoot, project);
  let ws: emulator.Workspace;
  let api: TestApi;
  let front: Awaited<ReturnType<typeof plainHttpFront>>;
  const config = () => vscode.workspace.getConfiguration('waCluster');
  const session = () => api.sessions.all.find((s) => s.cluster.projectName === project);
  /** The session, discovered again when a reconnect has just replaced it. */
  const current = async () => {
    if (!session()) {
      await api.sessions.rediscover();
    }
    return session();
  };
  const w = vscode.window as unknown as { showInputBox: typeof vscode.window.showInputBox };
  const savedInputBox = w.showInputBox;
  let passwordAsked = 0;

  before(async () => {
    ws = await emulator.startCluster({
      dir,
      project,
      webPort: await emulator.freePort(),
      services: ['db', 'waweb'],
    });
    await emulator.login(ws); // the first login sets the password the user then types
    front = await plainHttpFront(ws.webPort);
    api = await activateExtension();
    await discovered(api, project);
    await config().update('api.url', front.url, vscode.ConfigurationTarget.Workspace);
    await until('the cluster uses the http:// URL', async () => (await current())?.apiUrl === front.url);
    // The worst case: a password already kept for that URL; it must not travel without the opt-in either.
    await api.access.storePassword(front.url, 'admin', emulator.DEFAULT_PASSWORD);
    await api.sessions.reconnect();
    w.showInputBox = () => {
      passwordAsked++;
      return Promise.resolve(emulator.DEFAULT_PASSWORD);
    };
  });

  after(async () => {
    w.showInputBox = savedInputBox;
    await config().update('api.allowPlainHttp', undefined, vscode.ConfigurationTarget.Global);
    await config().update('api.url', undefined, vscode.ConfigurationTarget.Workspace);
    await front?.close();
    if (ws) {
      await emulator.down(ws, { volumes: true });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without the opt-in: the monitor and Sign In refuse with a clear message, and not one request reaches the URL', async () => {
    const s = await until(
      'the monitor refuses the http:// URL',
      async () => (await (await current())!.monitor.refresh()).api.errorKind === 'plainHttp',
    ).then(() => session()!.snapshot!);
    assert.match(
      s.api.message ?? '',
      /^Refusing to send credentials to http:\/\/127\.0\.0\.1:\d+ over plain http:\/\/ \(anyone on the network could read them\); use https:\/\/, or opt in for this URL$/,
    );
    const dialogs = answerDialogs();
    let signedIn: unknown;
    try {
      signedIn = await vscode.commands.executeCommand('waCluster.signIn', session()!.cluster.id);
    } finally {
      dialogs.restore();
    }
    assert.notEqual(signedIn, true);
    const errors = dialogs.shown.filter((d) => d.severity === 'error').map((d) => d.message);
    assert.equal(errors.length, 1, JSON.stringify(dialogs.shown));
    assert.match(
      errors[0]!,
      /^WA Cluster: Not signing in to http:\/\/127\.0\.0\.1:\d+: over plain http:\/\/ the password and token travel in clear text.* add http:\/\/127\.0\.0\.1:\d+ to the user setting waCluster\.api\.allowPlainHttp\.$/,
    );
    assert.equal(passwordAsked, 0, 'the password is not even asked for');
    assert.deepEqual(front.seen, [], 'no request reached the http:// URL');
  });

  it('with the opt-in for that URL: a warning first, then Sign In works over http:// and the tree gets health', async () => {
    await config().update('api.allowPlainHttp', [front.url], vscode.ConfigurationTarget.Global);
    await until('the cluster is there after the reconnect', async () => (await current()) !== undefined);
    const dialogs = answerDialogs({
      answers: [[/is plain http:\/\/: your password and token will travel unencrypted\.$/, 'Send in Clear Text']],
    });
    let signedIn: unknown;
    try {
      signedIn = await vscode.commands.executeCommand('waCluster.signIn', session()!.cluster.id);
    } finally {
      dialogs.restore();
    }
    assert.equal(signedIn, true, JSON.stringify(dialogs.shown));
    assert.deepEqual(
      dialogs.shown.filter((d) => d.modal).map((d) => ({ message: d.message, items: d.items })),
      [
        {
          message: `${front.url} is plain http://: your password and token will travel unencrypted.`,
          // The first button is what Enter does: it sends nothing.
          items: ['Open Settings', 'Send in Clear Text'],
        },
      ],
    );
    assert.ok(dialogs.shown.some((d) => d.message === `Signed in to ${front.url} as admin.`));
    assert.equal(passwordAsked, 1);
    await until('health over http://', async () => (await (await current())!.monitor.refresh()).api.status === 'ok');
    assert.ok(
      front.seen.some((r) => r.path === '/v1/users/login' && r.authorization?.startsWith('Basic ')),
      'the login went through the http:// URL',
    );
    assert.ok(front.seen.some((r) => r.path === '/v1/health' && r.authorization?.startsWith('Bearer ')));
  });
});
