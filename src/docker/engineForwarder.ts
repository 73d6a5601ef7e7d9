// A private unix socket that forwards every connection to one remote engine over the connection
// the extension itself verifies (ssh with the inventory's pinned host key, TLS with its client
// certificates), for the docker CLI and Compose, which cannot be given that verification. The
// socket lives in a fresh 0700 folder and is removed on close.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { DockerEndpoint } from './endpoint';
import { SshDockerDialer, sshConnectConfig } from './sshDial';

export interface EngineForwarder {
  readonly socketPath: string;
  close(): Promise<void>;
}

type Upstream = (onReady: (err: Error | undefined, stream?: NodeJS.ReadWriteStream) => void) => void;

function tlsUpstream(o: Readonly<Record<string, unknown>>): Upstream {
  return (onReady) => {
    const socket = tls.connect({
      host: String(o.host),
      port: Number(o.port),
      ca: o.ca as string | undefined,
      cert: o.cert as string | undefined,
      key: o.key as string | undefined,
    });
    socket.once('secureConnect', () => onReady(undefined, socket));
    socket.once('error', (e: Error) => onReady(e));
  };
}

/** Serves `endpoint` (tcp with TLS, ssh, or a plain socket) on a private unix socket. */
export async function forwardEngine(endpoint: DockerEndpoint): Promise<EngineForwarder> {
  const o = endpoint.modemOptions;
  let open: Upstream;
  let end = (): void => undefined;
  if (endpoint.kind === 'ssh') {
    const ssh = new SshDockerDialer(sshConnectConfig(o));
    open = (onReady) => ssh.dial(onReady);
    end = () => ssh.end();
  } else if (endpoint.kind === 'tcp' && o.protocol === 'https') {
    open = tlsUpstream(o);
  } else {
    open = (onReady) => {
      const socket =
        endpoint.kind === 'tcp' ? net.connect(Number(o.port), String(o.host)) : net.connect(String(o.socketPath));
      socket.once('connect', () => onReady(undefined, socket));
      socket.once('error', (e) => onReady(e));
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-forward-'));
  fs.chmodSync(dir, 0o700);
  const socketPath = path.join(dir, 'docker.sock');
  const clients = new Set<net.Socket>();
  const server = net.createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    client.pause();
    open((e, upstream) => {
      if (e || !upstream) {
        client.destroy();
        return;
      }
      client.pipe(upstream).pipe(client);
      client.resume();
      client.once('error', () => (upstream as unknown as net.Socket).destroy?.());
      upstream.once('error', () => client.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    socketPath,
    close: async () => {
      for (const c of clients) {
        c.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
