import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_API_URL, WaApiClient, isPlainHttp, plainHttpAllowedFor, type ApiAuth } from './api/client';
import { ApiError } from './api/errors';
import { parseHealthText } from './api/health';
import { type TlsTrust, normalizeFingerprint, probeCertificate } from './api/tls';
import { MAX_RESPONSE_BYTES, createNodeTransport } from './api/transport';
import { discoverClusters } from './cluster/discovery';
import { snapshotToJson, snapshotToText } from './cluster/json';
import { ClusterMonitor } from './cluster/monitor';
import { buildSnapshot } from './cluster/snapshot';
import { type ClusterSnapshot } from './cluster/types';
import { nodeFileReader } from './compose/nodeReader';
import { DockerodeClient } from './docker/client';
import { ComposeLabels, type ContainerSummary } from './docker/types';
import { type ParseArgsOptionsConfig, parseCommandLine, regularFileProblem } from './cliArgs';
import { StatusExit, statusExitCode } from './cluster/exitCode';
import { forTerminal } from './util/terminal';
import { inventoryStatusSource } from './cliStatusInventory';
import { signalWithTimeout } from './util/abort';

export const statusUsage =
  'status [--project-dir D] [-f file…] [-p name] [--env-file F] [--url U] [--user U] [--password-env VAR] [--new-password-env VAR] [--apikey-env VAR] [--ca-file F | --pin SHA256 | --trust-on-first-use] [--allow-plain-http URL] [--format text|json] [--watch [--interval ms]] [--health-file F] [--no-docker] [--inventory FILE]   print the live cluster; exit 0 healthy, 1 degraded or down, 2 usage, 3 cannot tell';

interface StatusArgs {
  projectDir: string;
  files: string[];
  projectName: string | undefined;
  envFile: string | undefined;
  url: string | undefined;
  user: string;
  passwordEnv: string;
  /** Names the variable holding the new password the first login must set (error 1024). */
  newPasswordEnv: string | undefined;
  apikeyEnv: string;
  trust:
    { kind: 'system' } | { kind: 'caFile'; path: string } | { kind: 'pin'; fingerprint256: string } | { kind: 'tofu' };
  /** The one plain-http URL the user accepts sending credentials to in clear text. */
  allowPlainHttp: string | undefined;
  format: 'text' | 'json';
  watch: boolean;
  intervalMs: number;
  healthFile: string | undefined;
  noDocker: boolean;
  /** A cluster inventory: every host's engine instead of the local one (see cluster/hostEngines.ts). */
  inventory: string | undefined;
}

/** Compose files in the project folder (any `*compose*.yml`), for discovery. */
function composeCandidates(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => /compose.*\.ya?ml$/i.test(n))
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

const statusOptions = {
  'project-dir': { type: 'string' },
  file: { type: 'string', short: 'f', multiple: true },
  'project-name': { type: 'string', short: 'p' },
  'env-file': { type: 'string' },
  url: { type: 'string' },
  user: { type: 'string' },
  'password-env': { type: 'string' },
  'new-password-env': { type: 'string' },
  'apikey-env': { type: 'string' },
  'ca-file': { type: 'string' },
  pin: { type: 'string' },
  'trust-on-first-use': { type: 'boolean' },
  'allow-plain-http': { type: 'string' },
  format: { type: 'string' },
  watch: { type: 'boolean' },
  interval: { type: 'string' },
  'health-file': { type: 'string' },
  'no-docker': { type: 'boolean' },
  inventory: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

/**
 * Parses and checks `status` arguments (node:util parseArgs, strict). Returns the arguments, or
 * the usage problem as a string ('' for --help). Files named by options must be regular files.
 */
export function parseStatusArgs(args: readonly string[], cwd = process.cwd()): StatusArgs | string {
  const parsed = parseCommandLine(args, statusOptions, false);
  if (typeof parsed === 'string') {
    return parsed;
  }
  const v = parsed.values;
  if (v.help) {
    return '';
  }
  const trustFlags = [
    v['ca-file'] !== undefined && '--ca-file',
    v.pin !== undefined && '--pin',
    v['trust-on-first-use'] && '--trust-on-first-use',
  ].filter(Boolean);
  if (trustFlags.length > 1) {
    return `${trustFlags.join(' and ')} exclude each other: trust a CA file, a pinned fingerprint, or the first certificate seen`;
  }
  let trust: StatusArgs['trust'] = { kind: 'system' };
  if (v['ca-file'] !== undefined) {
    const problem = regularFileProblem(path.resolve(cwd, v['ca-file']));
    if (problem) {
      return `--ca-file ${v['ca-file']}: ${problem}`;
    }
    trust = { kind: 'caFile', path: path.resolve(cwd, v['ca-file']) };
  } else if (v.pin !== undefined) {
    const fingerprint256 = normalizeFingerprint(v.pin);
    if (!isSha256Fingerprint(v.pin) || fingerprint256.length !== 95) {
      return `--pin must be a SHA-256 fingerprint (64 hex digits, colons optional), not "${v.pin}"`;
    }
    trust = { kind: 'pin', fingerprint256 };
  } else if (v['trust-on-first-use']) {
    trust = { kind: 'tofu' };
  }
  for (const [flag, file] of [
    ['--env-file', v['env-file']],
    ['--health-file', v['health-file']],
    ['--inventory', v.inventory],
  ] as const) {
    const problem = file === undefined ? undefined : regularFileProblem(path.resolve(cwd, file));
    if (problem) {
      return `${flag} ${file}: ${problem}`;
    }
  }
  if (v.url !== undefined && !(URL.canParse(v.url) && /^https?:$/.test(new URL(v.url).protocol))) {
    return `--url must be an http(s) URL such as https://127.0.0.1:9090, not "${v.url}"`;
  }
  if (v['allow-plain-http'] !== undefined && !isPlainHttp(v['allow-plain-http'])) {
    return `--allow-plain-http takes the http:// URL you accept sending credentials to in clear text, not "${v['allow-plain-http']}"`;
  }
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    return `--format must be text or json, not "${format}"`;
  }
  const intervalMs = Number(v.interval ?? 5000);
  if (!Number.isFinite(intervalMs) || intervalMs < 250) {
    return '--interval must be a number of milliseconds ≥ 250';
  }
  return {
    projectDir: path.resolve(cwd, v['project-dir'] ?? '.'),
    files: v.file ?? [],
    projectName: v['project-name'],
    envFile: v['env-file'] !== undefined ? path.resolve(cwd, v['env-file']) : undefined,
    url: v.url,
    user: v.user ?? 'admin',
    passwordEnv: v['password-env'] ?? 'WA_PASSWORD',
    newPasswordEnv: v['new-password-env'],
    apikeyEnv: v['apikey-env'] ?? 'WA_API_KEY',
    trust,
    allowPlainHttp: v['allow-plain-http'],
    format,
    watch: v.watch ?? false,
    intervalMs,
    healthFile: v['health-file'] !== undefined ? path.resolve(cwd, v['health-file']) : undefined,
    noDocker: v['no-docker'] ?? false,
    inventory: v.inventory !== undefined ? path.resolve(cwd, v.inventory) : undefined,
  };
}

function isSha256Fingerprint(text: string): boolean {
  return /^(sha256[:/=]?)?([0-9a-f]{2}:?){31}[0-9a-f]{2}$/i.test(text.trim());
}

function print(s: ClusterSnapshot, format: 'text' | 'json', compact = false): void {
  process.stdout.write(
    format === 'json'
      ? `${JSON.stringify(snapshotToJson(s), null, compact ? undefined : 2)}\n`
      : `${snapshotToText(s)}\n`,
  );
}

/** Writes one diagnostic line to stderr, with outside text made safe for the terminal. */
function warn(line: string): void {
  process.stderr.write(`${forTerminal(line)}\n`);
}

/** `status`: prints the live cluster (or explains a saved health file). Returns the exit code. */
export async function runStatus(args: string[]): Promise<number> {
  const parsed = parseStatusArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `${forTerminal(parsed)}\n` : ''}usage: wa-cluster ${statusUsage}\n`);
    return parsed ? StatusExit.usage : StatusExit.healthy;
  }
  const a = parsed;

  if (a.healthFile) {
    let text: string;
    try {
      if (fs.statSync(a.healthFile).size > MAX_RESPONSE_BYTES) {
        warn(`${a.healthFile}: larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB, which no /v1/health answer is`);
        return StatusExit.usage;
      }
      text = fs.readFileSync(a.healthFile, 'utf8');
    } catch (e) {
      warn(`cannot read ${a.healthFile}: ${e instanceof Error ? e.message : String(e)}`);
      return StatusExit.usage;
    }
    const r = parseHealthText(text);
    if (!r.ok) {
      warn(`${a.healthFile}: ${r.error.message}`);
      return StatusExit.usage;
    }
    const s = buildSnapshot({
      now: Date.now(),
      project: undefined,
      health: r.value,
      engine: { reachable: false, endpoint: undefined, problem: undefined },
    });
    print(s, a.format);
    return statusExitCode(s);
  }

  const inventory = a.inventory ? inventoryStatusSource(a.inventory) : undefined;
  if (typeof inventory === 'string') {
    warn(inventory);
    return StatusExit.usage;
  }

  // --- compose project (src/cluster/discovery: declared services, project name, API URL) ------
  const configured = a.files.map((f) => path.resolve(a.projectDir, f));
  const candidates = configured.length ? [] : composeCandidates(a.projectDir);
  const clusters = discoverClusters({
    candidates,
    configuredFiles: configured,
    reader: nodeFileReader,
    env: process.env,
    ...(a.projectName ? { projectName: a.projectName } : {}),
    ...(a.envFile ? { envFile: a.envFile } : {}),
  });

  // --- Docker --------------------------------------------------------------------------------
  let docker: DockerodeClient | undefined;
  if (!a.noDocker && !inventory) {
    const d = DockerodeClient.create();
    if (d.ok) {
      docker = d.value;
    } else {
      warn(`Docker: ${d.error.message}`);
    }
  }
  let all: ContainerSummary[] = [];
  if (docker) {
    const listing = signalWithTimeout([], 10_000);
    try {
      all = await docker.listContainers(undefined, listing.signal);
    } catch {
      // the monitor reports the engine problem
    } finally {
      listing.dispose();
    }
  }
  // Prefer the cluster whose containers were started from this folder with these files
  // (Compose v1 and v2 normalise folder names differently, so the labels are the truth).
  const started = all.filter((c) => c.labels[ComposeLabels.workingDir] === a.projectDir);
  const cluster =
    clusters.find((c) =>
      started.some((s) =>
        c.files.some((f) =>
          (s.labels[ComposeLabels.configFiles] ?? '')
            .split(',')
            .some((x) => path.resolve(a.projectDir, x.trim()) === f),
        ),
      ),
    ) ?? clusters[0];
  const projectName =
    a.projectName ??
    inventory?.projectName ??
    started.find((c) => !cluster || c.project === cluster.projectName)?.project ??
    started[0]?.project ??
    cluster?.projectName ??
    path
      .basename(a.projectDir)
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '');
  const declared = cluster?.declared;
  const web = all.find(
    (c) =>
      c.project === projectName && c.state === 'running' && c.ports.some((p) => p.containerPort === 443 && p.hostPort),
  );
  const webPort = web?.ports.find((p) => p.containerPort === 443 && p.hostPort)?.hostPort;

  // --- API -----------------------------------------------------------------------------------
  const url =
    a.url ??
    inventory?.inventory.web?.url ??
    (webPort ? `https://127.0.0.1:${webPort}` : (cluster?.inferredApiUrl ?? DEFAULT_API_URL));
  const password = process.env[a.passwordEnv];
  const apikey = process.env[a.apikeyEnv];
  const newPassword = a.newPasswordEnv ? process.env[a.newPasswordEnv] : undefined;
  if (a.newPasswordEnv && !newPassword) {
    warn(`--new-password-env: $${a.newPasswordEnv} is not set`);
  }
  const auth: ApiAuth | undefined = password
    ? { kind: 'basic', user: a.user, password, ...(newPassword ? { newPassword } : {}) }
    : apikey
      ? { kind: 'apikey', key: apikey }
      : undefined;
  // Credentials in clear text only where the user said so, for exactly this URL.
  const allowPlainHttp = a.allowPlainHttp !== undefined && plainHttpAllowedFor(url, [a.allowPlainHttp]);
  if (auth && isPlainHttp(url)) {
    if (!allowPlainHttp) {
      warn(
        `refusing to send the ${auth.kind === 'basic' ? 'password' : 'API key'} to ${url} over plain http://, where anyone on the network can read it. Use the web's https:// port, or, only on a network you trust, accept the risk for this URL with --allow-plain-http ${new URL(url).origin}`,
      );
      return StatusExit.usage;
    }
    warn(
      `WARNING: sending the ${auth.kind === 'basic' ? 'password' : 'API key'} to ${url} in clear text (--allow-plain-http)`,
    );
  } else if (a.allowPlainHttp !== undefined && !allowPlainHttp) {
    warn(`--allow-plain-http ${a.allowPlainHttp} does not name the API URL ${url}: ignored`);
  }
  let trust: TlsTrust = { kind: 'system' };
  // The inventory's own trust for its web (a pinned fingerprint or a CA file), unless a flag says otherwise.
  const inventoryWeb = a.url === undefined && a.trust.kind === 'system' ? inventory?.inventory.web : undefined;
  if (inventoryWeb?.certificateFingerprint) {
    trust = { kind: 'pinned', fingerprint256: normalizeFingerprint(inventoryWeb.certificateFingerprint) };
  } else if (inventoryWeb?.caFile) {
    try {
      trust = { kind: 'caFile', caPem: fs.readFileSync(inventoryWeb.caFile, 'utf8') };
    } catch (e) {
      warn(`web.caFile ${inventoryWeb.caFile}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return StatusExit.usage;
    }
  }
  if (a.trust.kind === 'caFile') {
    try {
      trust = { kind: 'caFile', caPem: fs.readFileSync(a.trust.path, 'utf8') };
    } catch (e) {
      warn(`--ca-file ${a.trust.path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      return StatusExit.usage;
    }
  } else if (a.trust.kind === 'pin') {
    trust = { kind: 'pinned', fingerprint256: a.trust.fingerprint256 };
  } else if (a.trust.kind === 'tofu' && url.startsWith('https:')) {
    try {
      const u = new URL(url);
      const probed = await probeCertificate(u.hostname, Number(u.port || 443), { timeoutMs: 5000 });
      trust = { kind: 'pinned', fingerprint256: probed.fingerprint256, certPem: probed.pem };
      warn(
        `trusting ${u.host} on first use: SHA-256 ${probed.fingerprint256} (pass --pin ${probed.fingerprint256.replace(/:/g, '')} next time)`,
      );
    } catch (e) {
      warn(`cannot read the certificate of ${url}: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  }
  if (!auth) {
    warn(
      `API: no credentials (set $${a.passwordEnv} or $${a.apikeyEnv}); showing Docker only, so the cluster's own health cannot be told (exit ${StatusExit.cannotTell} unless a node is down)`,
    );
  }
  const client = auth
    ? new WaApiClient({ baseUrl: url, transport: createNodeTransport(trust), auth, allowPlainHttp })
    : undefined;

  const monitor = new ClusterMonitor({
    project: projectName,
    docker,
    ...(inventory && !a.noDocker ? { hosts: inventory.engines } : {}),
    health: client ? (signal) => client.health({ signal }) : undefined,
    shards: client && auth?.kind === 'basic' ? (signal) => client.getShards({ signal }) : undefined,
    declared: () => declared,
    pollIntervalMs: a.intervalMs,
  });

  let hinted = false;
  const hintFirstLogin = (s: ClusterSnapshot): void => {
    if (s.api.errorKind === 'passwordChangeRequired' && !hinted) {
      hinted = true;
      // Changing a password is never done behind the user's back: it needs its own flag.
      warn(
        `API: this is the first login, which must set a new password: put it in a variable and pass --new-password-env VAR (then use it as $${a.passwordEnv})`,
      );
    }
  };

  if (!a.watch) {
    const s = await monitor.refresh();
    monitor.dispose();
    hintFirstLogin(s);
    print(s, a.format);
    return statusExitCode(s);
  }

  return new Promise<number>((resolve) => {
    let last: ClusterSnapshot | undefined;
    const sub = monitor.onDidChange(({ snapshot, diff }) => {
      last = snapshot;
      hintFirstLogin(snapshot);
      if (a.format === 'json') {
        print(snapshot, 'json', true);
        return;
      }
      const time = new Date(snapshot.takenAt).toISOString().slice(11, 19);
      const messages = [
        ...diff.events.filter((e) => e.kind !== 'findingAdded' && e.kind !== 'findingResolved').map((e) => e.message),
        ...diff.nodeChanges.filter((c) => c.kind !== 'healthChanged').map((c) => c.message),
      ];
      process.stdout.write(`\n── ${time} ${messages.length ? messages.join('; ') : ''}\n`);
      print(snapshot, 'text');
    });
    const stop = (): void => {
      sub.dispose();
      monitor.dispose();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(last ? statusExitCode(last) : StatusExit.cannotTell);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
