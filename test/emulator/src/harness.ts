// Programmatic API to run an emulated cluster with the real Compose CLI (v2 `docker compose` or v1
// `docker-compose`, see composeFlavor): build the images,
// write a workspace (compose file, db.env, .env), up/down, talk HTTPS to the web with the emulator
// CA trusted explicitly. Used by test/docker/emulator*.test.ts, scripts/emulator.mjs and anyone who
// needs a live cluster (engine, extension and demo tests).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { DB_IMAGE_MYSQL, DB_IMAGE_POSTGRES, OLD_VERSION, buildImages, caPem } from './build';

export * from './build';

export const HA_SERVICES = ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2'];
export const ALL_SERVICES = [...HA_SERVICES, 'wacore3'];
/** Default WA_API_KEY written into emulator.env (accepted as `Authorization: Apikey …` on health/metrics/stats). */
export const DEFAULT_API_KEY = 'wa-emulator-api-key-0123456789';
export const DEFAULT_PASSWORD = 'Secret-Pass-1';

/** Compose v2 (`docker compose`, the CLI plugin every current Docker install has) or v1 (`docker-compose`). */
export type ComposeFlavor = 'v1' | 'v2';

/** The program and leading arguments that run a flavour of Compose. */
export function composeCli(flavor: ComposeFlavor): { command: string; baseArgs: string[] } {
  return flavor === 'v2' ? { command: 'docker', baseArgs: ['compose'] } : { command: 'docker-compose', baseArgs: [] };
}

/**
 * The Compose flavour of this run: WA_TEST_COMPOSE=v1|v2 (set by `run-tier.mjs --compose`), else
 * what a user's machine gives, as the extension detects it: v2 when `docker compose version` works.
 */
export function composeFlavor(env: NodeJS.ProcessEnv = process.env): ComposeFlavor {
  const chosen = env.WA_TEST_COMPOSE;
  if (chosen === 'v1' || chosen === 'v2') {
    return chosen;
  }
  if (chosen) {
    throw new Error(`WA_TEST_COMPOSE must be v1 or v2, not "${chosen}"`);
  }
  return spawnSync('docker', ['compose', 'version', '--short'], { stdio: 'ignore', timeout: 15_000 }).status === 0
    ? 'v2'
    : 'v1';
}

/**
 * The multi-host slot (subnet and names, see multihost.ts) a suite uses in this run. npm test runs
 * the Compose v1 leg of a tier at the same time as its v2 leg, so v1 takes the slot 10 above the
 * suite's own one and the two never share a namespace, bridge or subnet.
 */
export function legSlot(suiteSlot: number, env: NodeJS.ProcessEnv = process.env): number {
  return env.WA_TEST_COMPOSE === 'v1' ? suiteSlot + 10 : suiteSlot;
}

/**
 * How a user gets a flavour in the extension: v2 by detection (no setting), v1 by setting
 * waCluster.compose.command to `docker-compose` (the words of that setting, split).
 */
export function composeSetting(flavor: ComposeFlavor): string[] | undefined {
  return flavor === 'v1' ? ['docker-compose'] : undefined;
}

/** Name Compose gives a service's container: `<project>-<service>-<n>` (v2), `<project>_<service>_<n>` (v1). */
export function containerName(flavor: ComposeFlavor, project: string, service: string, index = 1): string {
  const sep = flavor === 'v2' ? '-' : '_';
  return [project, service, String(index)].join(sep);
}

export interface WorkspaceOptions {
  /** Folder to write into (created). */
  dir: string;
  /** Compose project name (default: folder name, as compose does). Use a unique one per test. */
  project?: string;
  /** WA_API_VERSION written to .env (bare, no `v`). */
  version?: string;
  /** Host port of the web on 127.0.0.1 (container 443). */
  webPort: number;
  /** Publish the database on 127.0.0.1:<port> (container 3306); default: not published. */
  dbHostPort?: number;
  engine?: 'mysql' | 'postgres';
  /** WA_API_KEY for the web; null for none. */
  apiKey?: string | null;
  /** Extra variables for every WhatsApp container (emulator knobs, faults), written to emulator.env. */
  env?: Record<string, string | number>;
  /** Compose flavour that runs this workspace (default: composeFlavor()). */
  compose?: ComposeFlavor;
  /** How many coreapps the multiconnect file declares (wacore1…wacoreN; default 3). */
  coreapps?: number;
}

export interface Workspace {
  dir: string;
  project: string;
  version: string;
  webPort: number;
  engine: 'mysql' | 'postgres';
  apiKey: string | null;
  composeFile: string;
  baseUrl: string;
  compose: ComposeFlavor;
}

export function writeWorkspace(o: WorkspaceOptions): Workspace {
  fs.mkdirSync(o.dir, { recursive: true });
  const engine = o.engine ?? 'mysql';
  const version = o.version ?? OLD_VERSION;
  const project =
    o.project ??
    path
      .basename(path.resolve(o.dir))
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '');
  const apiKey = o.apiKey === undefined ? DEFAULT_API_KEY : o.apiKey;
  const pg = engine === 'postgres';
  const wait = pg ? 'wait_on_postgres.sh' : 'wait_on_mysql.sh';
  const tag =
    '${WA_API_VERSION:?Run docker-compose with env var WA_API_VERSION (ex. WA_API_VERSION=2.41.2 docker-compose <command> <options>)}';
  const cmd = `["/opt/whatsapp/bin/${wait}", "/opt/whatsapp/bin/launch_within_docker.sh"]`;
  const dataVolume = pg ? 'postgresData' : 'mysqlData';
  const common = (indent: string): string =>
    [
      `${indent}volumes:`,
      `${indent} - whatsappMedia:/usr/local/wamedia`,
      `${indent}env_file:`,
      `${indent}  - db.env`,
      `${indent}  - emulator.env`,
    ].join('\n');
  const node = (name: string, master: boolean, dependsOn: string): string => `  ${name}:
    image: wa-emulator/coreapp:v${tag}
    restart: unless-stopped
    command: ${cmd}
    ports:
      - "127.0.0.1::6250-6253"
${common('    ')}
    environment:
      WA_APP_MULTICONNECT: 1
${master ? '      WA_MASTER_NODE: 1\n' : ''}      COREAPP_EXTERNAL_PORTS: "6250,6251,6252,6253"
      COREAPP_HOSTNAME: "${name}"
      WA_RUNNING_ENV_VERSION: v2.2.3
      ORCHESTRATION: DOCKER-COMPOSE
    depends_on:
      - "${dependsOn}"
    cap_drop:
      - MKNOD
`;
  const db = pg
    ? `  db:
    image: ${DB_IMAGE_POSTGRES}
    command: "-p 3306 -N 500"
    restart: always
    environment:
      POSTGRES_PASSWORD: testpass
      POSTGRES_USER: root
${o.dbHostPort ? `    ports:\n      - "127.0.0.1:${o.dbHostPort}:3306"\n` : ''}    volumes:
     - postgresData:/var/lib/postgresql/data
    cap_drop:
     - MKNOD
`
    : `  db:
    image: ${DB_IMAGE_MYSQL}
    command: --default-authentication-plugin=mysql_native_password
    restart: always
    environment:
      MYSQL_ROOT_PASSWORD: testpass
      MYSQL_USER: testuser
      MYSQL_PASSWORD: testpass
${o.dbHostPort ? `    ports:\n      - "127.0.0.1:${o.dbHostPort}:3306"\n` : ''}    volumes:
     - mysqlData:/var/lib/mysql
    cap_drop:
     - MKNOD
`;
  // The top of both compose files: the vendor's version line, the two volumes, then the database.
  const header = `version: '3'

volumes:
  ${dataVolume}:
    driver: local
  whatsappMedia:
    driver: local

services:
${db}`;
  const compose = `# Generated by wa-cluster's emulator harness (test/emulator). Same services, commands, environment,
# volumes and dependencies as the vendor's installation/${pg ? 'postgres/' : ''}multiconnect-compose.yml, with the
# wa-emulator images (EMULATOR, not WhatsApp) and ports published on 127.0.0.1 only.
${header}  waweb:
    image: wa-emulator/web:v${tag}
    command: ${cmd}
    ports:
     - "127.0.0.1:${o.webPort}:443"
${common('    ')}
    environment:
      WA_APP_MULTICONNECT: 1
      WEBAPP_EXTERNAL_PORTS: "${o.webPort}"
      WEBAPP_HOSTNAME: "waweb"
      WA_RUNNING_ENV_VERSION: v2.2.3
      ORCHESTRATION: DOCKER-COMPOSE
    depends_on:
      - "db"
    cap_drop:
      - MKNOD
${node('master1', true, 'waweb')}${node('master2', true, 'waweb')}${Array.from({ length: o.coreapps ?? 3 }, (_, i) => node(`wacore${i + 1}`, false, 'master1')).join('')}`;
  // The DB upgrade service of dbupgrade-compose.yml, minus `network_mode: bridge`: run it with the
  // cluster's project name so it joins the cluster network and reaches `db` (wa-api.md §5 item 16).
  const dbupgrade = `# Generated by wa-cluster's emulator harness. The vendor's dbupgrade-compose.yml without
# \`network_mode: bridge\` (which cannot reach \`db\`, wa-api.md §5 item 16): run it with the cluster's
# project name, e.g.  WA_API_VERSION=<new> docker-compose -p ${project} -f dbupgrade-compose.yml up -d
version: '3'

services:
  dbupgrade:
    image: wa-emulator/coreapp:v${tag}
    restart: on-failure
    command: ${cmd}
    env_file:
      - db.env
      - emulator.env
    environment:
      WA_DB_UPGRADE: 1
    cap_drop:
      - MKNOD
`;
  // Single-instance file (installation/docker-compose.yml shape) without `network_mode: bridge`,
  // which would break the service-name DNS (wa-api.md §1.6).
  const single = `# Generated by wa-cluster's emulator harness: the vendor's single-instance
# installation/${pg ? 'postgres/' : ''}docker-compose.yml with the wa-emulator images, without \`network_mode: bridge\`.
${header}  wacore:
    image: wa-emulator/coreapp:v${tag}
    command: ${cmd}
${common('    ')}
    depends_on:
      - "db"
    cap_drop:
      - MKNOD
  waweb:
    image: wa-emulator/web:v${tag}
    command: ${cmd}
    ports:
     - "127.0.0.1:${o.webPort}:443"
${common('    ')}
    environment:
      WACORE_HOSTNAME: wacore
    depends_on:
      - "db"
      - "wacore"
    cap_drop:
      - MKNOD
`;
  const dbEnv = pg
    ? 'WA_DB_ENGINE=PGSQL\nWA_DB_HOSTNAME=db\nWA_DB_PORT=3306\nWA_DB_USERNAME=root\nWA_DB_PASSWORD=testpass\n'
    : 'WA_DB_ENGINE=MYSQL\nWA_DB_HOSTNAME=db\nWA_DB_PORT=3306\nWA_DB_USERNAME=root\nWA_DB_PASSWORD=testpass\nWA_DB_CONNECTION_IDLE_TIMEOUT=180000\n';
  const emuEnv = ['# wa-emulator knobs (see test/emulator/README.md); ignored by real images.'];
  if (apiKey) {
    emuEnv.push(`WA_API_KEY=${apiKey}`);
  }
  for (const [k, v] of Object.entries(o.env ?? {})) {
    emuEnv.push(`${k}=${v}`);
  }
  fs.writeFileSync(path.join(o.dir, 'multiconnect-compose.yml'), compose);
  fs.writeFileSync(path.join(o.dir, 'dbupgrade-compose.yml'), dbupgrade);
  fs.writeFileSync(path.join(o.dir, 'docker-compose.yml'), single);
  fs.writeFileSync(path.join(o.dir, 'db.env'), dbEnv);
  fs.writeFileSync(path.join(o.dir, 'emulator.env'), emuEnv.join('\n') + '\n');
  fs.writeFileSync(path.join(o.dir, '.env'), `WA_API_VERSION=${version}\n`);
  return {
    dir: o.dir,
    project,
    version,
    webPort: o.webPort,
    engine,
    apiKey,
    composeFile: 'multiconnect-compose.yml',
    baseUrl: `https://127.0.0.1:${o.webPort}`,
    compose: o.compose ?? composeFlavor(),
  };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export interface ComposeOptions {
  /** WA_API_VERSION for this call (default: the workspace's). */
  version?: string;
  /** Compose files (default: the workspace's multiconnect-compose.yml). */
  files?: string[];
  /** Throw when the command fails (default true). */
  check?: boolean;
  env?: Record<string, string>;
}

/** Runs `docker compose|docker-compose -p <project> -f <files> <args>` (the workspace's flavour) in the workspace folder. */
export async function compose(ws: Workspace, args: string[], o: ComposeOptions = {}): Promise<ExecResult> {
  const files = (o.files ?? [ws.composeFile]).flatMap((f) => ['-f', f]);
  const cli = composeCli(ws.compose);
  const r = await exec(cli.command, [...cli.baseArgs, '-p', ws.project, ...files, ...args], {
    cwd: ws.dir,
    env: { ...process.env, WA_API_VERSION: o.version ?? ws.version, ...o.env },
  });
  if (r.code !== 0 && o.check !== false) {
    throw new Error(
      `${[cli.command, ...cli.baseArgs].join(' ')} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`,
    );
  }
  return r;
}

export async function up(ws: Workspace, services: string[] = HA_SERVICES, o: ComposeOptions = {}): Promise<void> {
  await compose(ws, ['up', '-d', ...services], o);
}

/** `down` (keeps the data volume) or `down -v` (deletes it); also removes the dbupgrade container. */
export async function down(ws: Workspace, o: { volumes?: boolean; files?: string[] } = {}): Promise<void> {
  await compose(ws, ['down', '--remove-orphans', '-t', '5', ...(o.volumes ? ['-v'] : [])], {
    check: false,
    files: o.files,
  });
}

/** Container id of a service's first container (`compose ps -q`). */
export async function containerIdOf(ws: Workspace, service: string, o: ComposeOptions = {}): Promise<string> {
  return (await compose(ws, ['ps', '-q', service], o)).stdout.trim().split('\n')[0] ?? '';
}

/** The host port (on 127.0.0.1) published for a service's container port. */
export async function publishedPort(ws: Workspace, service: string, containerPort: number): Promise<number> {
  const out = (await compose(ws, ['port', service, String(containerPort)])).stdout.trim();
  return Number(out.split(':').pop());
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export interface ApiResponse {
  status: number;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
}

export interface ApiRequest {
  token?: string;
  basic?: [string, string];
  apiKey?: string;
  body?: unknown;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** One HTTPS request to the web, trusting only the emulator CA (no rejectUnauthorized:false). */
export function api(
  target: Workspace | string,
  method: string,
  urlPath: string,
  r: ApiRequest = {},
): Promise<ApiResponse> {
  const base = typeof target === 'string' ? target : target.baseUrl;
  const url = new URL(urlPath, base);
  const headers: Record<string, string> = { ...r.headers };
  if (r.token) {
    headers.authorization = `Bearer ${r.token}`;
  } else if (r.basic) {
    headers.authorization = `Basic ${Buffer.from(`${r.basic[0]}:${r.basic[1]}`).toString('base64')}`;
  } else if (r.apiKey) {
    headers.authorization = `Apikey ${r.apiKey}`;
  }
  const payload = r.body === undefined ? undefined : JSON.stringify(r.body);
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method, headers, ca: caPem(), servername: 'localhost', timeout: r.timeoutMs ?? 10_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request ${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Logs in as admin. On a fresh cluster the first login must set a new password (error 1024
 * otherwise), so this tries `password`, then `secret` + new_password=`password`.
 */
export async function login(ws: Workspace | string, password = DEFAULT_PASSWORD): Promise<string> {
  let r = await api(ws, 'POST', '/v1/users/login', { basic: ['admin', password] });
  if (r.status === 401) {
    r = await api(ws, 'POST', '/v1/users/login', { basic: ['admin', 'secret'], body: { new_password: password } });
  }
  const token = (r.body as { users?: { token?: string }[] } | undefined)?.users?.[0]?.token;
  if (r.status !== 200 || !token) {
    throw new Error(`login failed: ${r.status} ${r.text}`);
  }
  return token;
}

export type NodeHealth = {
  gateway_status?: string;
  role?: string;
  errors?: { code: number; title: string; details: string }[];
};
export interface HealthBody {
  health: Record<string, NodeHealth>;
  meta?: { version?: string; api_status?: string };
}

export interface WaitOptions {
  token?: string;
  apiKey?: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls GET /v1/health until `accept` returns true (default: the web answers with a health map).
 * Throws with the last answer on timeout.
 */
export async function waitForHealth(
  ws: Workspace | string,
  accept: (h: HealthBody) => boolean = () => true,
  o: WaitOptions = {},
): Promise<HealthBody> {
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    try {
      const r = await api(ws, 'GET', '/v1/health', {
        token: o.token,
        apiKey: o.token ? undefined : (o.apiKey ?? (typeof ws === 'string' ? undefined : ws.apiKey) ?? undefined),
        timeoutMs: 5000,
      });
      last = `${r.status} ${r.text}`;
      const b = r.body as HealthBody | undefined;
      if (r.status === 200 && b?.health && accept(b)) {
        return b;
      }
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) {
      throw new Error(`health not as expected within ${o.timeoutMs ?? 30_000} ms; last answer: ${last}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 300));
  }
}

/** Health entries keyed by service name (the part before `:`), for order-free comparisons. */
export function byService(h: HealthBody): Record<string, NodeHealth> {
  const out: Record<string, NodeHealth> = {};
  for (const [k, v] of Object.entries(h.health)) {
    out[k.split(':')[0] ?? k] = v;
  }
  return out;
}

/**
 * Shape of a health map with the container-id part dropped and the primary master named generically,
 * e.g. fixture 02 → {master?: …}. Compare to a fixture transformed the same way.
 */
export function healthShape(health: Record<string, NodeHealth>): Record<string, NodeHealth> {
  const out: Record<string, NodeHealth> = {};
  for (const [k, v] of Object.entries(health)) {
    const name = k.split(':')[0] ?? k;
    out[/^master\d+$/.test(name) ? `master#${v.role ?? (v.errors ? 'not-ready' : '?')}` : name] = v;
  }
  return out;
}

/** True when two health maps have the same shape (see healthShape), e.g. a live answer and a fixture. */
export function sameHealthShape(a: Record<string, NodeHealth>, b: Record<string, NodeHealth>): boolean {
  try {
    assert.deepStrictEqual(healthShape(a), healthShape(b));
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions extends WorkspaceOptions {
  services?: string[];
  /** Wait until every started node is in the health map (default true). */
  wait?: boolean;
  log?: (line: string) => void;
}

/** Builds images if needed, writes the workspace, `up -d` the services, waits for health. */
export async function startCluster(o: StartOptions): Promise<Workspace> {
  await buildImages({ log: o.log });
  const ws = writeWorkspace(o);
  const services = o.services ?? HA_SERVICES;
  await up(ws, services);
  if (o.wait !== false) {
    const nodes = services.filter((s) => /^(master|wacore)/.test(s)).length;
    await waitForHealth(ws, (h) => Object.keys(h.health).length >= nodes, { timeoutMs: 30_000 });
  }
  return ws;
}

/** Sets emulator fault switches on the web (`/_emulator/faults`) or on one node through the web. */
export async function setFaults(ws: Workspace, faults: Record<string, unknown>, node?: string): Promise<ApiResponse> {
  return api(ws, 'POST', node ? `/_emulator/nodes/${encodeURIComponent(node)}/faults` : '/_emulator/faults', {
    body: faults,
  });
}

/** What `/_emulator/tokens` counts on the web: logins since start (or the last reset) and health requests in flight. */
export interface TokenControl {
  readonly expireOn: string | null;
  readonly logins: number;
  readonly expirations: number;
  readonly expired?: number;
  readonly healthInFlight: number;
  readonly maxHealthInFlight: number;
}

/**
 * `/_emulator/tokens` on the web: `{expire: true}` expires every token now, `{expireOn: path}` when
 * the next request for that path arrives (before it is authenticated), `{resetCounts: true}`
 * restarts the counts; no body only reads them.
 */
export async function tokenControl(
  ws: Workspace,
  change?: { expire?: boolean; expireOn?: string | null; resetCounts?: boolean },
): Promise<TokenControl> {
  const r = await api(ws, change ? 'POST' : 'GET', '/_emulator/tokens', change ? { body: change } : {});
  if (r.status !== 200) {
    throw new Error(`/_emulator/tokens answered ${r.status}: ${r.text}`);
  }
  return r.body as TokenControl;
}
