import fs from 'node:fs';
import path from 'node:path';
import { type HealthReport } from '../api/health';
import { type ComposeCommand, type RunOptions, type RunResult } from '../docker/compose';
import { type DockerPort } from '../docker/port';
import { type ContainerSummary, type EngineInfo } from '../docker/types';
import { AbortedError, isAbortError, throwIfAborted } from '../util/abort';
import { Redactor, secretValuesFromEnv, secretValuesFromText } from '../util/redact';
import { TailFileWriter, rewriteLines } from '../util/tailFile';
import { zipFolder } from '../util/zip';

/**
 * The diagnostics bundle: what a support engineer needs, in the spirit of the setup guide's
 * `docker-compose logs > debug_output.txt` and WADebug's `wadebug_logs.zip` (wa-api.md §6):
 * every node's logs for a window, `docker inspect` and the compose config with secrets masked,
 * the `/v1/health` (parsed and as answered) and `/v1/support` JSON, the versions, and a
 * README.txt index. Logs stream to disk (memory stays flat for any log size); the folder is
 * zipped and then removed, so only the zip is left. A part that cannot be collected is listed as
 * failed in the README; it never aborts the bundle. Only cancellation does (and then nothing is
 * left behind).
 */

/** The API calls the bundle makes (WaApiClient fits). */
export interface DiagnosticsApi {
  /** `GET /v1/health`: parsed, and the decoded JSON as the server sent it. */
  healthAnswer(opts?: { signal?: AbortSignal }): Promise<{ report: HealthReport; raw: unknown }>;
  support(opts?: { signal?: AbortSignal }): Promise<Record<string, unknown>>;
}

/** The Compose runner part the bundle uses (ComposeRunner fits). */
export interface DiagnosticsCompose {
  readonly command?: Pick<ComposeCommand, 'command' | 'baseArgs' | 'version' | 'flavor'>;
  config(opts?: RunOptions): Promise<RunResult>;
}

export interface DiagnosticsInput {
  readonly docker: DockerPort;
  readonly project: string | undefined;
  /** The containers to cover; default: every container of the project (stopped ones too). */
  readonly containers?: readonly ContainerSummary[] | undefined;
  /** Signed-in API client; without it the health/support parts are listed as skipped. */
  readonly api?: DiagnosticsApi | undefined;
  readonly compose?: DiagnosticsCompose | undefined;
  /** Start of the log window (ms since the epoch); undefined = all logs. */
  readonly sinceMs: number | undefined;
  /** Human description of the window for the README ("last 3 hours"). */
  readonly windowLabel?: string;
  /** Parent folder; the bundle is `<outDir>/<name>.zip` (the folder `<outDir>/<name>/` only while it is written). */
  readonly outDir: string;
  readonly extensionVersion: string;
  /** `meta.version` from the latest snapshot, used when the API cannot be asked. */
  readonly clusterVersion?: string | undefined;
  /** More values to mask wherever they appear (API password, tokens the caller knows). */
  readonly knownSecrets?: readonly string[];
  /** Per-node cap on the log kept on disk, newest kept (bytes, at least half of it kept); default 256 MiB. */
  readonly maxLogBytesPerNode?: number;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  /** Progress in human terms, with the fraction done (0..1). */
  readonly onProgress?: (message: string, fraction: number) => void;
}

export interface BundlePart {
  /** Path inside the bundle, or a label for parts that produce no file. */
  readonly name: string;
  readonly description: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped, or a note (e.g. lines dropped). */
  readonly detail?: string | undefined;
}

export interface BundleResult {
  readonly name: string;
  /** The unzipped folder: left only when the zip could not be written. */
  readonly folder: string | undefined;
  readonly zipPath: string | undefined;
  /** README.txt as written into the bundle. */
  readonly readme: string;
  readonly parts: readonly BundlePart[];
  readonly failed: number;
}

const DEFAULT_MAX_LOG_BYTES = 256 * 1024 * 1024;

/** `wa-diagnostics-<project>-20250102-030405` (UTC). */
export function bundleName(project: string | undefined, now: number): string {
  const d = new Date(now)
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  const p = (project ?? 'cluster').replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `wa-diagnostics-${p}-${d}`;
}

function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_') || 'container';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** File stem per container: the service name, or the container name when a service has several. */
export function logFileStems(containers: readonly ContainerSummary[]): Map<string, string> {
  const byService = new Map<string, number>();
  for (const c of containers) {
    const s = c.service ?? c.name;
    byService.set(s, (byService.get(s) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const c of containers) {
    const s = c.service ?? c.name;
    let stem = safeFileName((byService.get(s) ?? 0) > 1 ? c.name : s);
    while (used.has(stem)) {
      stem = `${stem}_${c.id.slice(0, 6)}`;
    }
    used.add(stem);
    out.set(c.id, stem);
  }
  return out;
}

/**
 * Writes the bundle folder and its zip. A part that cannot be collected is listed as failed in the
 * README; rejects when cancelled (AbortError) or when the folder cannot be written (Error), and
 * then cleans up.
 */
export async function collectDiagnosticsBundle(input: DiagnosticsInput): Promise<BundleResult> {
  const now = input.now ?? Date.now;
  const startedAt = now();
  const signal = input.signal;
  const name = bundleName(input.project, startedAt);
  const folder = path.join(input.outDir, name);
  const zipPath = `${folder}.zip`;
  const parts: BundlePart[] = [];
  const progress = (msg: string, f: number): void => input.onProgress?.(msg, Math.max(0, Math.min(1, f)));

  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw unwritable(input.outDir, e);
  }
  const write = (rel: string, text: string): void => {
    const p = path.join(folder, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, text.endsWith('\n') || text === '' ? text : `${text}\n`);
  };
  /** Runs one part; records failure instead of throwing, except for cancellation. */
  const part = async <T>(file: string, description: string, fn: () => Promise<T>): Promise<T | undefined> => {
    throwIfAborted(signal);
    try {
      const v = await fn();
      throwIfAborted(signal);
      return v;
    } catch (e) {
      if (signal?.aborted || isAbortError(e)) {
        throw new AbortedError();
      }
      parts.push({ name: file, description, status: 'failed', detail: errorText(e) });
      return undefined;
    }
  };

  try {
    // 1. Engine and containers.
    progress('Docker engine', 0);
    const engine = await part('(docker version)', 'Docker engine version', () => input.docker.ping(signal));
    const containers = input.containers
      ? [...input.containers]
      : ((await part('(container list)', "The project's containers", () =>
          input.docker.listContainers(input.project, signal),
        )) ?? []);
    containers.sort(
      (a, b) =>
        (a.service ?? a.name).localeCompare(b.service ?? b.name, 'en', { numeric: true }) ||
        a.name.localeCompare(b.name),
    );
    const stems = logFileStems(containers);
    const steps = 3 + containers.length * 2;
    let step = 1;

    // 2. Compose config first: its secret values are then masked everywhere else too.
    const secrets = new Set<string>(input.knownSecrets ?? []);
    progress('Compose configuration', step++ / steps);
    let composeConfig: string | undefined;
    if (input.compose) {
      const r = await part(
        'compose-config.yml',
        '`docker-compose config`: the merged, interpolated compose model',
        () => input.compose!.config(signal ? { signal, timeoutMs: 60_000 } : { timeoutMs: 60_000 }),
      );
      composeConfig = r?.stdout;
      for (const s of secretValuesFromText(composeConfig ?? '')) {
        secrets.add(s);
      }
    } else {
      parts.push({
        name: 'compose-config.yml',
        description: 'The merged compose model',
        status: 'skipped',
        detail: 'no Compose command or compose files known for this project',
      });
    }

    // 3. docker inspect of every container (raw when possible, so we learn the secret values).
    const inspected = new Map<string, unknown>();
    for (const c of containers) {
      progress(`Inspect ${c.service ?? c.name}`, step++ / steps);
      const stem = stems.get(c.id)!;
      const v = await part(`inspect/${stem}.json`, `\`docker inspect\` of ${c.name}`, () =>
        input.docker.inspectRaw(c.id, signal),
      );
      if (v !== undefined) {
        inspected.set(c.id, v);
        const env = envOf(v);
        if (Array.isArray(env)) {
          for (const s of secretValuesFromEnv(env.filter((x): x is string => typeof x === 'string'))) {
            secrets.add(s);
          }
        } else if (env && typeof env === 'object') {
          for (const s of secretValuesFromEnv(env as Record<string, string>)) {
            secrets.add(s);
          }
        }
      }
    }
    const redact = new Redactor(secrets);
    if (composeConfig !== undefined) {
      write('compose-config.yml', redact.text(composeConfig));
      parts.push({
        name: 'compose-config.yml',
        description: '`docker-compose config`: the merged, interpolated compose model, secrets masked',
        status: 'ok',
      });
    }
    for (const c of containers) {
      const v = inspected.get(c.id);
      if (v !== undefined) {
        const stem = stems.get(c.id)!;
        write(`inspect/${stem}.json`, JSON.stringify(redact.json(v), null, 2));
        parts.push({
          name: `inspect/${stem}.json`,
          description: `\`docker inspect\` of ${c.name}, secrets masked`,
          status: 'ok',
        });
      }
    }

    // 4. Logs, one node at a time (memory stays bounded by one node's cap).
    const since = input.sinceMs !== undefined ? Math.floor(input.sinceMs / 1000) : undefined;
    const cap = input.maxLogBytesPerNode ?? DEFAULT_MAX_LOG_BYTES;
    let logsOk = 0;
    for (const c of containers) {
      const label = c.service ?? c.name;
      progress(`Logs of ${label}`, step++ / steps);
      const stem = stems.get(c.id)!;
      const file = `logs/${stem}.log`;
      fs.mkdirSync(path.join(folder, 'logs'), { recursive: true });
      const out = new TailFileWriter(path.join(folder, file), cap);
      const r = await part(file, `Logs of ${c.name}`, async () => {
        await input.docker.logs(
          c.id,
          {
            follow: false,
            timestamps: true,
            tail: 'all',
            ...(since !== undefined ? { since } : {}),
            ...(signal ? { signal } : {}),
          },
          (l) => {
            out.write(
              `${l.timestamp ? `${l.timestamp} ` : ''}${l.stream === 'stderr' ? '[stderr] ' : ''}${redact.text(l.text)}`,
            );
          },
        );
        return true;
      });
      // Keep what arrived even when the stream failed half way.
      if (r || out.lines > 0) {
        out.finish((dropped) =>
          dropped > 0 ? `# ${dropped} earlier lines dropped (over ${cap} bytes for this node)\n` : undefined,
        );
      } else {
        out.discard();
      }
      if (r) {
        logsOk++;
        parts.push({
          name: file,
          description: `Logs of ${c.name} (${c.image}, ${c.state})`,
          status: 'ok',
          detail: `${out.lines} lines${out.dropped ? `, ${out.dropped} earlier lines dropped` : ''}`,
        });
      }
    }

    // 5. API: health and support JSON.
    progress('API health and support', step++ / steps);
    let healthVersion: string | undefined;
    if (input.api) {
      const h = await part('api/health.json', '`GET /v1/health`', () =>
        input.api!.healthAnswer(signal ? { signal } : {}),
      );
      if (h) {
        healthVersion = h.report.version;
        write('api/health.json', JSON.stringify(redact.json(healthByNode(h.report)), null, 2));
        write('api/health-answer.json', JSON.stringify(redact.json(h.raw), null, 2));
        parts.push(
          {
            name: 'api/health.json',
            description: '`GET /v1/health`, parsed: role and gateway status per node key (host name:container id)',
            status: 'ok',
          },
          {
            name: 'api/health-answer.json',
            description: '`GET /v1/health` as the web answered it',
            status: 'ok',
          },
        );
      }
      const s = await part('api/support.json', '`GET /v1/support`', () => input.api!.support(signal ? { signal } : {}));
      if (s) {
        write('api/support.json', JSON.stringify(redact.json(s), null, 2));
        parts.push({
          name: 'api/support.json',
          description: '`GET /v1/support`: the support information of the web',
          status: 'ok',
        });
      }
    } else {
      for (const n of ['api/health.json', 'api/support.json']) {
        parts.push({
          name: n,
          description: n.includes('health') ? '`GET /v1/health`' : '`GET /v1/support`',
          status: 'skipped',
          detail: 'not signed in to the API',
        });
      }
    }

    // 6. Versions and container list.
    const versions = {
      extension: input.extensionVersion,
      docker: engine ? { version: engine.version, apiVersion: engine.apiVersion, os: engine.os } : null,
      compose: input.compose?.command
        ? {
            command: [input.compose.command.command, ...input.compose.command.baseArgs].join(' '),
            flavor: input.compose.command.flavor,
            version: input.compose.command.version ?? null,
          }
        : null,
      cluster: healthVersion ?? input.clusterVersion ?? null,
      images: Object.fromEntries(containers.map((c) => [c.service ?? c.name, c.image])),
    };
    write('versions.json', JSON.stringify(versions, null, 2));
    parts.push({
      name: 'versions.json',
      description: 'Versions: extension, Docker engine, Compose, cluster (`meta.version`), images',
      status: 'ok',
    });
    write('containers.txt', redact.text(containerTable(containers)));
    parts.push({
      name: 'containers.txt',
      description: "The project's containers: service, name, id, image, state, status",
      status: 'ok',
    });

    // 7. Credentials first seen in one file (after `Bearer`, `password=`…) are masked in all files.
    throwIfAborted(signal);
    if (redact.learned.size > 0) {
      progress('Masking secrets', (steps - 1) / steps);
      const again = new Redactor(redact.learned);
      for (const e of fs.readdirSync(folder, { withFileTypes: true, recursive: true })) {
        if (e.isFile()) {
          rewriteLines(path.join(e.parentPath, e.name), (line) => again.text(line));
        }
      }
    }

    // 8. README and zip.
    throwIfAborted(signal);
    // Written again when the zip fails, so the folder's README says so.
    let readme = '';
    const writeReadme = (): void => {
      readme = `${readmeText({
        name,
        input,
        startedAt,
        engine,
        containers,
        parts,
        logsOk,
        masked: redact.knownCount + redact.learned.size,
        redact,
      })}\n`;
      write('README.txt', readme);
    };
    writeReadme();
    progress('Zip', (steps - 1) / steps);
    let zipOk: string | undefined = zipPath;
    try {
      await zipFolder(folder, zipPath, name, signal);
    } catch (e) {
      if (signal?.aborted || isAbortError(e)) {
        throw e;
      }
      zipOk = undefined;
      parts.push({
        name: path.basename(zipPath),
        description: 'The zip of this folder',
        status: 'failed',
        detail: errorText(e),
      });
      writeReadme();
    }
    if (zipOk) {
      // The zip holds everything; a copy next to it would only be one more thing to clean up.
      fs.rmSync(folder, { recursive: true, force: true });
    }
    progress('Done', 1);
    return {
      name,
      folder: zipOk ? undefined : folder,
      zipPath: zipOk,
      readme,
      parts,
      failed: parts.filter((p) => p.status === 'failed').length,
    };
  } catch (e) {
    // Cancelled, or the folder could not be written: leave nothing half-written behind.
    fs.rmSync(folder, { recursive: true, force: true });
    fs.rmSync(zipPath, { force: true });
    if (isAbortError(e)) {
      throw e;
    }
    throw unwritable(input.outDir, e);
  }
}

/** The folder could not be written: a failure with the reason (shown with "Show Extension Log"), never a silent cancel. */
function unwritable(outDir: string, e: unknown): Error {
  return new Error(`The diagnostics bundle could not be written to ${outDir}: ${errorText(e)}`, { cause: e });
}

/**
 * The parsed health keyed by the node key `COREAPP_HOSTNAME:container id` as the API names it
 * (host names and container ids are no secrets; a field called `key` would read as one).
 */
function healthByNode(h: HealthReport): unknown {
  return {
    mode: h.mode,
    version: h.version ?? null,
    nodes: Object.fromEntries(h.entries.map(({ key, ...rest }) => [key, rest])),
  };
}

/** `Config.Env` of raw inspect JSON, or `env` of the typed view. */
function envOf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) {
    return undefined;
  }
  const o = v as { Config?: { Env?: unknown }; env?: unknown };
  return o.Config?.Env ?? o.env;
}

function containerTable(containers: readonly ContainerSummary[]): string {
  const rows = [
    ['SERVICE', 'NAME', 'ID', 'IMAGE', 'STATE', 'STATUS'],
    ...containers.map((c) => [c.service ?? '-', c.name, c.id.slice(0, 12), c.image, c.state, c.status]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function readmeText(o: {
  name: string;
  input: DiagnosticsInput;
  startedAt: number;
  engine: EngineInfo | undefined;
  containers: readonly ContainerSummary[];
  parts: readonly BundlePart[];
  logsOk: number;
  masked: number;
  redact: Redactor;
}): string {
  const { input } = o;
  const window =
    input.sinceMs !== undefined
      ? `${input.windowLabel ?? 'since'} (from ${new Date(input.sinceMs).toISOString()} to ${new Date(o.startedAt).toISOString()})`
      : 'all logs';
  // Error messages may quote a command line or a URL: they are masked like the files.
  const parts = o.parts.map((p) => (p.detail ? { ...p, detail: o.redact.text(p.detail) } : p));
  const ok = parts.filter((p) => p.status === 'ok');
  const bad = parts.filter((p) => p.status !== 'ok');
  const lines = [
    `WA Cluster diagnostics bundle: ${o.name}`,
    ''.padEnd(Math.min(80, o.name.length + 32), '='),
    '',
    `Created:        ${new Date(o.startedAt).toISOString()} by the WA Cluster extension ${input.extensionVersion}`,
    `Compose project: ${input.project ?? '(all Compose projects)'}`,
    `Docker engine:  ${o.engine ? `${o.engine.version} (API ${o.engine.apiVersion}, ${o.engine.os})` : 'not reachable'} at ${input.docker.endpoint}`,
    `Log window:     ${window}`,
    `Containers:     ${o.containers.length} (logs collected for ${o.logsOk})`,
    '',
    'Secrets: environment variables whose names look secret (PASSWORD, PASS, SECRET, TOKEN, KEY,',
    'CREDENTIAL, …), Authorization credentials (Bearer/Basic/Apikey) and every known secret value',
    `(${o.masked} found in the compose config, the containers' environment and the logs) are replaced by ***`,
    'in every file. Review the files before you send them anyway.',
    '',
    'Contents',
    '--------',
    ...ok.map((p) => `  ${p.name.padEnd(28)} ${p.description}${p.detail ? ` (${p.detail})` : ''}`),
    '  README.txt                   This index',
    '',
  ];
  if (bad.length) {
    lines.push(
      'Not collected',
      '-------------',
      ...bad.map(
        (p) =>
          `  ${p.name.padEnd(28)} ${p.status === 'failed' ? 'FAILED' : 'skipped'}: ${p.description}${p.detail ? `: ${p.detail}` : ''}`,
      ),
      '',
    );
  } else {
    lines.push('Everything was collected.', '');
  }
  lines.push(
    "The equivalent by hand: docker-compose logs > debug_output.txt (setup guide), or WADebug's",
    '`wadebug logs`, which collects the same kinds of files into wadebug_logs.zip.',
  );
  return lines.join('\n');
}
