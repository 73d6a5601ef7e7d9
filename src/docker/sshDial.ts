// Docker over ssh: `docker system dial-stdio` on the remote host, one channel per connection, all
// over one ssh connection. docker-modem's own ssh transport opens a new ssh connection (a full
// handshake and a login in the host's auth log) for every request, so a poll of a host with ten
// containers cost eleven logins, and it builds an invalid URL that Node warns about (DEP0170).
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client, ConnectConfig } from 'ssh2';

/**
 * Opens `docker system dial-stdio` channels over one ssh connection: connected on first use and
 * again after it dropped, ended once no channel has been open for `idleMs`.
 */
export class SshDockerDialer {
  private ready: Promise<Client> | undefined;
  private openChannels = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ConnectConfig,
    private readonly idleMs = 30_000,
  ) {}

  dial(onReady: (err: Error | undefined, stream?: Duplex) => void): void {
    this.openChannels++;
    this.stopIdleTimer();
    let settled = false;
    const done = (err: Error | undefined, stream?: Duplex): void => {
      if (settled) {
        return;
      }
      settled = true;
      if (!stream) {
        this.channelClosed();
      } else {
        stream.once('close', () => this.channelClosed());
      }
      onReady(err, stream);
    };
    this.connection().then(
      (client) => {
        try {
          client.exec('docker system dial-stdio', (e, channel) => (e ? done(e) : done(undefined, channel)));
        } catch (e) {
          // ssh2 throws when the connection closed between `ready` and exec.
          this.ready = undefined;
          done(e instanceof Error ? e : new Error(String(e)));
        }
      },
      (e: Error) => done(e),
    );
  }

  /** Ends the ssh connection now (open channels close with it). */
  end(): void {
    this.stopIdleTimer();
    const ready = this.ready;
    this.ready = undefined;
    void ready?.then(
      (c) => c.end(),
      () => undefined,
    );
  }

  private connection(): Promise<Client> {
    // ssh2 loads with the first ssh connection, not with the extension.
    this.ready ??= import('ssh2').then(
      (ssh2) =>
        new Promise<Client>((resolve, reject) => {
          const client = new ssh2.Client();
          const forget = (): void => {
            if (this.ready === ready) {
              this.ready = undefined;
            }
          };
          client.once('ready', () => resolve(client));
          client.once('error', (e) => {
            forget();
            reject(e);
          });
          client.once('close', forget);
          client.connect(this.config);
        }),
    );
    const ready = this.ready;
    return ready;
  }

  private channelClosed(): void {
    this.openChannels--;
    if (this.openChannels === 0 && this.ready) {
      this.idleTimer = setTimeout(() => this.end(), this.idleMs);
      // An idle connection does not keep a process (the CLI, a test) alive.
      this.idleTimer.unref();
    }
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}

/** An http.Agent for dockerode whose connections are channels of `dialer`. */
export function sshDockerAgent(dialer: SshDockerDialer): http.Agent {
  const agent = new http.Agent();
  agent.createConnection = (_options, onCreate): Duplex | undefined => {
    dialer.dial((err, stream) => onCreate?.(err ?? null, stream as never));
    return undefined;
  };
  return agent;
}

/** The ssh2 connection settings of an ssh endpoint's modem options (see resolveEndpoint). */
export function sshConnectConfig(o: Readonly<Record<string, unknown>>): ConnectConfig {
  return {
    // A connection kept across requests must notice a host that vanished without closing it:
    // three unanswered keepalives, 10 s apart, end it, and the next request connects again.
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    ...(o.sshOptions as ConnectConfig | undefined),
    host: String(o.host),
    port: Number(o.port ?? 22),
    ...(typeof o.username === 'string' ? { username: o.username } : {}),
  };
}
