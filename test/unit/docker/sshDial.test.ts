import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Server, utils, type Connection } from 'ssh2';
import { DockerodeClient } from '../../../src/docker/client';
import { resolveDockerEndpoint } from '../../../src/docker/endpoint';
import { SshDockerDialer, sshConnectConfig } from '../../../src/docker/sshDial';

/**
 * An ssh server on 127.0.0.1 that runs `docker system dial-stdio` the way a Docker host does: each
 * such exec channel is piped to a stand-in engine (HTTP) that answers /version and an empty
 * container list. It counts ssh connections (logins) and channels.
 */
async function sshDockerHost(): Promise<{
  port: number;
  hostKey: string;
  logins: () => number;
  channels: () => number;
  dropConnections: () => void;
  close: () => Promise<void>;
}> {
  const engine = http.createServer((req, res) => {
    const route = (req.url ?? '').replace(/^\/v\d+\.\d+/, '');
    res.setHeader('content-type', 'application/json');
    if (route === '/version') {
      res.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux' }));
    } else if (route.startsWith('/containers/json')) {
      res.end('[]');
    } else {
      res.writeHead(404).end(JSON.stringify({ message: `page not found: ${route}` }));
    }
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  const enginePort = (engine.address() as net.AddressInfo).port;
  const keys = utils.generateKeyPairSync('ed25519');
  let logins = 0;
  let channels = 0;
  const connections = new Set<Connection>();
  const server = new Server({ hostKeys: [keys.private] }, (conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    conn.on('authentication', (ctx) => ctx.accept());
    conn.on('ready', () => {
      logins++;
      conn.on('session', (accept) => {
        accept().once('exec', (acceptExec, _reject, info) => {
          assert.equal(info.command, 'docker system dial-stdio');
          channels++;
          const stream = acceptExec();
          const upstream = net.connect(enginePort, '127.0.0.1');
          stream.pipe(upstream).pipe(stream);
          upstream.on('error', () => stream.close());
          stream.on('close', () => upstream.destroy());
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const hostKey = utils.parseKey(keys.public);
  assert.ok(!(hostKey instanceof Error));
  return {
    port: (server.address() as net.AddressInfo).port,
    hostKey: hostKey.getPublicSSH().toString('base64'),
    logins: () => logins,
    channels: () => channels,
    dropConnections: () => {
      for (const c of connections) {
        c.end();
      }
    },
    close: async () => {
      for (const c of connections) {
        c.end();
      }
      engine.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => engine.close(() => resolve())),
      ]);
    },
  };
}

function sshClient(port: number, hostKey: string): DockerodeClient {
  const ep = resolveDockerEndpoint({
    setting: `ssh://docker@127.0.0.1:${port}`,
    env: {},
    homeDir: '/nonexistent',
    platform: 'linux',
    readFile: () => undefined,
    exists: () => false,
  });
  assert.ok(ep.ok);
  assert.equal(ep.value.kind, 'ssh');
  const sshOptions = { hostVerifier: (key: Buffer) => key.toString('base64') === hostKey };
  return DockerodeClient.fromEndpoint({ ...ep.value, modemOptions: { ...ep.value.modemOptions, sshOptions } });
}

describe('docker/sshDial (Docker over ssh: one connection, a channel per request)', () => {
  it('twenty requests through dockerode log in once, each on its own dial-stdio channel', async () => {
    const host = await sshDockerHost();
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const client = sshClient(host.port, host.hostKey);
      for (let i = 0; i < 20; i++) {
        assert.deepEqual(await client.listContainers('biz'), []);
      }
      assert.equal(host.logins(), 1, 'one ssh login for every request');
      assert.equal(host.channels(), 21, 'GET /version, then one channel per list');
      assert.deepEqual(
        warnings.filter((w) => /URL/.test(w)),
        [],
        'no invalid-URL warning (DEP0170)',
      );
    } finally {
      process.off('warning', onWarning);
      await host.close();
    }
  });

  it('connects again after the host dropped the connection, and ends an idle one', async () => {
    const host = await sshDockerHost();
    const dialer = new SshDockerDialer(
      sshConnectConfig({
        host: '127.0.0.1',
        port: String(host.port),
        username: 'docker',
        sshOptions: { hostVerifier: (key: Buffer) => key.toString('base64') === host.hostKey },
      }),
      200,
    );
    const roundTrip = (): Promise<string> =>
      new Promise((resolve, reject) =>
        dialer.dial((e, stream) => {
          if (e || !stream) {
            reject(e ?? new Error('no stream'));
            return;
          }
          let answer = '';
          stream.on('data', (d: Buffer) => (answer += d.toString()));
          stream.once('end', () => resolve(answer));
          stream.end('GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
        }),
      );
    try {
      assert.match(await roundTrip(), /"ApiVersion":"1.41"/);
      host.dropConnections();
      await new Promise((r) => setTimeout(r, 100));
      assert.match(await roundTrip(), /"ApiVersion":"1.41"/);
      assert.equal(host.logins(), 2, 'a dropped connection is made again on the next request');
      await new Promise((r) => setTimeout(r, 600));
      assert.match(await roundTrip(), /"ApiVersion":"1.41"/);
      assert.equal(host.logins(), 3, 'an idle connection was ended, and the next request logs in again');
    } finally {
      dialer.end();
      await host.close();
    }
  });

  it('a refused host key fails the request with the ssh error, and the next request tries again', async () => {
    const host = await sshDockerHost();
    try {
      const client = sshClient(host.port, 'not-the-key');
      await assert.rejects(client.listContainers('biz'));
      await assert.rejects(client.listContainers('biz'));
      assert.equal(host.logins(), 0);
    } finally {
      await host.close();
    }
  });
});
