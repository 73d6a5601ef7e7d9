import fs from 'node:fs';
import path from 'node:path';
import { type HealthReport } from '../api/health';
import { type ComposeCommand, type RunOptions, type RunResult } from '../docker/compose';
import { type DockerEndpoint } from '../docker/endpoint';
import { forEachLogLine } from '../docker/demux';
import { type DockerPort } from '../docker/port';
import { type ContainerSummary, type EngineInfo } from '../docker/types';
import { AbortedError, isAbortError, throwIfAborted } from '../util/abort';
import { Redactor, secretValuesFromEnv, secretValuesFromText } from '../util/redact';
import { mapLimit } from '../util/mapLimit';
import { TailFileWriter, rewriteLines } from '../util/tailFile';
import { type InventoryHost } from '../inventory/inventory';
import { type HostEngine } from './hostEngines';

/**
 * The diagnostics bundle: what a support engineer needs, in the spirit of the setup guide's
 * `docker-compose logs > debug_output.txt` and WADebug's `wadebug_logs.zip` (wa-api.md §6):
 * every node's logs for a window, `docker inspect` and the compose config with secrets masked,
 * the `/v1/health` (parsed and as answered) and `/v1/support` JSON, the versions, and a
 * README.txt index. Logs stream to disk (memory stays flat for any log size); the folder is
 * zipped and then removed, so only the zip is left. A part that cannot be collected is listed as
 * failed in the README; it never aborts the bundle. Only cancellation does (and then nothing is
 * left behind).
 *
 * With an inventory (one cluster over several Docker hosts) each host's containers are collected
 * from that host's own engine into `hosts/<host>/` (logs, inspect, and `engine.json`: version,
 * endpoint kind, reachability); a host whose engine cannot be reached gets its folder with an
 * ERROR.txt and the other hosts are collected as usual. The cluster-level parts (API, compose
 * config, versions, container list) stay at the top.
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

/** One inventory host's engine, for its folder of the bundle. */
export interface DiagnosticsHost {
  readonly name: string;
  /** The host's own engine; undefined when its endpoint is unusable (`problem` says why). */
  readonly docker: DockerPort | undefined;
  readonly problem?: string | undefined;
  /** The Compose project its containers carry. */
  readonly project: string | undefined;
  /** How the engine is reached (`ssh`, `tcp+tls`, `unix (context b)`): never a credential or a key. */
  readonly endpointKind: string;
}

/** How a host's engine is reached, for the bundle: its kind, TLS, the context's name; never a credential or a key. */
export function endpointKind(host: InventoryHost, endpoint: DockerEndpoint | undefined): string {
  const url = host.docker.kind === 'url' ? host.docker : undefined;
  const kind = endpoint
    ? endpoint.kind === 'tcp' && endpoint.modemOptions.protocol === 'https'
      ? 'tcp+tls'
      : endpoint.kind
    : url
      ? `${/^([a-z]+):/i.exec(url.url)?.[1] ?? 'unknown'}${url.tls ? '+tls' : ''}`
      : 'unknown';
  return host.docker.kind === 'context' ? `${kind} (context ${host.docker.name})` : kind;
}

/**
 * The inventory's hosts for the bundle, each with its own engine (the monitor's, see
 * src/cluster/hostEngines.ts); undefined without an inventory (one engine, the bundle as always).
 */
export function diagnosticsHosts(engines: readonly HostEngine[] | undefined): DiagnosticsHost[] | undefined {
  return engines?.map((e) => ({
    name: e.name,
    docker: e.docker,
    problem: e.problem?.message,
    project: e.projectName,
    endpointKind: endpointKind(e.host, e.endpoint),
  }));
}

/** Where the containers are: one engine (the bundle as it always was), or every host of an inventory. */
type DiagnosticsEngines =
  | {
      readonly docker: DockerPort;
      /** The containers to cover; default: every container of the project (stopped ones too). */
      readonly containers?: readonly ContainerSummary[] | undefined;
      readonly hosts?: undefined;
    }
  | {
      /** Every host gets `hosts/<name>/`; no other engine is asked. */
      readonly hosts: readonly DiagnosticsHost[];
      readonly docker?: undefined;
      readonly containers?: undefined;
    };

export type DiagnosticsInput = DiagnosticsEngines & {
  readonly project: string | undefined;
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
};

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
/** Log streams read at once: the engine reads each container's log file on its own core. */
const LOG_STREAMS_AT_ONCE = 4;

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

/** One engine's share of the bundle: the bundle's root without an inventory, `hosts/<name>/` per host with one. */
interface EngineScope {
  /** Where its files go inside the bundle: '' or `hosts/<name>/`. */
  readonly prefix: string;
  readonly host: DiagnosticsHost | undefined;
  readonly docker: DockerPort | undefined;
  readonly project: string | undefined;
  engine: EngineInfo | undefined;
  /** Why nothing could be collected from this host (its engine did not answer, or cannot be reached at all). */
  unreachable: string | undefined;
  containers: ContainerSummary[];
  stems: Map<string, string>;
}

/** The folder of a host inside the bundle. */
export function hostFolder(host: string): string {
  return `hosts/${safeFileName(host)}/`;
}

function engineScopes(input: DiagnosticsInput): EngineScope[] {
  const scope = (prefix: string, host: DiagnosticsHost | undefined, docker: DockerPort | undefined): EngineScope => ({
    prefix,
    host,
    docker,
    project: host ? host.project : input.project,
    engine: undefined,
    unreachable: undefined,
    containers: [],
    stems: new Map(),
  });
  return input.hosts
    ? input.hosts.map((h) => scope(hostFolder(h.name), h, h.docker))
    : [scope('', undefined, input.docker)];
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
  /** Runs one step; its failure is returned instead of thrown, except for cancellation. */
  const attempt = async <T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> => {
    throwIfAborted(signal);
    try {
      const value = await fn();
      throwIfAborted(signal);
      return { ok: true, value };
    } catch (e) {
      if (signal?.aborted || isAbortError(e)) {
        throw new AbortedError();
      }
      return { ok: false, error: errorText(e) };
    }
  };
  /** Runs one part; records failure instead of throwing, except for cancellation. */
  const part = async <T>(file: string, description: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const r = await attempt(fn);
    if (!r.ok) {
      parts.push({ name: file, description, status: 'failed', detail: r.error });
      return undefined;
    }
    return r.value;
  };
  /**
   * The engine and its containers. A host whose engine does not answer is not asked again (each
   * question would wait for the same timeout); the one engine without an inventory is, as always.
   */
  const reach = async (s: EngineScope): Promise<BundlePart[]> => {
    const failed: BundlePart[] = [];
    const docker = s.docker;
    if (!docker) {
      s.unreachable = s.host?.problem ?? 'its Docker endpoint cannot be used';
    } else {
      const pinged = await attempt(() => docker.ping(signal));
      if (pinged.ok) {
        s.engine = pinged.value;
      } else if (s.host) {
        s.unreachable = pinged.error;
      } else {
        failed.push({
          name: '(docker version)',
          description: 'Docker engine version',
          status: 'failed',
          detail: pinged.error,
        });
      }
    }
    if (s.host && s.unreachable !== undefined) {
      failed.push({
        name: s.prefix,
        description: `Host ${s.host.name}: its containers' logs and inspect output (see ${s.prefix}ERROR.txt)`,
        status: 'failed',
        detail: s.unreachable,
      });
    } else if (input.containers) {
      s.containers = [...input.containers];
    } else if (docker) {
      const listed = await attempt(() => docker.listContainers(s.project, signal));
      if (listed.ok) {
        s.containers = listed.value;
      } else {
        failed.push({
          name: `${s.prefix}(container list)`,
          description: s.host ? `The containers of host ${s.host.name}` : "The project's containers",
          status: 'failed',
          detail: listed.error,
        });
      }
    }
    return failed;
  };
  const labelOf = (s: EngineScope, c: ContainerSummary): string =>
    `${s.host ? `${s.host.name}/` : ''}${c.service ?? c.name}`;

  try {
    // 1. Engines and containers: the one engine, or every host's own at once.
    progress(input.hosts ? 'Docker engines' : 'Docker engine', 0);
    const scopes = engineScopes(input);
    for (const failed of await Promise.all(scopes.map(reach))) {
      parts.push(...failed);
    }
    for (const s of scopes) {
      s.containers.sort(
        (a, b) =>
          (a.service ?? a.name).localeCompare(b.service ?? b.name, 'en', { numeric: true }) ||
          a.name.localeCompare(b.name),
      );
      s.stems = logFileStems(s.containers);
    }
    const all = scopes.flatMap((s) => s.containers.map((c) => ({ s, c })));
    const steps = 3 + all.length * 2;
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

    // 3. docker inspect of every container, on its own engine (raw when possible, so we learn the secret values).
    const inspected = new Map<string, unknown>();
    for (const { s, c } of all) {
      progress(`Inspect ${labelOf(s, c)}`, step++ / steps);
      const stem = s.stems.get(c.id)!;
      const docker = s.docker!;
      const v = await part(`${s.prefix}inspect/${stem}.json`, `\`docker inspect\` of ${c.name}`, () =>
        docker.inspectRaw(c.id, signal),
      );
      if (v !== undefined) {
        inspected.set(`${s.prefix}${c.id}`, v);
        const env = envOf(v);
        if (Array.isArray(env)) {
          for (const x of secretValuesFromEnv(env.filter((e): e is string => typeof e === 'string'))) {
            secrets.add(x);
          }
        } else if (env && typeof env === 'object') {
          for (const x of secretValuesFromEnv(env as Record<string, string>)) {
            secrets.add(x);
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
    for (const s of scopes) {
      if (s.host) {
        writeHostEngine(write, parts, s, redact);
      }
      for (const c of s.containers) {
        const v = inspected.get(`${s.prefix}${c.id}`);
        if (v !== undefined) {
          const file = `${s.prefix}inspect/${s.stems.get(c.id)!}.json`;
          write(file, JSON.stringify(redact.json(v), null, 2));
          parts.push({ name: file, description: `\`docker inspect\` of ${c.name}, secrets masked`, status: 'ok' });
        }
      }
    }

    // 4. Logs, a few nodes at once as `docker compose logs` reads them (the engine reading its log
    // files is what takes the time); each goes straight to its file, so memory stays at one chunk per stream.
    const since = input.sinceMs !== undefined ? Math.floor(input.sinceMs / 1000) : undefined;
    const cap = input.maxLogBytesPerNode ?? DEFAULT_MAX_LOG_BYTES;
    const logParts = await mapLimit(all, LOG_STREAMS_AT_ONCE, async ({ s, c }): Promise<BundlePart | undefined> => {
      progress(`Logs of ${labelOf(s, c)}`, step++ / steps);
      const file = `${s.prefix}logs/${s.stems.get(c.id)!}.log`;
      fs.mkdirSync(path.join(folder, s.prefix, 'logs'), { recursive: true });
      const out = new TailFileWriter(path.join(folder, file), cap);
      const docker = s.docker!;
      const r = await part(file, `Logs of ${c.name}`, async () => {
        await docker.logText(
          c.id,
          {
            follow: false,
            timestamps: true,
            tail: 'all',
            ...(since !== undefined ? { since } : {}),
            ...(signal ? { signal } : {}),
          },
          (stream, text) => {
            // Most blocks have nothing to mask and are stdout: copied as Docker sent them.
            if (stream === 'stdout' && !text.includes('\r') && !redact.mayMask(text)) {
              out.writeLines(text);
              return;
            }
            forEachLogLine(stream, text, true, (l) =>
              out.write(
                `${l.timestamp ? `${l.timestamp} ` : ''}${l.stream === 'stderr' ? '[stderr] ' : ''}${redact.text(l.text)}`,
              ),
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
      return r
        ? {
            name: file,
            description: `Logs of ${c.name} (${c.image}, ${c.state})`,
            status: 'ok',
            detail: `${out.lines} lines${out.dropped ? `, ${out.dropped} earlier lines dropped` : ''}`,
          }
        : undefined;
    });
    const okLogs = logParts.filter((p): p is BundlePart => p !== undefined);
    parts.push(...okLogs);
    const logsOk = okLogs.length;

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
    const engineVersion = (e: EngineInfo | undefined) =>
      e ? { version: e.version, apiVersion: e.apiVersion, os: e.os } : null;
    const versions = {
      extension: input.extensionVersion,
      docker: input.hosts
        ? Object.fromEntries(scopes.map((s) => [s.host!.name, engineVersion(s.engine)]))
        : engineVersion(scopes[0]!.engine),
      compose: input.compose?.command
        ? {
            command: [input.compose.command.command, ...input.compose.command.baseArgs].join(' '),
            flavor: input.compose.command.flavor,
            version: input.compose.command.version ?? null,
          }
        : null,
      cluster: healthVersion ?? input.clusterVersion ?? null,
      images: Object.fromEntries(all.map(({ s, c }) => [labelOf(s, c), c.image])),
    };
    write('versions.json', JSON.stringify(versions, null, 2));
    parts.push({
      name: 'versions.json',
      description: input.hosts
        ? "Versions: extension, each host's Docker engine, Compose, cluster (`meta.version`), images"
        : 'Versions: extension, Docker engine, Compose, cluster (`meta.version`), images',
      status: 'ok',
    });
    write('containers.txt', redact.text(containerTable(scopes)));
    parts.push({
      name: 'containers.txt',
      description: input.hosts
        ? "The project's containers on every host: host, service, name, id, image, state, status"
        : "The project's containers: service, name, id, image, state, status",
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
        scopes,
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
      // Loaded with the first zip, not with the extension (fflate builds its tables on load).
      const { zipFolder } = await import('../util/zip.js');
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

/** The containers of every engine; with an inventory, a HOST column first. */
function containerTable(scopes: readonly EngineScope[]): string {
  const hosts = scopes.some((s) => s.host);
  const rows = [
    [...(hosts ? ['HOST'] : []), 'SERVICE', 'NAME', 'ID', 'IMAGE', 'STATE', 'STATUS'],
    ...scopes.flatMap((s) =>
      s.containers.map((c) => [
        ...(hosts ? [s.host?.name ?? '-'] : []),
        c.service ?? '-',
        c.name,
        c.id.slice(0, 12),
        c.image,
        c.state,
        c.status,
      ]),
    ),
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

/**
 * A host's `engine.json` (version, how it is reached, whether it answered) and, when it did not,
 * its ERROR.txt: the folder is there either way, so nobody wonders whether the host was forgotten.
 */
function writeHostEngine(
  write: (rel: string, text: string) => void,
  parts: BundlePart[],
  s: EngineScope,
  redact: Redactor,
): void {
  const host = s.host!;
  const error = s.unreachable !== undefined ? redact.text(s.unreachable) : null;
  write(
    `${s.prefix}engine.json`,
    JSON.stringify(
      {
        host: host.name,
        endpoint: host.endpointKind,
        reachable: s.engine !== undefined,
        version: s.engine?.version ?? null,
        apiVersion: s.engine?.apiVersion ?? null,
        os: s.engine?.os ?? null,
        error,
      },
      null,
      2,
    ),
  );
  parts.push({
    name: `${s.prefix}engine.json`,
    description: `Host ${host.name}'s Docker engine: version, how it is reached (${host.endpointKind}), whether it answered`,
    status: 'ok',
  });
  if (error !== null) {
    write(
      `${s.prefix}ERROR.txt`,
      [
        `The Docker engine of host ${host.name} (${host.endpointKind}) could not be reached, so this folder has`,
        "none of its containers' logs or inspect output:",
        '',
        `  ${error}`,
        '',
        "The other hosts' folders were collected as usual. Check that the host's engine runs and that",
        'the inventory reaches it (its docker: endpoint and key files), then collect again.',
      ].join('\n'),
    );
  }
}

function readmeText(o: {
  name: string;
  input: DiagnosticsInput;
  startedAt: number;
  scopes: readonly EngineScope[];
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
  const version = (e: EngineInfo): string => `${e.version} (API ${e.apiVersion}, ${e.os})`;
  const engines = input.hosts
    ? [
        "Docker engines: one folder per host, hosts/<host>/ (its containers' logs and inspect, engine.json)",
        ...o.scopes.map(
          (s) =>
            `  ${s.host!.name.padEnd(14)} ${s.engine ? version(s.engine) : 'NOT REACHABLE'}, ${s.host!.endpointKind}${s.engine ? '' : `: see ${s.prefix}ERROR.txt`}`,
        ),
      ]
    : [
        `Docker engine:  ${o.scopes[0]!.engine ? version(o.scopes[0]!.engine) : 'not reachable'} at ${o.scopes[0]!.docker?.endpoint ?? ''}`,
      ];
  const containers = o.scopes.reduce((n, s) => n + s.containers.length, 0);
  const lines = [
    `WA Cluster diagnostics bundle: ${o.name}`,
    ''.padEnd(Math.min(80, o.name.length + 32), '='),
    '',
    `Created:        ${new Date(o.startedAt).toISOString()} by the WA Cluster extension ${input.extensionVersion}`,
    `Compose project: ${input.project ?? '(all Compose projects)'}`,
    ...engines,
    `Log window:     ${window}`,
    `Containers:     ${containers}${input.hosts ? ` on ${o.scopes.length} hosts` : ''} (logs collected for ${o.logsOk})`,
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
