// Client side of the emulated database protocol (newline-delimited JSON over TCP).
//
// Wire: server greets `{"server":"wa-emulator-db","engine":"MYSQL"|"PGSQL","version":"…"}`; the
// client answers `{"op":"auth","user","password","engine"}`; the server replies `{"ok":true}` or
// `{"ok":false,"error":"…"}` and closes. Then requests `{"id":n,"op":…}` ↔ replies `{"id":n,"ok":…}`.
import net from 'node:net';
import { EventEmitter } from 'node:events';

export type Engine = 'MYSQL' | 'PGSQL';

export interface DbConfig {
  engine: Engine;
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface DbReply {
  id?: number;
  ok: boolean;
  error?: string;
  value?: unknown;
  values?: Record<string, unknown>;
  holder?: string | null;
  now?: number;
}

export class DbError extends Error {}

/** Describes a socket-level failure the way the real database client library would. */
export function connectError(cfg: DbConfig, e: NodeJS.ErrnoException): string {
  const code = e.code ?? '';
  if (cfg.engine === 'PGSQL') {
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return `could not translate host name "${cfg.host}" to address: Name or service not known`;
    }
    if (code === 'ECONNREFUSED') {
      return `connection to server at "${cfg.host}", port ${cfg.port} failed: Connection refused`;
    }
    return `connection to server at "${cfg.host}", port ${cfg.port} failed: ${e.message}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `Unknown MySQL server host '${cfg.host}' (-2)`;
  }
  if (code === 'ECONNREFUSED') {
    return `Can't connect to MySQL server on '${cfg.host}:${cfg.port}' (111)`;
  }
  if (code === 'ETIMEDOUT') {
    return `Can't connect to MySQL server on '${cfg.host}:${cfg.port}' (110)`;
  }
  return `Lost connection to MySQL server at '${cfg.host}:${cfg.port}': ${e.message}`;
}

export class DbClient extends EventEmitter {
  private socket: net.Socket | undefined;
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: DbReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  connected = false;

  constructor(private readonly cfg: DbConfig) {
    super();
  }

  /** Connects and authenticates; rejects with a message in the real client's words. */
  connect(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const cfg = this.cfg;
      const socket = net.connect({ host: cfg.host, port: cfg.port });
      let stage: 'greeting' | 'auth' | 'ready' = 'greeting';
      let settled = false;
      const fail = (msg: string): void => {
        if (!settled) {
          settled = true;
          reject(new DbError(msg));
        }
        socket.destroy();
      };
      const timer = setTimeout(
        () => fail(connectError(cfg, Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))),
        timeoutMs,
      );
      socket.setEncoding('utf8');
      socket.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (!settled) {
          fail(connectError(cfg, e));
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (!settled) {
          fail(
            cfg.engine === 'PGSQL'
              ? 'server closed the connection unexpectedly'
              : `Lost connection to MySQL server at 'reading initial communication packet'`,
          );
          return;
        }
        if (stage === 'ready') {
          this.onClosed();
        }
      });
      socket.on('data', (chunk: string) => {
        this.buffer += chunk;
        let nl: number;
        while ((nl = this.buffer.indexOf('\n')) >= 0) {
          const line = this.buffer.slice(0, nl);
          this.buffer = this.buffer.slice(nl + 1);
          let msg: Record<string, unknown>;
          try {
            msg = JSON.parse(line) as Record<string, unknown>;
          } catch {
            fail('malformed packet from database server');
            return;
          }
          if (stage === 'greeting') {
            if (msg.engine !== cfg.engine) {
              // Talking MySQL to a Postgres server (or the reverse) fails at the handshake.
              fail(
                cfg.engine === 'PGSQL'
                  ? 'received invalid response to SSL negotiation'
                  : `Lost connection to MySQL server at 'reading initial communication packet', system error: 0`,
              );
              return;
            }
            stage = 'auth';
            socket.write(
              JSON.stringify({ op: 'auth', user: cfg.user, password: cfg.password, engine: cfg.engine }) + '\n',
            );
          } else if (stage === 'auth') {
            clearTimeout(timer);
            if (msg.ok === true) {
              stage = 'ready';
              settled = true;
              this.socket = socket;
              this.connected = true;
              resolve();
            } else {
              fail(String(msg.error));
            }
          } else {
            const reply = msg as unknown as DbReply;
            const p = reply.id === undefined ? undefined : this.pending.get(reply.id);
            if (p && reply.id !== undefined) {
              this.pending.delete(reply.id);
              clearTimeout(p.timer);
              p.resolve(reply);
            }
          }
        }
      });
    });
  }

  private onClosed(): void {
    this.connected = false;
    this.socket = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new DbError('Lost connection to database server during query'));
      this.pending.delete(id);
    }
    this.emit('disconnected');
  }

  close(): void {
    this.socket?.destroy();
  }

  request(op: string, args: Record<string, unknown> = {}, timeoutMs = 5000): Promise<DbReply> {
    const socket = this.socket;
    if (!socket || !this.connected) {
      return Promise.reject(new DbError('not connected to the database'));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DbError('database query timed out'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.write(JSON.stringify({ id, op, ...args }) + '\n');
    }).then((r) => {
      const reply = r as DbReply;
      if (!reply.ok) {
        throw new DbError(reply.error ?? 'database error');
      }
      return reply;
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.request('get', { key })).value as T | undefined;
  }

  async mget(keys: string[]): Promise<Record<string, unknown>> {
    return (await this.request('mget', { keys })).values ?? {};
  }

  async list(prefix: string): Promise<Record<string, unknown>> {
    return (await this.request('list', { prefix })).values ?? {};
  }

  async set(key: string, value: unknown, stamp = false): Promise<void> {
    await this.request('set', { key, value, stamp });
  }

  async del(key: string): Promise<void> {
    await this.request('del', { key });
  }

  /** Takes or renews a lease held in the database; returns the current holder. */
  async lease(name: string, holder: string, ttlMs: number): Promise<string | null> {
    return (await this.request('lease', { name, holder, ttlMs })).holder ?? null;
  }

  /** The current, unexpired holder of a lease (null when free). */
  async holder(name: string): Promise<string | null> {
    return (await this.request('holder', { name })).holder ?? null;
  }

  async release(name: string, holder: string): Promise<void> {
    await this.request('release', { name, holder });
  }

  async now(): Promise<number> {
    return (await this.request('now')).now ?? Date.now();
  }
}

export function dbConfigFromEnv(): DbConfig {
  const engine = (process.env.WA_DB_ENGINE ?? 'MYSQL').toUpperCase() === 'PGSQL' ? 'PGSQL' : 'MYSQL';
  return {
    engine,
    host: process.env.WA_DB_HOSTNAME ?? 'db',
    port: Number(process.env.WA_DB_PORT ?? '3306'),
    user: process.env.WA_DB_USERNAME ?? 'root',
    password: process.env.WA_DB_PASSWORD ?? '',
  };
}
