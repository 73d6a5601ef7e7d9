// launch_within_docker.sh in the web image: the HTTPS REST API on 443 (wa-api.md §2).
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { DbClient, dbConfigFromEnv } from './dbclient';
import { faults, handleFaultControl, readBody } from './faults';
import {
  ALLOWED_SHARDS,
  KEYS,
  MASTER_LEASE,
  NODE_TTL_MS,
  defaultSettings,
  effectiveSettings,
  type NodeRow,
  type PendingRegistration,
  type Registration,
} from './model';
import { httpGet } from './node';
import { containerId, env, envNumber, errorText, imageVersion, sleep } from './util';

const CERT_DIR = env('WA_EMULATOR_CERT_DIR', '/opt/whatsapp/certs');
const TOKEN_TTL_S = envNumber('WA_EMULATOR_TOKEN_TTL_S', 7 * 24 * 3600);
const NODE_TIMEOUT_MS = envNumber('WA_EMULATOR_NODE_TIMEOUT_MS', 2000);

interface ApiError {
  code: number;
  title: string;
  details: string;
}
interface UserRecord {
  username: string;
  salt: string;
  hash: string;
  mustChange: boolean;
  admin: boolean;
}
interface TokenRecord {
  username: string;
  expiresAt: number;
}
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.details);
  }
}

const E = {
  auth: (details = 'Invalid credentials.'): HttpError =>
    new HttpError(401, { code: 1005, title: 'Access denied', details }),
  forbidden: (details: string): HttpError => new HttpError(403, { code: 1005, title: 'Access denied', details }),
  missing: (p: string): HttpError =>
    new HttpError(400, {
      code: 1008,
      title: 'Required parameter is missing',
      details: `Missing required parameter: ${p}`,
    }),
  invalid: (details: string): HttpError =>
    new HttpError(400, { code: 1009, title: 'Parameter value is not valid', details }),
  notRequired: (p: string): HttpError =>
    new HttpError(400, { code: 1010, title: 'Parameter not required', details: `Unknown parameter: ${p}` }),
  notFound: (details: string): HttpError => new HttpError(404, { code: 1006, title: 'Resource not found', details }),
  notReady: (details: string): HttpError => new HttpError(503, { code: 1011, title: 'Service not ready', details }),
  internal: (details: string): HttpError => new HttpError(500, { code: 1014, title: 'Internal error', details }),
};

function hashPassword(pw: string, salt: string): string {
  return crypto.scryptSync(pw, salt, 32, { N: 1024 }).toString('hex');
}

/** Password policy (wa-api.md §2.2): 8–64 chars with a digit, an upper, a lower and a special character. */
function passwordProblem(pw: string): string | null {
  if (pw.length < 8 || pw.length > 64) {
    return 'Password must be 8 to 64 characters long.';
  }
  if (!/[0-9]/.test(pw) || !/[a-z]/.test(pw) || !/[A-Z]/.test(pw) || !/[^A-Za-z0-9]/.test(pw)) {
    return 'Password must contain at least one digit, one upper-case letter, one lower-case letter and one special character.';
  }
  return null;
}

function webLog(level: 'info' | 'warn' | 'error', msg: string): void {
  process.stdout.write(
    `${new Date().toISOString().replace('T', ' ').slice(0, 19)}: (web.log) ${level.toUpperCase()} ${msg}\n`,
  );
}

function accessLog(req: http.IncomingMessage, status: number, bytes: number): void {
  const d = new Date();
  const mon =
    ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()] ?? 'Jan';
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const ip = (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
  // lighttpd's default accesslog.format ends with the Referer and the User-Agent (combined log format).
  const quoted = (v: string | undefined): string => `"${(v ?? '-').replace(/["\\]/g, '\\$&')}"`;
  process.stdout.write(
    `${ip} - - [${p2(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000] "${req.method ?? '-'} ${req.url ?? '-'} HTTP/${req.httpVersion}" ${status} ${bytes} ${quoted(req.headers.referer)} ${quoted(req.headers['user-agent'])}\n`,
  );
}

/** vname from a certificate: our own JSON cert `{"vname":…}` or the longest printable run of the decoded bytes. */
function vnameFromCert(cert: string): string {
  const raw = Buffer.from(cert, 'base64');
  try {
    const j = JSON.parse(raw.toString('utf8')) as { vname?: unknown };
    if (typeof j.vname === 'string') {
      return j.vname;
    }
  } catch {
    // not JSON
  }
  const runs = raw.toString('latin1').match(/[ -~]{3,}/g) ?? [];
  return runs.sort((a, b) => b.length - a.length)[0] ?? 'Emulated Business';
}

export function runWeb(): Promise<void> {
  const version = imageVersion();
  const meta = { api_status: 'stable', version: `v${version}` };
  const multiconnect = env('WA_APP_MULTICONNECT') === '1';
  const webKey = `${env('WEBAPP_HOSTNAME', containerId())}:${containerId()}`;
  const apiKey = env('WA_API_KEY');
  if (apiKey && (apiKey.length < 12 || apiKey.length > 128)) {
    webLog('warn', 'WA_API_KEY must be 12 to 128 characters long; API key authentication is disabled');
  }
  const apiKeyOk = apiKey.length >= 12 && apiKey.length <= 128;
  const verifyCode = env('WA_EMULATOR_VERIFY_CODE', '123456');
  const startedAt = Date.now();
  const counters = { requests: 0, durationMs: 0 };
  /**
   * `/_emulator/tokens`: expire every token now, or when the next request for a path arrives (so a
   * test can make a token run out in the middle of an operation); counts logins and health requests
   * in flight, as a server sees them.
   */
  const tokenControl = { expireOn: null as string | null, logins: 0, expirations: 0 };
  const inFlight = { health: 0, maxHealth: 0 };
  const expireAllTokens = async (): Promise<number> => {
    const all = await db.list(KEYS.tokens);
    const now = Date.now();
    for (const [key, value] of Object.entries(all as Record<string, TokenRecord>)) {
      await db.set(key, { ...value, expiresAt: Math.min(value.expiresAt, now - 1) } satisfies TokenRecord);
    }
    tokenControl.expirations++;
    webLog('warn', `emulator: ${Object.keys(all).length} token(s) expired`);
    return Object.keys(all).length;
  };
  const tls = {
    key: fs.readFileSync(`${CERT_DIR}/server-key.pem`),
    cert: fs.readFileSync(`${CERT_DIR}/server.pem`),
    ca: fs.readFileSync(`${CERT_DIR}/ca.pem`, 'utf8'),
  };
  webLog('info', `WhatsApp Business API web v${version} (wa-emulator) starting; multiconnect=${multiconnect ? 1 : 0}`);

  // The web keeps running when the database is unreachable, but answers with errors (SS#29).
  const cfg = dbConfigFromEnv();
  const db = new DbClient(cfg);
  let dbError: string | null = 'not connected yet';
  db.on('disconnected', () => {
    dbError = 'Lost connection to database server';
    webLog('error', `database connection lost (${cfg.host}:${cfg.port})`);
  });
  const connectDb = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await db.connect();
        dbError = null;
        webLog('info', `connected to database ${cfg.host}:${cfg.port}`);
        if (!(await db.get(KEYS.users + 'admin'))) {
          const salt = crypto.randomBytes(8).toString('hex');
          await db.set(KEYS.users + 'admin', {
            username: 'admin',
            salt,
            hash: hashPassword('secret', salt),
            mustChange: true,
            admin: true,
          } satisfies UserRecord);
        }
        return;
      } catch (e) {
        dbError = errorText(e);
        if (attempt < 5 || attempt % 30 === 0) {
          webLog('error', `Unable to connect to database: ${dbError}`);
        }
        await sleep(2000);
      }
    }
  };
  const dbWatch = setInterval(() => {
    if (dbError !== null && !connecting) {
      connecting = true;
      void connectDb().finally(() => {
        connecting = false;
      });
    }
  }, 2000);
  let connecting = true;
  void connectDb().finally(() => {
    connecting = false;
  });

  const requireDb = (): void => {
    if (dbError !== null) {
      throw E.internal(`Unable to connect to database: ${dbError}`);
    }
  };

  const authenticate = async (req: http.IncomingMessage, allowApiKey: boolean): Promise<UserRecord | 'apikey'> => {
    const h = req.headers.authorization ?? '';
    const [scheme, value] = [h.split(' ')[0]?.toLowerCase() ?? '', h.slice(h.indexOf(' ') + 1).trim()];
    if (scheme === 'apikey' && allowApiKey && apiKeyOk && value === apiKey) {
      return 'apikey';
    }
    if (scheme !== 'bearer' || !value) {
      throw E.auth();
    }
    requireDb();
    const tok = await db.get<TokenRecord>(KEYS.tokens + sha(value));
    if (!tok || tok.expiresAt < Date.now()) {
      throw E.auth(tok ? 'Token expired. Please log in again.' : 'Invalid or revoked token.');
    }
    const user = await db.get<UserRecord>(KEYS.users + tok.username);
    if (!user) {
      throw E.auth();
    }
    return user;
  };
  const requireAdmin = async (req: http.IncomingMessage): Promise<void> => {
    const u = await authenticate(req, false);
    if (u === 'apikey' || !u.admin) {
      throw E.forbidden('Admin privileges required.');
    }
  };

  const liveRows = async (): Promise<NodeRow[]> => {
    const list = await db.list(KEYS.nodes);
    const now = await db.now();
    return Object.values(list as Record<string, NodeRow>)
      .filter((r) => (r.lastSeen ?? 0) >= now - NODE_TTL_MS)
      .sort((a, b) => a.key.localeCompare(b.key));
  };
  const requirePrimaryMaster = async (): Promise<void> => {
    if (!multiconnect) {
      return;
    }
    const holder = await db.holder(MASTER_LEASE);
    if (!holder) {
      throw E.notReady('No primary master is running. Please check master logs for details.');
    }
  };

  const nodeHealth = async (host: string, port: number): Promise<unknown> => {
    try {
      const text = await httpGet(host, port, '/health', NODE_TIMEOUT_MS);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return {
          errors: [{ code: 1014, title: 'Internal error', details: `Invalid response from wacore: ${host}:${port}` }],
        };
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const what =
        code === 'ETIMEDOUT'
          ? 'Connection timed out'
          : code === 'ECONNREFUSED'
            ? 'Connection refused'
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? 'Host not found'
              : errorText(e);
      return {
        errors: [
          {
            code: 1014,
            title: 'Internal error',
            details: `${what}. Please check if wacore is running: ${host}:${port}`,
          },
        ],
      };
    }
  };

  const route = async (req: http.IncomingMessage, url: URL, body: string): Promise<[number, unknown]> => {
    const method = req.method ?? 'GET';
    const p = url.pathname.replace(/\/+$/, '') || '/';
    const parse = (): Record<string, unknown> => {
      if (!body.trim()) {
        return {};
      }
      try {
        const v = JSON.parse(body) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          return v as Record<string, unknown>;
        }
      } catch {
        // fall through
      }
      throw new HttpError(400, { code: 1025, title: 'Invalid Request', details: 'Request body is not a JSON object.' });
    };
    const str = (o: Record<string, unknown>, k: string, required = true): string => {
      const v = o[k];
      if (v === undefined || v === null || v === '') {
        if (required) {
          throw E.missing(k);
        }
        return '';
      }
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw E.invalid(`Parameter ${k} must be a string.`);
      }
      return String(v);
    };

    if (method === 'POST' && p === '/v1/users/login') {
      requireDb();
      const h = req.headers.authorization ?? '';
      if (!/^basic /i.test(h)) {
        throw E.auth('Basic authentication required.');
      }
      const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const username = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      const user = await db.get<UserRecord>(KEYS.users + username);
      if (!user || hashPassword(password, user.salt) !== user.hash) {
        throw E.auth();
      }
      const b = parse();
      const newPassword = str(b, 'new_password', false);
      if (newPassword) {
        const problem = passwordProblem(newPassword);
        if (problem) {
          throw E.invalid(problem);
        }
        user.salt = crypto.randomBytes(8).toString('hex');
        user.hash = hashPassword(newPassword, user.salt);
        user.mustChange = false;
        await db.set(KEYS.users + username, user);
        webLog('info', `password changed for user ${username}`);
      } else if (user.mustChange) {
        throw new HttpError(400, {
          code: 1024,
          title: 'Password Change Required',
          details: 'Password change required. Send new_password in the login request.',
        });
      }
      const token = crypto.randomBytes(48).toString('base64url');
      const expiresAt = Date.now() + TOKEN_TTL_S * 1000;
      await db.set(KEYS.tokens + sha(token), { username, expiresAt } satisfies TokenRecord);
      tokenControl.logins++;
      const ex = new Date(expiresAt).toISOString();
      return [200, { users: [{ token, expires_after: `${ex.slice(0, 10)} ${ex.slice(11, 19)}+00:00` }] }];
    }
    if (method === 'POST' && p === '/v1/users/logout') {
      await authenticate(req, false);
      const token = (req.headers.authorization ?? '').slice(7).trim();
      await db.del(KEYS.tokens + sha(token));
      return [200, {}];
    }
    if (method === 'GET' && p === '/v1/health') {
      await authenticate(req, true);
      requireDb();
      if (!multiconnect) {
        const host = env('WACORE_HOSTNAME', 'wacore');
        const h = (await nodeHealth(host, 6253)) as { gateway_status?: string; errors?: ApiError[] };
        if (h.errors) {
          throw new HttpError(500, h.errors[0] ?? E.internal('wacore error').error);
        }
        return [200, { health: { gateway_status: h.gateway_status } }];
      }
      const rows = (await liveRows()).filter((r) => r.multiconnect);
      const entries = await Promise.all(
        rows.map(async (r) => [r.key, await nodeHealth(r.host, r.ports[3] ?? 6253)] as const),
      );
      return [200, { health: Object.fromEntries(entries) }];
    }
    if (method === 'POST' && p === '/v1/account') {
      await requireAdmin(req);
      if (faults.regSunset) {
        webLog('warn', 'registration blocked: biz_link_on_prem_reg_blocked');
        throw new HttpError(403, {
          code: 1005,
          title: 'Access denied',
          details: 'Unknown error: biz_link_on_prem_reg_blocked',
        });
      }
      const b = parse();
      const cc = str(b, 'cc');
      const phone = str(b, 'phone_number');
      const methodName = str(b, 'method');
      const cert = str(b, 'cert');
      if (!/^\d{1,3}$/.test(cc)) {
        throw E.invalid('Parameter cc must be a country calling code (digits only).');
      }
      if (!/^\d{4,15}$/.test(phone)) {
        throw E.invalid('Parameter phone_number must be digits only.');
      }
      if (methodName !== 'sms' && methodName !== 'voice') {
        throw E.invalid('Parameter method must be "sms" or "voice".');
      }
      await requirePrimaryMaster();
      const reg = await db.get<Registration>(KEYS.registration);
      if (reg?.verified && reg.cc === cc && reg.phone_number === phone) {
        return [201, {}];
      }
      const vname = vnameFromCert(cert);
      await db.set(KEYS.pending, {
        cc,
        phone_number: phone,
        vname,
        method: methodName,
        code: verifyCode,
        at: Date.now(),
      } satisfies PendingRegistration);
      webLog('info', `registration code sent by ${methodName} to +${cc} ${phone}: ${verifyCode}`);
      return [202, { account: [{ vname }] }];
    }
    if (method === 'POST' && p === '/v1/account/verify') {
      await requireAdmin(req);
      const b = parse();
      const code = str(b, 'code').replace(/-/g, '');
      const pending = await db.get<PendingRegistration>(KEYS.pending);
      if (!pending) {
        throw E.invalid('No registration in progress. Call POST /v1/account first.');
      }
      if (code !== pending.code) {
        throw E.invalid('Invalid verification code.');
      }
      const prev = await db.get<Registration>(KEYS.registration);
      await db.set(KEYS.registration, {
        cc: pending.cc,
        phone_number: pending.phone_number,
        vname: pending.vname,
        verified: true,
        registeredAt: Date.now(),
      } satisfies Registration);
      await db.del(KEYS.pending);
      if (prev && (prev.cc !== pending.cc || prev.phone_number !== pending.phone_number)) {
        await db.del(KEYS.shardmap);
      }
      webLog('info', `account +${pending.cc} ${pending.phone_number} registered`);
      return [201, {}];
    }
    if (p === '/v1/account/shards') {
      await requireAdmin(req);
      if (method === 'GET') {
        const s = await db.get<{ count: number }>(KEYS.shards);
        return [200, { account: { shards: s?.count ?? 1 } }];
      }
      if (method === 'POST') {
        const b = parse();
        const cc = str(b, 'cc');
        const phone = str(b, 'phone_number');
        if (b.shards === undefined) {
          throw E.missing('shards');
        }
        const shards = Number(b.shards);
        if (!Number.isInteger(shards) || !ALLOWED_SHARDS.includes(shards)) {
          throw E.invalid(`Parameter shards must be one of ${ALLOWED_SHARDS.join(', ')}.`);
        }
        str(b, 'cert'); // required since v2.45 (wa-api.md §2.5)
        if (!multiconnect) {
          throw E.invalid('Shards need a multiconnect cluster (WA_APP_MULTICONNECT=1).');
        }
        const reg = await db.get<Registration>(KEYS.registration);
        if (!reg?.verified) {
          throw E.invalid('The account is not registered yet.');
        }
        if (reg.cc !== cc || reg.phone_number !== phone) {
          throw E.invalid('cc and phone_number do not match the registered account.');
        }
        await requirePrimaryMaster();
        await db.set(KEYS.shards, { count: shards });
        webLog('info', `shards set to ${shards}`);
        return [201, {}];
      }
    }
    if (p === '/v1/settings/application') {
      await requireAdmin(req);
      if (method === 'GET') {
        return [200, { settings: { application: effectiveSettings(await db.get(KEYS.settings)) } }];
      }
      if (method === 'PATCH') {
        const b = parse();
        const known = defaultSettings();
        for (const [k, v] of Object.entries(b)) {
          if (!(k in known)) {
            throw E.notRequired(k);
          }
          if ((k === 'heartbeat_interval' || k === 'unhealthy_interval') && (typeof v !== 'number' || !(v > 0))) {
            throw E.invalid(`Parameter ${k} must be a positive number of seconds.`);
          }
        }
        const stored = (await db.get<Record<string, unknown>>(KEYS.settings)) ?? {};
        await db.set(KEYS.settings, { ...stored, ...b });
        return [200, {}];
      }
      if (method === 'DELETE') {
        await db.del(KEYS.settings);
        return [200, {}];
      }
    }
    if (method === 'POST' && p === '/v1/settings/backup') {
      await requireAdmin(req);
      const b = parse();
      const password = str(b, 'password');
      const reg = await db.get<Registration>(KEYS.registration);
      if (!reg?.verified) {
        throw E.invalid('Backup works only after registration.');
      }
      const payload = {
        version,
        createdAt: Date.now(),
        registration: reg,
        shards: (await db.get<{ count: number }>(KEYS.shards))?.count ?? 1,
        settings: (await db.get(KEYS.settings)) ?? {},
      };
      return [200, { settings: { data: encrypt(JSON.stringify(payload), password) } }];
    }
    if (method === 'POST' && p === '/v1/settings/restore') {
      await requireAdmin(req);
      const b = parse();
      const password = str(b, 'password');
      const data = str(b, 'data');
      let payload: { registration: Registration; shards: number; settings: unknown };
      try {
        payload = JSON.parse(decrypt(data, password)) as typeof payload;
      } catch {
        throw E.invalid('Unable to decrypt the backup data: wrong password or corrupted data.');
      }
      const current = (await db.get<{ count: number }>(KEYS.shards))?.count ?? 1;
      if (payload.shards !== current) {
        throw E.invalid(
          `The backup was taken with ${payload.shards} shard(s) but this cluster has ${current}; restore onto the same shard layout.`,
        );
      }
      await db.set(KEYS.settings, payload.settings);
      await db.set(KEYS.registration, payload.registration);
      webLog('info', 'settings restored from backup');
      return [200, {}];
    }
    if (method === 'GET' && p === '/v1/support') {
      const u = await authenticate(req, false);
      void u;
      requireDb();
      const reg = await db.get<Registration>(KEYS.registration);
      const schema = await db.get<{ version: string }>(KEYS.schema);
      const rows = await liveRows();
      return [
        200,
        {
          support: {
            context: 'wa-emulator',
            db_engine: cfg.engine === 'PGSQL' ? 'PostgreSQL' : 'MySQL',
            db_info: `${cfg.host}:${cfg.port}`,
            debug_info: reg?.verified ? `+${reg.cc}${reg.phone_number}` : 'unregistered',
            description: `WhatsApp Business API v${version} (wa-emulator build)`,
            device_iso8601: new Date().toISOString(),
            env: Object.keys(process.env)
              .filter((k) => k.startsWith('WA_') && !/PASSWORD|KEY|SECRET/.test(k))
              .sort(),
            expire_timestamp: Math.floor((startedAt + 180 * 86400 * 1000) / 1000),
            multi_connect: multiconnect,
            nodes: rows.map((r) => ({ node: r.key, role: r.role, version: `v${r.version}` })),
            os_name: 'Linux',
            os_version: 'wa-emulator',
            schema: {
              cluster: schema?.version ?? null,
              config: schema?.version ?? null,
              message: schema?.version ?? null,
            },
            socket_conn: rows.length > 0 ? 'UP' : 'DN',
          },
        },
      ];
    }
    if (method === 'GET' && (p === '/v1/metrics' || p === '/metrics')) {
      await authenticate(req, true);
      const m = {
        web_uptime: {
          type: 'gauge',
          help: 'Webapp uptime in seconds',
          data: [{ labels: { node: webKey }, value: Math.floor((Date.now() - startedAt) / 1000) }],
        },
        web_requests: {
          type: 'counter',
          help: 'Number of API requests',
          data: [{ labels: { node: webKey }, value: counters.requests }],
        },
        api_requests_duration_ms_sum: {
          type: 'counter',
          help: 'Sum of API request durations in ms',
          data: [{ labels: { node: webKey }, value: counters.durationMs }],
        },
      };
      if (url.searchParams.get('format') === 'prometheus') {
        return [200, prometheus(m)];
      }
      return [200, { metrics: m }];
    }
    if (method === 'GET' && p === '/v1/stats/app') {
      await authenticate(req, true);
      requireDb();
      const rows = (await liveRows()).filter((r) => r.role === 'coreapp');
      const per = await Promise.all(
        rows.map(async (r) => {
          try {
            const s = JSON.parse(await httpGet(r.host, r.ports[3] ?? 6253, '/stats', NODE_TIMEOUT_MS)) as {
              stats: Record<string, number>;
            };
            return { node: r.key, stats: s.stats };
          } catch {
            return { node: r.key, stats: { endpoint_requests: 0, callback_requests: 0 } };
          }
        }),
      );
      const metric = (type: string, help: string, pick: (s: Record<string, number>) => number): unknown => ({
        type,
        help,
        data: per.map((x) => ({ labels: { node: x.node }, value: pick(x.stats) })),
      });
      const app = {
        callback_queue_size: metric('gauge', 'Callback queue size', () => 0),
        callback_requests: metric('counter', 'Callback requests', (s) => s.callback_requests ?? 0),
        endpoint_requests: metric('counter', 'Endpoint requests', (s) => s.endpoint_requests ?? 0),
      };
      if (url.searchParams.get('format') === 'prometheus') {
        return [
          200,
          prometheus(
            app as Record<
              string,
              { type: string; help: string; data: { labels: Record<string, string>; value: number }[] }
            >,
          ),
        ];
      }
      return [200, { stats: { app } }];
    }
    if (method === 'GET' && p === '/v1/stats/db') {
      await authenticate(req, true);
      const zero = (help: string): unknown => ({ type: 'gauge', help, data: [{ labels: {}, value: 0 }] });
      return [
        200,
        {
          stats: {
            db: {
              db_contacts: zero('Contacts'),
              db_messages: zero('Messages'),
              db_message_receipts: zero('Message receipts'),
            },
          },
        },
      ];
    }
    if (method === 'GET' && p === '/v1/certificates/external/ca') {
      await authenticate(req, false);
      return [200, tls.ca];
    }
    throw E.notFound(`No route for ${method} ${p}`);
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    void (async () => {
      const t0 = Date.now();
      const body = await readBody(req).catch(() => '');
      const url = new URL(req.url ?? '/', 'https://x');
      if (url.pathname.replace(/\/+$/, '') === '/v1/health') {
        inFlight.health++;
        inFlight.maxHealth = Math.max(inFlight.maxHealth, inFlight.health);
        res.once('close', () => inFlight.health--);
      }
      const finish = (status: number, payload: unknown, contentType = 'application/json'): void => {
        let text =
          typeof payload === 'string' && contentType !== 'application/json' ? payload : JSON.stringify(payload);
        if (faults.malformedJson && contentType === 'application/json') {
          text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
        }
        const send = (): void => {
          res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }).end(text);
          accessLog(req, status, Buffer.byteLength(text));
          counters.requests++;
          counters.durationMs += Date.now() - t0;
        };
        if (faults.slowMs > 0) {
          setTimeout(send, faults.slowMs);
        } else {
          send();
        }
      };
      // Emulator-only control, never under /v1.
      if (url.pathname.startsWith('/_emulator/')) {
        if (handleFaultControl(req, body, res)) {
          accessLog(req, res.statusCode, 0);
          return;
        }
        const m = /^\/_emulator\/nodes\/([^/]+)\/faults$/.exec(url.pathname);
        if (m && dbError === null) {
          const rows = (await liveRows()).filter(
            (r) => r.name === decodeURIComponent(m[1] ?? '') || r.key === decodeURIComponent(m[1] ?? ''),
          );
          const results = await Promise.all(
            rows.map((r) => forward(r.host, r.ports[3] ?? 6253, req.method ?? 'GET', '/_emulator/faults', body)),
          );
          res
            .writeHead(rows.length ? 200 : 404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ nodes: rows.map((r, i) => ({ node: r.key, result: results[i] })) }));
          return;
        }
        if (url.pathname === '/_emulator/tokens' && dbError === null) {
          let expired: number | undefined;
          if (req.method === 'POST') {
            let patch: { expire?: unknown; expireOn?: unknown; resetCounts?: unknown };
            try {
              patch = JSON.parse(body || '{}') as typeof patch;
            } catch {
              res
                .writeHead(400, { 'content-type': 'application/json' })
                .end(JSON.stringify({ error: 'body must be JSON' }));
              return;
            }
            if (patch.expire === true) {
              expired = await expireAllTokens();
            }
            if (typeof patch.expireOn === 'string' || patch.expireOn === null) {
              tokenControl.expireOn = patch.expireOn;
            }
            if (patch.resetCounts === true) {
              Object.assign(tokenControl, { logins: 0, expirations: 0 });
              inFlight.maxHealth = inFlight.health;
            }
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              ...tokenControl,
              ...(expired !== undefined ? { expired } : {}),
              healthInFlight: inFlight.health,
              maxHealthInFlight: inFlight.maxHealth,
            }),
          );
          return;
        }
        if (url.pathname === '/_emulator/state' && dbError === null) {
          const v = await db.mget([KEYS.schema, KEYS.registration, KEYS.shards, KEYS.shardmap]);
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ version, master: await db.holder(MASTER_LEASE), nodes: await liveRows(), ...v }));
          return;
        }
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'unknown emulator control path' }));
        return;
      }
      if (tokenControl.expireOn !== null && url.pathname === tokenControl.expireOn && dbError === null) {
        tokenControl.expireOn = null;
        await expireAllTokens();
      }
      if (faults.hangHealth && url.pathname.replace(/\/+$/, '') === '/v1/health') {
        accessLog(req, 0, 0);
        return; // never answer
      }
      try {
        const [status, payload] = await route(req, url, body);
        if (typeof payload === 'string') {
          finish(status, payload, 'text/plain');
        } else {
          finish(status, { ...(payload as object), meta });
        }
      } catch (e) {
        if (e instanceof HttpError) {
          finish(e.status, { errors: [e.error], meta });
        } else {
          webLog('error', `request ${req.method ?? ''} ${url.pathname} failed: ${errorText(e)}`);
          finish(500, { errors: [{ code: 1014, title: 'Internal error', details: errorText(e) }], meta });
        }
      }
    })();
  });
  server.listen(443, () =>
    webLog(
      'info',
      `listening on :443 (HTTPS); WEBAPP_HOSTNAME=${env('WEBAPP_HOSTNAME', '-')} WEBAPP_EXTERNAL_PORTS=${env('WEBAPP_EXTERNAL_PORTS', '-')}`,
    ),
  );
  const stop = (): void => {
    webLog('info', 'shutting down');
    clearInterval(dbWatch);
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return Promise.resolve();
}

function sha(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

function encrypt(plain: string, password: string): string {
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(12);
  const key = crypto.scryptSync(password, salt, 32, { N: 1024 });
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  const enc = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([Buffer.from('WAEMU1'), salt, iv, c.getAuthTag(), enc]).toString('base64');
}

function decrypt(data: string, password: string): string {
  const raw = Buffer.from(data, 'base64');
  if (raw.subarray(0, 6).toString() !== 'WAEMU1') {
    throw new Error('not a backup');
  }
  const salt = raw.subarray(6, 22);
  const iv = raw.subarray(22, 34);
  const tag = raw.subarray(34, 50);
  const key = crypto.scryptSync(password, salt, 32, { N: 1024 });
  const d = crypto.createDecipheriv('aes-256-gcm', key, iv);
  d.setAuthTag(tag);
  return Buffer.concat([d.update(raw.subarray(50)), d.final()]).toString('utf8');
}

function prometheus(
  m: Record<string, { type: string; help: string; data: { labels: Record<string, string>; value: number }[] }>,
): string {
  const lines: string[] = [];
  for (const [name, v] of Object.entries(m)) {
    lines.push(`# HELP ${name} ${v.help}`, `# TYPE ${name} ${v.type}`);
    for (const d of v.data) {
      const labels = Object.entries(d.labels)
        .map(([k, x]) => `${k}="${x}"`)
        .join(',');
      lines.push(`${name}${labels ? `{${labels}}` : ''} ${d.value}`);
    }
  }
  return lines.join('\n') + '\n';
}

function forward(host: string, port: number, method: string, path: string, body: string): Promise<unknown> {
  return new Promise((resolve) => {
    const req = http.request(
      { host, port, method, path, timeout: 3000, headers: { 'content-type': 'application/json' } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(data) as unknown);
          } catch {
            resolve(data);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ error: e.message }));
    req.end(body);
  });
}
