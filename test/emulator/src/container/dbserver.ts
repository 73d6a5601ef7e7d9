// The emulated database server ("db" image). Not MySQL or Postgres on the wire: it speaks the small
// JSON protocol in dbclient.ts, but it checks credentials the way the real images do and keeps the
// cluster's state in its data directory, so it survives restarts and `down`/`up` and goes only with
// `down -v`.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { env } from './util';

type Flavor = 'mysql' | 'postgres';

interface UserRecord {
  user: string;
  salt: string;
  hash: string;
}

interface Lease {
  holder: string;
  expiresAt: number;
}

interface Persisted {
  data: Record<string, unknown>;
  leases: Record<string, Lease>;
}

const flavor: Flavor = env('WA_EMULATOR_DB_FLAVOR', 'mysql') === 'postgres' ? 'postgres' : 'mysql';
const engineName = flavor === 'postgres' ? 'PGSQL' : 'MYSQL';
const serverVersion = env('WA_EMULATOR_DB_VERSION', flavor === 'postgres' ? '13.8' : '8.0.33');

function mysqlLog(kind: 'System' | 'Warning' | 'ERROR' | 'Note', code: string, msg: string): void {
  process.stdout.write(`${new Date().toISOString().replace('Z', '000Z')} 0 [${kind}] [${code}] [Server] ${msg}\n`);
}

function pgLog(kind: 'LOG' | 'FATAL' | 'ERROR', msg: string): void {
  const d = new Date().toISOString().replace('T', ' ').replace('Z', '');
  process.stdout.write(`${d} UTC [${process.pid}] ${kind}:  ${msg}\n`);
}

function log(kind: 'info' | 'warn' | 'error', msg: string): void {
  if (flavor === 'postgres') {
    pgLog(kind === 'error' ? 'FATAL' : 'LOG', msg);
  } else {
    mysqlLog(
      kind === 'error' ? 'ERROR' : kind === 'warn' ? 'Warning' : 'System',
      kind === 'error' ? 'MY-010000' : 'MY-010931',
      msg,
    );
  }
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v);
}

function hashPassword(password: string, salt: string): string {
  return crypto.scryptSync(password, salt, 32, { N: 1024 }).toString('hex');
}

function parseArgs(argv: string[]): { port: number } {
  let port = flavor === 'postgres' ? 5432 : 3306;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (flavor === 'postgres' && a === '-p') {
      port = Number(argv[++i]);
    } else if (flavor === 'mysql' && a.startsWith('--port=')) {
      port = Number(a.slice('--port='.length));
    }
  }
  return { port };
}

export function runDbServer(argv: string[]): void {
  const dataDir = flavor === 'postgres' ? env('PGDATA', '/var/lib/postgresql/data') : '/var/lib/mysql';
  const usersFile = path.join(dataDir, 'wa-emulator-users.json');
  const stateFile = path.join(dataDir, 'wa-emulator-state.json');
  fs.mkdirSync(dataDir, { recursive: true });

  // First start on an empty data directory initialises the users from the environment, like the
  // official images' entrypoints; later starts ignore the password variables (also like them).
  let users: UserRecord[];
  if (fs.existsSync(usersFile)) {
    users = JSON.parse(fs.readFileSync(usersFile, 'utf8')) as UserRecord[];
    log(
      'info',
      flavor === 'postgres'
        ? 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
        : `[Entrypoint]: Database files already present; skipping initialization (${dataDir})`,
    );
  } else {
    users = [];
    const add = (user: string, password: string): void => {
      const salt = crypto.randomBytes(8).toString('hex');
      users.push({ user, salt, hash: hashPassword(password, salt) });
    };
    if (flavor === 'mysql') {
      const root = process.env.MYSQL_ROOT_PASSWORD;
      if (root === undefined && !process.env.MYSQL_ALLOW_EMPTY_PASSWORD && !process.env.MYSQL_RANDOM_ROOT_PASSWORD) {
        process.stdout.write(
          '[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD\n',
        );
        process.exit(1);
      }
      add('root', root ?? '');
      if (process.env.MYSQL_USER && process.env.MYSQL_USER !== 'root') {
        if (!process.env.MYSQL_PASSWORD) {
          process.stdout.write(
            '[ERROR] [Entrypoint]: MYSQL_USER specified, but missing MYSQL_PASSWORD; MYSQL_USER will not be created\n',
          );
        } else {
          add(process.env.MYSQL_USER, process.env.MYSQL_PASSWORD);
        }
      }
      process.stdout.write('[Note] [Entrypoint]: Initializing database files\n');
    } else {
      const pw = process.env.POSTGRES_PASSWORD;
      if (!pw && process.env.POSTGRES_HOST_AUTH_METHOD !== 'trust') {
        process.stdout.write(
          'Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".\n',
        );
        process.exit(1);
      }
      add(env('POSTGRES_USER', 'postgres'), pw ?? '');
      process.stdout.write('The files belonging to this database system will be owned by user "postgres".\n');
    }
    fs.writeFileSync(usersFile, JSON.stringify(users, null, 1));
  }

  let state: Persisted = { data: {}, leases: {} };
  if (fs.existsSync(stateFile)) {
    try {
      state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as Persisted;
    } catch (e) {
      log('warn', `could not read ${stateFile}: ${String(e)}; starting empty`);
    }
  }
  let saveTimer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (saveTimer) {
      return;
    }
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      const tmp = `${stateFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(state));
      fs.renameSync(tmp, stateFile);
    }, 20);
  };
  const flush = (): void => {
    if (saveTimer) {
      clearTimeout(saveTimer);
      saveTimer = undefined;
      fs.writeFileSync(stateFile, JSON.stringify(state));
    }
  };

  const handle = (req: Record<string, unknown>): Record<string, unknown> => {
    const now = Date.now();
    const key = text(req.key);
    switch (req.op) {
      case 'get':
        return { ok: true, value: state.data[key] ?? null, now };
      case 'mget': {
        const values: Record<string, unknown> = {};
        for (const k of (req.keys as string[] | undefined) ?? []) {
          values[k] = state.data[k] ?? null;
        }
        return { ok: true, values, now };
      }
      case 'list': {
        const prefix = text(req.prefix);
        const values: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(state.data)) {
          if (k.startsWith(prefix)) {
            values[k] = v;
          }
        }
        return { ok: true, values, now };
      }
      case 'set': {
        let value = req.value;
        if (req.stamp === true && value && typeof value === 'object') {
          value = { ...value, lastSeen: now };
        }
        state.data[key] = value;
        save();
        return { ok: true, now };
      }
      case 'del':
        delete state.data[key];
        save();
        return { ok: true, now };
      case 'lease': {
        const name = text(req.name);
        const holder = text(req.holder);
        const cur = state.leases[name];
        if (!cur || cur.expiresAt < now || cur.holder === holder) {
          state.leases[name] = { holder, expiresAt: now + Number(req.ttlMs ?? 5000) };
          save();
        }
        return { ok: true, holder: state.leases[name]?.holder ?? null, now };
      }
      case 'release': {
        const name = text(req.name);
        if (state.leases[name]?.holder === text(req.holder)) {
          delete state.leases[name];
          save();
        }
        return { ok: true, now };
      }
      case 'holder': {
        const cur = state.leases[text(req.name)];
        return { ok: true, holder: cur && cur.expiresAt >= now ? cur.holder : null, now };
      }
      case 'now':
        return { ok: true, now };
      default:
        return { ok: false, error: `unknown operation ${text(req.op)}` };
    }
  };

  const { port } = parseArgs(argv);
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    const peer = (socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
    let authed = false;
    let buffer = '';
    socket.write(JSON.stringify({ server: 'wa-emulator-db', engine: engineName, version: serverVersion }) + '\n');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let req: Record<string, unknown>;
        try {
          req = JSON.parse(line) as Record<string, unknown>;
        } catch {
          socket.destroy();
          return;
        }
        if (!authed) {
          const user = text(req.user);
          const password = text(req.password);
          const rec = users.find((u) => u.user === user);
          if (rec && hashPassword(password, rec.salt) === rec.hash) {
            authed = true;
            socket.write(JSON.stringify({ ok: true }) + '\n');
          } else {
            const error =
              flavor === 'postgres'
                ? `password authentication failed for user "${user}"`
                : `Access denied for user '${user}'@'${peer}' (using password: ${password ? 'YES' : 'NO'})`;
            log(
              'warn',
              flavor === 'postgres'
                ? `password authentication failed for user "${user}" (connection from ${peer})`
                : `Access denied for user '${user}'@'${peer}' (using password: ${password ? 'YES' : 'NO'})`,
            );
            socket.end(JSON.stringify({ ok: false, error }) + '\n');
          }
          continue;
        }
        socket.write(JSON.stringify({ id: req.id, ...handle(req) }) + '\n');
      }
    });
  });
  server.listen(port, () => {
    if (flavor === 'postgres') {
      pgLog('LOG', `starting PostgreSQL ${serverVersion} (wa-emulator) on x86_64-pc-linux-gnu`);
      pgLog('LOG', `listening on IPv4 address "0.0.0.0", port ${port}`);
      pgLog('LOG', 'database system is ready to accept connections');
    } else {
      mysqlLog(
        'System',
        'MY-010931',
        `/usr/sbin/mysqld: ready for connections. Version: '${serverVersion}'  socket: '/var/run/mysqld/mysqld.sock'  port: ${port}  MySQL Community Server - GPL (wa-emulator).`,
      );
    }
  });
  const stop = (): void => {
    flush();
    log(
      'info',
      flavor === 'postgres' ? 'received fast shutdown request' : '/usr/sbin/mysqld: Shutdown complete (wa-emulator).',
    );
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
