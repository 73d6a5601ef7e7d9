import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_API_URL, WaApiClient, type ApiAuth } from './api/client';
import { ApiError } from './api/errors';
import { parseHealthText } from './api/health';
import { type TlsTrust, probeCertificate } from './api/tls';
import { createNodeTransport } from './api/transport';
import { discoverClusters } from './cluster/discovery';
import { snapshotToJson, snapshotToText } from './cluster/json';
import { ClusterMonitor } from './cluster/monitor';
import { buildSnapshot } from './cluster/snapshot';
import { type ClusterSnapshot } from './cluster/types';
import { nodeFileReader } from './compose/nodeReader';
import { DockerodeClient } from './docker/client';
import { ComposeLabels, type ContainerSummary } from './docker/types';

export const statusUsage =
  'status [--project-dir D] [-f file…] [-p name] [--url U] [--user U] [--password-env VAR] [--new-password-env VAR] [--apikey-env VAR] [--ca-file F | --pin SHA256 | --trust-on-first-use] [--format text|json] [--watch [--interval ms]] [--health-file F]   print the live cluster (exit 1 when a finding is an error)';

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
  caFile: string | undefined;
  pin: string | undefined;
  tofu: boolean;
  format: 'text' | 'json';
  watch: boolean;
  intervalMs: number;
  healthFile: string | undefined;
  noDocker: boolean;
}

/** Compose files in the project folder (any `*compose*.yml`), for discovery. */
function composeCandidates(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => /compose.*\.ya?ml$/i.test(n)).map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

export function parseStatusArgs(args: readonly string[]): StatusArgs | string {
  const out: StatusArgs = { projectDir: process.cwd(), files: [], projectName: undefined, envFile: undefined, url: undefined, user: 'admin', passwordEnv: 'WA_PASSWORD', newPasswordEnv: undefined, apikeyEnv: 'WA_API_KEY', caFile: undefined, pin: undefined, tofu: false, format: 'text', watch: false, intervalMs: 5000, healthFile: undefined, noDocker: false };
  const valued = new Set(['--project-dir', '-f', '--file', '-p', '--project-name', '--env-file', '--url', '--user', '--password-env', '--new-password-env', '--apikey-env', '--ca-file', '--pin', '--format', '--interval', '--health-file']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    let value: string | undefined;
    if (valued.has(flag)) {
      value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined) {
        return `${flag} needs a value`;
      }
    }
    switch (flag) {
      case '--project-dir': out.projectDir = path.resolve(value!); break;
      case '-f': case '--file': out.files.push(value!); break;
      case '-p': case '--project-name': out.projectName = value; break;
      case '--env-file': out.envFile = value; break;
      case '--url': out.url = value; break;
      case '--user': out.user = value!; break;
      case '--password-env': out.passwordEnv = value!; break;
      case '--new-password-env': out.newPasswordEnv = value!; break;
      case '--apikey-env': out.apikeyEnv = value!; break;
      case '--ca-file': out.caFile = value; break;
      case '--pin': out.pin = value; break;
      case '--trust-on-first-use': out.tofu = true; break;
      case '--health-file': out.healthFile = value; break;
      case '--watch': out.watch = true; break;
      case '--no-docker': out.noDocker = true; break;
      case '--interval': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 250) {
          return '--interval must be a number of milliseconds ≥ 250';
        }
        out.intervalMs = n;
        break;
      }
      case '--format':
        if (value !== 'text' && value !== 'json') {
          return `--format must be text or json, not "${value}"`;
        }
        out.format = value;
        break;
      case '--help': case '-h': return '';
      default: return `unknown option ${a}`;
    }
  }
  return out;
}

function print(s: ClusterSnapshot, format: 'text' | 'json', compact = false): void {
  process.stdout.write(format === 'json' ? `${JSON.stringify(snapshotToJson(s), null, compact ? undefined : 2)}\n` : `${snapshotToText(s)}\n`);
}

const exitCodeFor = (s: ClusterSnapshot): number => (s.cluster.findings.some((f) => f.severity === 'error') ? 1 : 0);

/** `status`: prints the live cluster (or explains a saved health file). Returns the exit code. */
export async function runStatus(args: string[]): Promise<number> {
  const parsed = parseStatusArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `${parsed}\n` : ''}usage: wa-cluster ${statusUsage}\n`);
    return parsed ? 2 : 0;
  }
  const a = parsed;

  if (a.healthFile) {
    let text: string;
    try {
      text = fs.readFileSync(a.healthFile, 'utf8');
    } catch (e) {
      process.stderr.write(`cannot read ${a.healthFile}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
    const r = parseHealthText(text);
    if (!r.ok) {
      process.stderr.write(`${a.healthFile}: ${r.error.message}\n`);
      return 2;
    }
    const s = buildSnapshot({ now: Date.now(), project: undefined, health: r.value, engine: { reachable: false, endpoint: undefined, problem: undefined } });
    print(s, a.format);
    return exitCodeFor(s);
  }

  // --- compose project (src/cluster/discovery: declared services, project name, API URL) ------
  const configured = a.files.map((f) => path.resolve(a.projectDir, f));
  const candidates = configured.length ? [] : composeCandidates(a.projectDir);
  const clusters = discoverClusters({ candidates, configuredFiles: configured, reader: nodeFileReader, env: process.env, ...(a.projectName ? { projectName: a.projectName } : {}) });

  // --- Docker --------------------------------------------------------------------------------
  let docker: DockerodeClient | undefined;
  if (!a.noDocker) {
    const d = DockerodeClient.create();
    if (d.ok) {
      docker = d.value;
    } else {
      process.stderr.write(`Docker: ${d.error.message}\n`);
    }
  }
  let all: ContainerSummary[] = [];
  if (docker) {
    try {
      all = await docker.listContainers(undefined, AbortSignal.timeout(10_000));
    } catch {
      // the monitor reports the engine problem
    }
  }
  // Prefer the cluster whose containers were started from this folder with these files
  // (Compose v1 and v2 normalise folder names differently, so the labels are the truth).
  const started = all.filter((c) => c.labels[ComposeLabels.workingDir] === a.projectDir);
  const cluster =
    clusters.find((c) => started.some((s) => c.files.some((f) => (s.labels[ComposeLabels.configFiles] ?? '').split(',').some((x) => path.resolve(a.projectDir, x.trim()) === f)))) ?? clusters[0];
  const projectName = a.projectName ?? started.find((c) => !cluster || c.project === cluster.projectName)?.project ?? started[0]?.project ?? cluster?.projectName ?? path.basename(a.projectDir).toLowerCase().replace(/[^a-z0-9_-]/g, '');
  const declared = cluster?.declared;
  const web = all.find((c) => c.project === projectName && c.state === 'running' && c.ports.some((p) => p.containerPort === 443 && p.hostPort));
  const webPort = web?.ports.find((p) => p.containerPort === 443 && p.hostPort)?.hostPort;

  // --- API -----------------------------------------------------------------------------------
  const url = a.url ?? (webPort ? `https://127.0.0.1:${webPort}` : (cluster?.inferredApiUrl ?? DEFAULT_API_URL));
  const password = process.env[a.passwordEnv];
  const apikey = process.env[a.apikeyEnv];
  const newPassword = a.newPasswordEnv ? process.env[a.newPasswordEnv] : undefined;
  if (a.newPasswordEnv && !newPassword) {
    process.stderr.write(`--new-password-env: $${a.newPasswordEnv} is not set\n`);
  }
  const auth: ApiAuth | undefined = password ? { kind: 'basic', user: a.user, password, ...(newPassword ? { newPassword } : {}) } : apikey ? { kind: 'apikey', key: apikey } : undefined;
  let trust: TlsTrust = { kind: 'system' };
  if (a.caFile) {
    trust = { kind: 'caFile', caPem: fs.readFileSync(path.resolve(a.caFile), 'utf8') };
  } else if (a.pin) {
    trust = { kind: 'pinned', fingerprint256: a.pin };
  } else if (a.tofu && url.startsWith('https:')) {
    try {
      const u = new URL(url);
      const probed = await probeCertificate(u.hostname, Number(u.port || 443), { timeoutMs: 5000 });
      trust = { kind: 'pinned', fingerprint256: probed.fingerprint256, certPem: probed.pem };
      process.stderr.write(`trusting ${u.host} on first use: SHA-256 ${probed.fingerprint256} (pass --pin ${probed.fingerprint256.replace(/:/g, '')} next time)\n`);
    } catch (e) {
      process.stderr.write(`cannot read the certificate of ${url}: ${e instanceof ApiError ? e.message : String(e)}\n`);
    }
  }
  if (!auth) {
    process.stderr.write(`API: no credentials (set $${a.passwordEnv} or $${a.apikeyEnv}); showing Docker only\n`);
  }
  const client = auth ? new WaApiClient({ baseUrl: url, transport: createNodeTransport(trust), auth }) : undefined;

  const monitor = new ClusterMonitor({
    project: projectName,
    docker,
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
      process.stderr.write(`API: this is the first login, which must set a new password: put it in a variable and pass --new-password-env VAR (then use it as $${a.passwordEnv})\n`);
    }
  };

  if (!a.watch) {
    const s = await monitor.refresh();
    monitor.dispose();
    hintFirstLogin(s);
    print(s, a.format);
    return exitCodeFor(s);
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
      const messages = [...diff.events.filter((e) => e.kind !== 'findingAdded' && e.kind !== 'findingResolved').map((e) => e.message), ...diff.nodeChanges.filter((c) => c.kind !== 'healthChanged').map((c) => c.message)];
      process.stdout.write(`\n── ${time} ${messages.length ? messages.join('; ') : ''}\n`);
      print(snapshot, 'text');
    });
    const stop = (): void => {
      sub.dispose();
      monitor.dispose();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(last ? exitCodeFor(last) : 0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
