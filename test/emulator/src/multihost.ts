// A real multi-host bench on one machine: N cluster hosts plus a database host, each a real `dockerd`
// in its own network namespace (own data root, exec root, pid file, socket), joined by a bridge on a
// private subnet. Every host runs the vendor's unmodified prod-multiconnect-compose.yml with an
// image-only override (the wa-emulator images); the database runs on its own host, as wa-api.md §5.3
// advises ("not on the app hosts"). Host 1 is reached over unix://, host 2 over ssh:// (an sshd in
// its namespace, a key made for the bench), host 3 over tcp:// with TLS (certificates made for the
// bench); further hosts over unix://. Used by `npm run emulator -- up|down --hosts N` and the
// docker-tier multi-host tests.
//
// Network safety: the bridge lives in a "switch" namespace of its own, so bridged traffic between
// the hosts never passes the root namespace's iptables (whose FORWARD policy the main dockerd sets
// to DROP), and the main dockerd's rules are never touched. The root namespace gets one veth into
// that bridge (.1) so tests reach the hosts' published ports. No namespace has a default route:
// nothing but the bench's own subnet is addressed. Each namespace's dockerd keeps --iptables on
// because netfilter tables are per network namespace: its NAT rules (published ports, masquerading
// container traffic to the other hosts) stay inside its namespace.
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sharedPath } from '../../support/paths';
import { DB_IMAGE_MYSQL, OLD_VERSION, VERSIONS, buildImages, cacheDir, coreappImage, webImage } from './build';
import { DEFAULT_API_KEY, exec } from './harness';
import { processAlive, readPidFile } from '../../support/pidFile';

/** The vendor's per-host production compose file (run unmodified on every host). */
export const PROD_COMPOSE = 'prod-multiconnect-compose.yml';
export const IMAGE_OVERRIDE = 'emulator-images.yml';
export const DB_COMPOSE = 'db-compose.yml';
export const INVENTORY_FILE = 'wa-cluster.inventory.yml';
/** Where every bench keeps its engines' sockets, data, keys and certificates (removed by `down --volumes`). */
export const RUN_ROOT = '/run/wa-hosts';
const WEB_PORT = 9090;
/** The Compose project every bench host runs (also COMPOSE_PROJECT_NAME in its env files). */
export const PROJECT = 'wa';
const DB_PORT = 3306;

export type HostAccess = 'unix' | 'ssh' | 'tcp+tls';

export interface BenchHost {
  /** Inventory name: `db`, `host1`, `host2`, … */
  name: string;
  netns: string;
  /** The host's address on the bench subnet; also its EXTERNAL_HOSTNAME. */
  address: string;
  /** The engine's unix socket (the bench itself always drives the engine through it). */
  socketPath: string;
  /** How the inventory reaches the engine. */
  access: HostAccess;
  /** DOCKER_HOST-style URL for that access. */
  endpoint: string;
  dir: string;
}

export interface Bench {
  slot: number;
  subnet: string;
  runDir: string;
  /** The workspace: compose files, env files, the inventory. */
  dir: string;
  version: string;
  db: BenchHost;
  hosts: BenchHost[];
  inventoryPath: string;
  webUrl: string;
  apiKey: string;
  /** Client key material for the ssh and tcp+TLS hosts. */
  ssh: { identityFile: string; knownHostsFile: string };
  tls: { ca: string; cert: string; key: string };
}

export interface BenchOptions {
  /** Cluster hosts (besides the database host); default 3. */
  hosts?: number;
  /** 0–19: picks the subnet 10.213.(77+slot).0/24 and the names wa<slot>-…, so a demo and a test don't collide. */
  slot?: number;
  /** Workspace folder (inventory, compose and env files); default .demo/hosts beside the repository. */
  dir: string;
  version?: string;
  log?: (line: string) => void;
}

const names = (slot: number) => ({
  prefix: `wa${slot}`,
  switchNs: `wa${slot}-net`,
  bridge: `wa${slot}-br`,
  rootLink: `wa${slot}-up`,
  runDir: path.join(RUN_ROOT, `wa${slot}`),
  subnet: `10.213.${77 + slot}`,
});

function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot > 19) {
    throw new Error(`bench slot must be 0–19, got ${slot}`);
  }
}

function layout(o: { slot: number; hosts: number }): { db: BenchHost; hosts: BenchHost[] } {
  const n = names(o.slot);
  const host = (name: string, index: number, access: HostAccess): BenchHost => {
    const address = `${n.subnet}.${10 + index}`;
    const dir = path.join(n.runDir, name);
    const socketPath = path.join(dir, 'docker.sock');
    const endpoint =
      access === 'ssh'
        ? `ssh://root@${address}`
        : access === 'tcp+tls'
          ? `tcp://${address}:2376`
          : `unix://${socketPath}`;
    return { name, netns: `${n.prefix}-${name}`, address, socketPath, access, endpoint, dir };
  };
  const access = (i: number): HostAccess => (i === 2 ? 'ssh' : i === 3 ? 'tcp+tls' : 'unix');
  return {
    db: host('db', 0, 'unix'),
    hosts: Array.from({ length: o.hosts }, (_, k) => host(`host${k + 1}`, k + 1, access(k + 1))),
  };
}

async function sh(
  cmd: string,
  args: string[],
  o: { check?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const r = await exec(cmd, args, { timeoutMs: o.timeoutMs ?? 60_000, env: o.env });
  if (r.code !== 0 && o.check !== false) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

async function netnsList(): Promise<string[]> {
  return (await sh('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

/** Starts a long-running process inside a namespace, detached, output to a log file. */
function spawnIn(netns: string, cmd: string, args: string[], logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn('nsenter', [`--net=/var/run/netns/${netns}`, cmd, ...args], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  return child;
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createNetwork(slot: number, all: BenchHost[]): Promise<void> {
  const n = names(slot);
  const existing = await netnsList();
  if (existing.includes(n.switchNs)) {
    throw new Error(`bench ${n.prefix} is already up (namespace ${n.switchNs} exists); run \`down\` first`);
  }
  const routes = await sh('ip', ['route', 'show']);
  if (routes.includes(`${n.subnet}.`)) {
    throw new Error(`subnet ${n.subnet}.0/24 is already routed on this machine; pick another slot`);
  }
  await sh('ip', ['netns', 'add', n.switchNs]);
  await sh('ip', ['-n', n.switchNs, 'link', 'add', n.bridge, 'type', 'bridge']);
  await sh('ip', ['-n', n.switchNs, 'link', 'set', n.bridge, 'up']);
  await sh('ip', ['-n', n.switchNs, 'link', 'set', 'lo', 'up']);
  // Root namespace ↔ bridge, so the machine (tests, the extension) reaches the hosts.
  await sh('ip', ['link', 'add', n.rootLink, 'type', 'veth', 'peer', 'name', `${n.rootLink}-br`, 'netns', n.switchNs]);
  await sh('ip', ['-n', n.switchNs, 'link', 'set', `${n.rootLink}-br`, 'master', n.bridge, 'up']);
  await sh('ip', ['addr', 'add', `${n.subnet}.1/24`, 'dev', n.rootLink]);
  await sh('ip', ['link', 'set', n.rootLink, 'up']);
  for (const h of all) {
    await sh('ip', ['netns', 'add', h.netns]);
    const link = `${n.prefix}-${h.name === 'db' ? 'hdb' : h.name.replace('host', 'h')}`;
    await sh('ip', ['-n', n.switchNs, 'link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
    await sh('ip', ['-n', n.switchNs, 'link', 'set', link, 'master', n.bridge, 'up']);
    await sh('ip', ['-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
    await sh('ip', ['-n', h.netns, 'link', 'set', 'eth0', 'up']);
    await sh('ip', ['-n', h.netns, 'link', 'set', 'lo', 'up']);
  }
}

async function makeTls(
  dir: string,
  serverIp: string,
): Promise<{ ca: string; cert: string; key: string; serverCert: string; serverKey: string }> {
  fs.mkdirSync(dir, { recursive: true });
  const o = (args: string[]): Promise<string> =>
    sh(
      'openssl',
      args.map((a) => a.replace(/^@/, `${dir}/`)),
    );
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await o([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    '@ca-key.pem',
    '-out',
    '@ca.pem',
    '-days',
    '30',
    '-subj',
    '/CN=wa-cluster bench Docker CA (test only)',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  fs.writeFileSync(
    path.join(dir, 'server.cnf'),
    `subjectAltName=IP:${serverIp}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'client.cnf'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  await o(['req', ...ec, '-keyout', '@server-key.pem', '-out', '@server.csr', '-subj', `/CN=${serverIp}`]);
  await o([
    'x509',
    '-req',
    '-in',
    '@server.csr',
    '-CA',
    '@ca.pem',
    '-CAkey',
    '@ca-key.pem',
    '-CAcreateserial',
    '-out',
    '@server-cert.pem',
    '-days',
    '30',
    '-extfile',
    '@server.cnf',
  ]);
  await o(['req', ...ec, '-keyout', '@key.pem', '-out', '@client.csr', '-subj', '/CN=wa-cluster bench client']);
  await o([
    'x509',
    '-req',
    '-in',
    '@client.csr',
    '-CA',
    '@ca.pem',
    '-CAkey',
    '@ca-key.pem',
    '-CAcreateserial',
    '-out',
    '@cert.pem',
    '-days',
    '30',
    '-extfile',
    '@client.cnf',
  ]);
  return {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    serverCert: path.join(dir, 'server-cert.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
  };
}

/** The engine's extra listener: tcp:// with TLS client verification on the tcp+tls host. */
function engineListeners(h: BenchHost, tls: { ca: string; serverCert: string; serverKey: string }): string[] {
  return h.access === 'tcp+tls'
    ? [
        '-H',
        `tcp://${h.address}:2376`,
        '--tlsverify',
        '--tlscacert',
        tls.ca,
        '--tlscert',
        tls.serverCert,
        '--tlskey',
        tls.serverKey,
      ]
    : [];
}

/** Stops one host's engine (its containers stop with it), as a host that goes down does; the rest of the bench stays. */
export async function stopEngine(h: BenchHost): Promise<void> {
  await stopByPidFile(path.join(h.dir, 'docker.pid'));
}

/** Starts a host's stopped engine again, with the same data and listeners (its restart-policy containers come back). */
export async function startEngine(bench: Bench, h: BenchHost): Promise<void> {
  const dir = path.join(bench.runDir, 'tls');
  await startDockerd(
    h,
    engineListeners(h, {
      ca: bench.tls.ca,
      serverCert: path.join(dir, 'server-cert.pem'),
      serverKey: path.join(dir, 'server-key.pem'),
    }),
  );
}

async function startDockerd(h: BenchHost, extra: string[]): Promise<void> {
  fs.mkdirSync(h.dir, { recursive: true });
  spawnIn(
    h.netns,
    'dockerd',
    [
      '--data-root',
      path.join(h.dir, 'data'),
      '--exec-root',
      path.join(h.dir, 'exec'),
      '--pidfile',
      path.join(h.dir, 'docker.pid'),
      '-H',
      `unix://${h.socketPath}`,
      '--cgroup-parent',
      h.netns,
      ...extra,
    ],
    path.join(h.dir, 'dockerd.log'),
  );
  await waitFor(
    `dockerd of ${h.name}`,
    async () =>
      (
        await exec('docker', ['-H', `unix://${h.socketPath}`, 'version', '--format', '{{.Server.Version}}'], {
          timeoutMs: 5000,
        })
      ).code === 0,
    30_000,
  );
}

async function startSshd(h: BenchHost, sshDir: string): Promise<{ identityFile: string; knownHostsFile: string }> {
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  const identityFile = path.join(sshDir, 'id_ed25519');
  const hostKey = path.join(sshDir, 'host_ed25519');
  for (const f of [identityFile, hostKey]) {
    if (!fs.existsSync(f)) {
      await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'wa-cluster bench (test only)', '-f', f]);
    }
  }
  fs.copyFileSync(`${identityFile}.pub`, path.join(sshDir, 'authorized_keys'));
  const knownHostsFile = path.join(sshDir, 'known_hosts');
  fs.writeFileSync(
    knownHostsFile,
    `${h.address} ${fs.readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
  );
  const config = path.join(sshDir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `ListenAddress ${h.address}`,
      'Port 22',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(sshDir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(sshDir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'PrintMotd no',
      'StrictModes no',
      // `docker system dial-stdio` (what ssh:// Docker clients run) must reach this namespace's engine.
      `SetEnv DOCKER_HOST=unix://${h.socketPath}`,
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true });
  spawnIn(
    h.netns,
    '/usr/sbin/sshd',
    ['-f', config, '-E', path.join(sshDir, 'sshd.log')],
    path.join(sshDir, 'sshd.out'),
  );
  await waitFor(`sshd of ${h.name}`, () => Promise.resolve(fs.existsSync(path.join(sshDir, 'sshd.pid'))), 10_000);
  return { identityFile, knownHostsFile };
}

async function loadImages(h: BenchHost, images: string[]): Promise<void> {
  const quoted = images.map((i) => `'${i}'`).join(' ');
  await sh('sh', ['-c', `docker save ${quoted} | docker -H 'unix://${h.socketPath}' load -q`], { timeoutMs: 120_000 });
}

function dockerEnv(h: BenchHost): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCKER_HOST: `unix://${h.socketPath}`,
    DOCKER_TLS_VERIFY: '',
    DOCKER_CERT_PATH: '',
    DOCKER_CONTEXT: '',
  };
}

/** `docker-compose` against one bench host's engine, in the workspace. */
export async function hostCompose(
  bench: Bench,
  h: BenchHost,
  args: string[],
  o: { check?: boolean } = {},
): Promise<string> {
  const files =
    h.name === 'db' ? ['-f', DB_COMPOSE] : ['-f', PROD_COMPOSE, '-f', IMAGE_OVERRIDE, '--env-file', `${h.name}.env`];
  const r = await exec('docker-compose', ['-p', PROJECT, ...files, ...args], {
    cwd: bench.dir,
    env: dockerEnv(h),
    timeoutMs: 180_000,
  });
  if (r.code !== 0 && o.check !== false) {
    throw new Error(`docker-compose ${args.join(' ')} on ${h.name} failed (${r.code}): ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

function writeWorkspace(b: Omit<Bench, 'inventoryPath'>, webFingerprint: string): string {
  fs.mkdirSync(b.dir, { recursive: true });
  fs.copyFileSync(sharedPath('fixtures', 'compose', 'installation', PROD_COMPOSE), path.join(b.dir, PROD_COMPOSE));
  fs.writeFileSync(
    path.join(b.dir, IMAGE_OVERRIDE),
    `# wa-emulator images (EMULATOR, not WhatsApp) instead of docker.whatsapp.biz; nothing else changes.
services:
  waweb:
    image: wa-emulator/web:v\${WA_API_VERSION:?WA_API_VERSION is not set}
  wacore:
    image: wa-emulator/coreapp:v\${WA_API_VERSION:?WA_API_VERSION is not set}
  master:
    image: wa-emulator/coreapp:v\${WA_API_VERSION:?WA_API_VERSION is not set}
`,
  );
  fs.writeFileSync(
    path.join(b.dir, DB_COMPOSE),
    `# The cluster's database, on a host of its own (wa-api.md §5.3): the emulator's MySQL stand-in.
version: '3'
volumes:
  mysqlData:
    driver: local
services:
  db:
    image: ${DB_IMAGE_MYSQL}
    command: --default-authentication-plugin=mysql_native_password
    restart: always
    ports:
      - "${DB_PORT}:3306"
    environment:
      MYSQL_ROOT_PASSWORD: testpass
      MYSQL_USER: testuser
      MYSQL_PASSWORD: testpass
    volumes:
      - mysqlData:/var/lib/mysql
    cap_drop:
      - MKNOD
`,
  );
  fs.writeFileSync(
    path.join(b.dir, 'db.env'),
    `# The vendor's db.env, pointing at the database host.
WA_DB_ENGINE=MYSQL
WA_DB_HOSTNAME=${b.db.address}
WA_DB_PORT=${DB_PORT}
WA_DB_USERNAME=root
WA_DB_PASSWORD=testpass
WA_DB_CONNECTION_IDLE_TIMEOUT=180000
# The web's API key (Authorization: Apikey …) for health checks (wa-api.md §1.4).
WA_API_KEY=${b.apiKey}
`,
  );
  for (const h of b.hosts) {
    fs.writeFileSync(
      path.join(b.dir, `${h.name}.env`),
      `# ${h.name}: the name other hosts reach it by, and the release to run.\nEXTERNAL_HOSTNAME=${h.address}\nWA_API_VERSION=${b.version}\n# The project the bench runs (docker-compose -p ${PROJECT}), so tools reading these files find its containers.\nCOMPOSE_PROJECT_NAME=${PROJECT}\n`,
    );
  }
  // The database host names no env file: Compose reads the folder's .env there.
  fs.writeFileSync(
    path.join(b.dir, '.env'),
    `# The project the bench runs on the database host.\nCOMPOSE_PROJECT_NAME=${PROJECT}\n`,
  );
  const rel = (p: string): string => path.relative(b.dir, p);
  const endpoint = (h: BenchHost): string[] => {
    const lines = [`    docker: ${h.endpoint}`];
    if (h.access === 'ssh') {
      lines.push(
        '    ssh:',
        `      identityFile: ${b.ssh.identityFile}`,
        `      knownHostsFile: ${b.ssh.knownHostsFile}`,
      );
    }
    if (h.access === 'tcp+tls') {
      lines.push('    tls:', `      ca: ${b.tls.ca}`, `      cert: ${b.tls.cert}`, `      key: ${b.tls.key}`);
    }
    return lines;
  };
  const inventory = [
    '# wa-cluster inventory: one cluster across several Docker hosts (written by `npm run emulator -- up --hosts N`).',
    `# Emulator bench ${names(b.slot).prefix}: engines in network namespaces on ${b.subnet}; not WhatsApp.`,
    'web:',
    `  url: ${b.webUrl}`,
    `  certificateFingerprint: ${webFingerprint}`,
    'database:',
    `  host: ${b.db.address}`,
    `  port: ${DB_PORT}`,
    'hosts:',
    '  db:',
    ...endpoint(b.db),
    '    compose:',
    `      - ${DB_COMPOSE}`,
    ...b.hosts.flatMap((h) => [
      `  ${h.name}:`,
      ...endpoint(h),
      '    compose:',
      `      - ${PROD_COMPOSE}`,
      `      - ${IMAGE_OVERRIDE}`,
      '    env:',
      `      - ${rel(path.join(b.dir, `${h.name}.env`))}`,
    ]),
    '',
  ].join('\n');
  const inventoryPath = path.join(b.dir, INVENTORY_FILE);
  fs.writeFileSync(inventoryPath, inventory);
  return inventoryPath;
}

function webFingerprint(): string {
  const pem = fs.readFileSync(path.join(cacheDir, 'tls', 'server.pem'), 'utf8');
  return new crypto.X509Certificate(pem).fingerprint256;
}

/**
 * Brings the bench up: network, engines (+ sshd, TLS), images, the DB host's compose, every host's
 * vendor compose; waits until the web of host 1 lists every master and coreapp. Tears everything
 * down again when any step fails.
 */
export async function startHosts(o: BenchOptions): Promise<Bench> {
  const slot = o.slot ?? 0;
  checkSlot(slot);
  const count = o.hosts ?? 3;
  if (count < 1 || count > 8) {
    throw new Error(`--hosts must be 1–8, got ${count}`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the multi-host bench creates network namespaces and runs dockerd: run it as root (sudo npm run emulator -- up --hosts N)',
    );
  }
  const log = o.log ?? (() => undefined);
  const n = names(slot);
  const { db, hosts } = layout({ slot, hosts: count });
  const version = o.version ?? OLD_VERSION;
  try {
    await buildImages({ log });
    log(
      `network: namespaces ${[n.switchNs, db.netns, ...hosts.map((h) => h.netns)].join(', ')} on ${n.subnet}.0/24 (bridge ${n.bridge})`,
    );
    await createNetwork(slot, [db, ...hosts]);
    fs.mkdirSync(n.runDir, { recursive: true });
    const tlsHost = hosts.find((h) => h.access === 'tcp+tls');
    const sshHost = hosts.find((h) => h.access === 'ssh');
    const tls = await makeTls(path.join(n.runDir, 'tls'), tlsHost?.address ?? `${n.subnet}.13`);
    await Promise.all([db, ...hosts].map((h) => startDockerd(h, engineListeners(h, tls))));
    log(`engines up: ${[db, ...hosts].map((h) => `${h.name} ${h.endpoint}`).join(', ')}`);
    const ssh = sshHost
      ? await startSshd(sshHost, path.join(n.runDir, 'ssh'))
      : { identityFile: '', knownHostsFile: '' };
    const t0 = Date.now();
    await loadImages(db, [DB_IMAGE_MYSQL]);
    for (const h of hosts) {
      await loadImages(
        h,
        VERSIONS.flatMap((v) => [coreappImage(v), webImage(v)]),
      );
    }
    log(`images loaded into ${hosts.length + 1} engines in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const first = hosts[0];
    if (!first) {
      throw new Error('no cluster host');
    }
    const partial = {
      slot,
      subnet: `${n.subnet}.0/24`,
      runDir: n.runDir,
      dir: path.resolve(o.dir),
      version,
      db,
      hosts,
      webUrl: `https://${first.address}:${WEB_PORT}`,
      apiKey: DEFAULT_API_KEY,
      ssh,
      tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
    };
    const inventoryPath = writeWorkspace(partial, webFingerprint());
    const bench: Bench = { ...partial, inventoryPath };
    await hostCompose(bench, db, ['up', '-d']);
    for (const h of hosts) {
      await hostCompose(bench, h, ['up', '-d']);
    }
    fs.writeFileSync(path.join(n.runDir, 'bench.json'), JSON.stringify(bench, null, 2));
    return bench;
  } catch (e) {
    await stopHosts({ slot, hosts: count, volumes: true }).catch(() => undefined);
    throw e;
  }
}

/** The bench recorded by `startHosts` for a slot, if it is up. */
export function runningBench(slot = 0): Bench | undefined {
  const f = path.join(names(slot).runDir, 'bench.json');
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as Bench) : undefined;
}

/** Stops one process by its pid file (TERM, then KILL after 15 s). */
async function stopByPidFile(file: string): Promise<void> {
  const pid = readPidFile(file);
  if (pid === undefined || !processAlive(pid)) {
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (processAlive(pid) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (processAlive(pid)) {
    process.kill(pid, 'SIGKILL');
  }
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The cgroup folders of an engine's --cgroup-parent, in every hierarchy (v1 controllers or v2). */
function cgroupDirs(parent: string): string[] {
  let controllers: string[];
  try {
    controllers = fs.readdirSync(CGROUP_ROOT);
  } catch {
    return [];
  }
  return [CGROUP_ROOT, ...controllers.map((c) => path.join(CGROUP_ROOT, c))]
    .map((d) => path.join(d, parent))
    .filter((d) => fs.existsSync(d));
}

/** Removes an (empty of processes) cgroup folder, children first: cgroupfs removes a group with rmdir. */
function removeCgroup(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      removeCgroup(path.join(dir, e.name));
    }
  }
  try {
    fs.rmdirSync(dir);
  } catch {
    // already gone (cpu and cpuacct can be one hierarchy) or still busy: benchLeftovers reports it
  }
}

/**
 * Tears the bench down: containers (and with `volumes` their data), sshd, engines, namespaces,
 * bridge and the root veth; with `volumes` also the run folder (engine data, keys, certificates).
 * Addresses only the names of this slot; safe to call when nothing is up.
 */
export async function stopHosts(o: {
  slot?: number;
  hosts?: number;
  volumes?: boolean;
  log?: (l: string) => void;
}): Promise<void> {
  const slot = o.slot ?? 0;
  checkSlot(slot);
  const n = names(slot);
  const log = o.log ?? (() => undefined);
  const recorded = runningBench(slot);
  const { db, hosts } = recorded ?? layout({ slot, hosts: o.hosts ?? 8 });
  const all = [db, ...hosts];
  for (const h of all) {
    if (fs.existsSync(h.socketPath) && readPidFile(path.join(h.dir, 'docker.pid')) !== undefined) {
      // Containers first, so their data goes with `down -v` and no shim outlives its engine.
      const ids = (await exec('docker', ['-H', `unix://${h.socketPath}`, 'ps', '-aq'], { timeoutMs: 10_000 })).stdout
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0) {
        await exec('docker', ['-H', `unix://${h.socketPath}`, 'rm', '-f', ...(o.volumes ? ['-v'] : []), ...ids], {
          timeoutMs: 60_000,
        });
      }
      if (o.volumes) {
        await exec('docker', ['-H', `unix://${h.socketPath}`, 'volume', 'prune', '-f'], { timeoutMs: 30_000 });
      }
    }
  }
  await stopByPidFile(path.join(n.runDir, 'ssh', 'sshd.pid'));
  await Promise.all(all.map((h) => stopByPidFile(path.join(h.dir, 'docker.pid'))));
  for (const h of all) {
    cgroupDirs(h.netns).forEach(removeCgroup);
  }
  const existing = await netnsList();
  for (const ns of [...all.map((h) => h.netns), n.switchNs]) {
    if (existing.includes(ns)) {
      await sh('ip', ['netns', 'del', ns], { check: false });
    }
  }
  // Deleting the switch namespace removes the root veth's peer and with it the root veth.
  await sh('ip', ['link', 'del', n.rootLink], { check: false });
  fs.rmSync(path.join(n.runDir, 'bench.json'), { force: true });
  if (o.volumes) {
    // Engine data holds overlay mounts only while the engine runs; it is stopped, so rm is safe.
    fs.rmSync(n.runDir, { recursive: true, force: true });
    if (fs.existsSync(RUN_ROOT) && fs.readdirSync(RUN_ROOT).length === 0) {
      fs.rmdirSync(RUN_ROOT);
    }
  }
  log(`bench ${n.prefix} down${o.volumes ? ' (data removed)' : ' (data kept)'}`);
}

/** What of a slot's bench is still on the machine (namespaces, links, engine processes, data, cgroups): [] when nothing. */
export async function benchLeftovers(slot = 0): Promise<string[]> {
  checkSlot(slot);
  const n = names(slot);
  const out: string[] = [];
  for (const ns of await netnsList()) {
    if (ns.startsWith(`${n.prefix}-`)) {
      out.push(`namespace ${ns}`);
    }
  }
  const links = await sh('ip', ['-o', 'link', 'show']);
  for (const l of links.split('\n')) {
    const name = l.split(':')[1]?.trim().split('@')[0];
    if (name?.startsWith(`${n.prefix}-`)) {
      out.push(`link ${name}`);
    }
  }
  const ps = await sh('ps', ['-eo', 'pid=,args=']);
  for (const l of ps.split('\n')) {
    if (l.includes(n.runDir)) {
      out.push(`process ${l.trim()}`);
    }
  }
  if (fs.existsSync(n.runDir)) {
    out.push(`folder ${n.runDir}`);
  }
  for (const name of ['db', ...Array.from({ length: 8 }, (_, k) => `host${k + 1}`)]) {
    out.push(...cgroupDirs(`${n.prefix}-${name}`).map((d) => `cgroup ${d}`));
  }
  return out;
}
