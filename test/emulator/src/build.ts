// Builds the emulator images on the host, offline:
//  1. esbuild bundles src/container/main.ts into one node script (shebang /usr/local/bin/node);
//  2. a TLS CA + server certificate are generated once with the openssl CLI (baked into web images);
//  3. the base image is `docker import`ed from a rootfs holding the host's node binary and the shared
//     libraries `ldd` lists (about 100 MB, one layer shared by every emulator image);
//  4. each image is a thin `docker build` (classic builder) on that base, from test/emulator/Dockerfile.
// Every step is cached by content hash, so a warm rebuild takes a second or two.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type * as esbuildTypes from 'esbuild';
import { withMachineLock } from '../../support/machineLock';
import { repoRoot } from '../../support/paths';

const execFileP = promisify(execFile);

/** The "old" and "new" releases (odd minors are releases per WADebug, wa-api.md §4). */
export const OLD_VERSION = '2.51.1';
export const NEW_VERSION = '2.53.2';
export const VERSIONS = [OLD_VERSION, NEW_VERSION] as const;
export const DB_IMAGE_MYSQL = 'wa-emulator/db:mysql-8.0.33';
export const DB_IMAGE_POSTGRES = 'wa-emulator/db:postgres-13.8';
export const coreappImage = (version: string): string => `wa-emulator/coreapp:v${version}`;
export const webImage = (version: string): string => `wa-emulator/web:v${version}`;

export const cacheDir = path.join(repoRoot, '.cache', 'emulator');
const ctxDir = path.join(cacheDir, 'ctx');
const tlsDir = path.join(cacheDir, 'tls');
const rootfsDir = path.join(cacheDir, 'rootfs');
const emulatorDir = path.join(repoRoot, 'test', 'emulator');

export interface BuildResult {
  built: string[];
  cached: string[];
  ms: number;
}

export interface BuildOptions {
  log?: (line: string) => void;
  /** Rebuild every image even when its content hash matches. */
  force?: boolean;
  /** Base image; default: imported from the local node binary. Use e.g. node:20-bookworm-slim with a registry. */
  base?: string;
}

async function run(
  cmd: string,
  args: string[],
  opts: { input?: Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code ?? '?'}: ${err || out}`)),
    );
    child.stdin.end(opts.input);
  });
}

async function imageLabel(tag: string, label: string): Promise<string | null> {
  try {
    const out = await execFileP('docker', ['image', 'inspect', '-f', `{{ index .Config.Labels "${label}" }}`, tag]);
    return out.stdout.trim();
  } catch {
    return null;
  }
}

/** Path of the CA certificate the web images' server certificate chains to (trust it with `ca:`). */
export const caCertPath = path.join(tlsDir, 'ca.pem');

export function caPem(): string {
  return fs.readFileSync(caCertPath, 'utf8');
}

async function ensureTls(log: (l: string) => void): Promise<void> {
  if (fs.existsSync(path.join(tlsDir, 'server.pem')) && fs.existsSync(caCertPath)) {
    return;
  }
  log('generating the emulator TLS CA and server certificate with openssl');
  fs.mkdirSync(tlsDir, { recursive: true });
  const o = (args: string[]): Promise<string> => run('openssl', args, { cwd: tlsDir });
  await o([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=wa-emulator test CA (not for production)',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await o([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server-key.pem',
    '-out',
    'server.csr',
    '-subj',
    '/CN=waweb',
  ]);
  fs.writeFileSync(
    path.join(tlsDir, 'ext.cnf'),
    'subjectAltName=DNS:localhost,DNS:waweb,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  await o([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '3650',
    '-extfile',
    'ext.cnf',
  ]);
}

async function bundle(): Promise<string> {
  // esbuild is a devDependency; loaded lazily so the harness can be imported without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof esbuildTypes;
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(emulatorDir, 'src', 'container', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    banner: { js: '#!/usr/local/bin/node' },
    logLevel: 'warning',
  });
  const file = result.outputFiles[0];
  if (!file) {
    throw new Error('esbuild produced no output');
  }
  return file.text;
}

/** Imports (once per node binary) the base image: the host's node + its shared libraries. */
async function ensureBase(log: (l: string) => void): Promise<string> {
  // The running node, unless we run inside another runtime (Electron): then the node on PATH.
  const onPath = (process.env.PATH ?? '')
    .split(':')
    .map((d) => path.join(d, 'node'))
    .find((p) => fs.existsSync(p));
  const nodeBin = fs.realpathSync(
    path.basename(process.execPath) === 'node' ? process.execPath : (onPath ?? '/usr/bin/node'),
  );
  const ldd = await run('ldd', [nodeBin]);
  const libs = [...ldd.matchAll(/(\/[^\s]+) \(0x/g)].map((m) => m[1] ?? '').filter(Boolean);
  const h = crypto.createHash('sha256');
  for (const f of [nodeBin, ...libs]) {
    const st = fs.statSync(f);
    h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  const tag = `wa-emulator/base:${h.digest('hex').slice(0, 12)}`;
  if ((await imageLabel(tag, 'wa-emulator')) === 'true') {
    return tag;
  }
  log(`importing base image ${tag} from ${nodeBin} and ${libs.length} shared libraries`);
  fs.rmSync(rootfsDir, { recursive: true, force: true });
  const put = (src: string, dest: string): void => {
    const target = path.join(rootfsDir, dest);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fs.realpathSync(src), target);
    fs.chmodSync(target, 0o755);
  };
  put(nodeBin, 'usr/local/bin/node');
  for (const lib of libs) {
    put(lib, lib.slice(1));
  }
  for (const dir of [
    'tmp',
    'etc',
    'var/lib/mysql',
    'var/lib/postgresql/data',
    'usr/local/wamedia',
    'usr/local/waent/logs',
  ]) {
    fs.mkdirSync(path.join(rootfsDir, dir), { recursive: true });
  }
  fs.chmodSync(path.join(rootfsDir, 'tmp'), 0o1777);
  fs.writeFileSync(path.join(rootfsDir, 'etc/passwd'), 'root:x:0:0:root:/root:/usr/sbin/nologin\n');
  fs.writeFileSync(path.join(rootfsDir, 'etc/group'), 'root:x:0:\n');
  fs.writeFileSync(path.join(rootfsDir, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  const tar = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('tar', ['-C', rootfsDir, '--owner=0', '--group=0', '-cf', '-', '.']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar exited ${code ?? '?'}`)),
    );
  });
  await run(
    'docker',
    [
      'import',
      '--change',
      'LABEL wa-emulator=true',
      '--change',
      'LABEL org.opencontainers.image.description="wa-emulator base: node runtime only (EMULATOR, not WhatsApp)"',
      '--change',
      'ENV PATH=/usr/local/bin:/usr/bin:/bin',
      '-',
      tag,
    ],
    { input: tar },
  );
  fs.rmSync(rootfsDir, { recursive: true, force: true });
  return tag;
}

interface ImageSpec {
  tag: string;
  target: string;
  kind: string;
  version: string;
}

export function imageSpecs(): ImageSpec[] {
  return [
    { tag: DB_IMAGE_MYSQL, target: 'db-mysql', kind: 'db', version: '8.0.33' },
    { tag: DB_IMAGE_POSTGRES, target: 'db-postgres', kind: 'db', version: '13.8' },
    ...VERSIONS.flatMap((v) => [
      { tag: coreappImage(v), target: 'coreapp', kind: 'coreapp', version: v },
      { tag: webImage(v), target: 'web', kind: 'web', version: v },
    ]),
  ];
}

/** Prepares the docker build context (.cache/emulator/ctx) and returns its content hash. */
export async function prepareContext(log: (l: string) => void = () => undefined): Promise<string> {
  await ensureTls(log);
  const js = await bundle();
  fs.rmSync(ctxDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(ctxDir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(ctxDir, 'certs'), { recursive: true });
  for (const name of ['wait_on_mysql.sh', 'wait_on_postgres.sh', 'launch_within_docker.sh']) {
    fs.writeFileSync(path.join(ctxDir, 'bin', name), js, { mode: 0o755 });
  }
  for (const name of ['ca.pem', 'server.pem', 'server-key.pem']) {
    fs.copyFileSync(path.join(tlsDir, name), path.join(ctxDir, 'certs', name));
  }
  const dockerfile = fs.readFileSync(path.join(emulatorDir, 'Dockerfile'), 'utf8');
  fs.writeFileSync(path.join(ctxDir, 'Dockerfile'), dockerfile);
  const h = crypto.createHash('sha256').update(js).update(dockerfile);
  for (const name of ['ca.pem', 'server.pem', 'server-key.pem']) {
    h.update(fs.readFileSync(path.join(tlsDir, name)));
  }
  return h.digest('hex');
}

/** Builds every emulator image that is missing or out of date. */
export async function buildImages(opts: BuildOptions = {}): Promise<BuildResult> {
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  return withMachineLock(
    path.join(cacheDir, 'build.lock'),
    { timeoutMs: 300_000, what: 'building the emulator images' },
    async () => {
      const base = opts.base ?? (await ensureBase(log));
      const ctxHash = await prepareContext(log);
      const built: string[] = [];
      const cached: string[] = [];
      for (const spec of imageSpecs()) {
        const hash = crypto
          .createHash('sha256')
          .update(`${ctxHash}|${base}|${spec.target}|${spec.version}`)
          .digest('hex')
          .slice(0, 16);
        if (!opts.force && (await imageLabel(spec.tag, 'wa-emulator.content-hash')) === hash) {
          cached.push(spec.tag);
          continue;
        }
        log(`building ${spec.tag}`);
        await run(
          'docker',
          [
            'build',
            '-q',
            '--target',
            spec.target,
            '--build-arg',
            `BASE=${base}`,
            '--build-arg',
            `KIND=${spec.kind}`,
            '--build-arg',
            `VERSION=${spec.version}`,
            '--build-arg',
            `CONTENT_HASH=${hash}`,
            '-t',
            spec.tag,
            ctxDir,
          ],
          { env: { ...process.env, DOCKER_BUILDKIT: '0' } },
        );
        built.push(spec.tag);
      }
      return { built, cached, ms: Date.now() - t0 };
    },
  );
}
