import * as nodePath from 'node:path';
import { isMap } from 'yaml';
import { interpolate } from '../compose/interpolate';
import { loadProject, type Project, type Service } from '../compose/project';
import { type Role } from '../compose/roles';
import { parseCompose } from '../compose/source';
import { type FileReader } from '../compose/types';
import { type DeclaredService, type NodeKind } from './types';

/** A WhatsApp Business API cluster defined by compose files in the workspace. */
export interface DiscoveredCluster {
  /** Stable id: the compose files joined (used for tree ids and per-cluster state). */
  readonly id: string;
  /** The Compose project name its containers carry (`biz`). */
  readonly projectName: string;
  readonly dir: string;
  /** Compose files in `-f` order. */
  readonly files: readonly string[];
  /** The project's `.env` (interpolation), when it exists. */
  readonly envFile: string | undefined;
  readonly declared: readonly DeclaredService[];
  /** `https://127.0.0.1:9090` from the web service's published 443, when it publishes one. */
  readonly inferredApiUrl: string | undefined;
  /** `2.53.2` from `WA_API_VERSION` or the web image tag, after interpolation. */
  readonly version: string | undefined;
}

const roleToKind: Readonly<Record<Role, NodeKind>> = {
  db: 'db',
  web: 'web',
  master: 'master',
  coreapp: 'coreapp',
  dbupgrade: 'other',
  other: 'other',
};

/**
 * Compose's own project-name rule (v2 and the Compose specification): `COMPOSE_PROJECT_NAME`
 * (environment, then `.env`), else the files' top-level `name:` (v2 only; interpolated, the last
 * file wins), else the folder name lower-cased with everything but `a-z0-9_-` removed and leading
 * `-`/`_` dropped (v2 refuses a name that starts with them; v1 1.29 would keep them, and the
 * extension always passes the name with `-p`, so both flavours run the same project).
 */
export function composeProjectName(
  dir: string,
  lookup: (name: string) => string | undefined,
  declaredName?: string,
): string {
  const explicit = lookup('COMPOSE_PROJECT_NAME')?.trim() || declaredName?.trim();
  if (explicit) {
    return explicit;
  }
  return (
    nodePath
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '')
      .replace(/^[-_]+/, '') || 'default'
  );
}

/** The top-level `name:` of a project's files (the last file that sets it), interpolated. */
export function declaredProjectName(project: Project): string | undefined {
  let raw: string | undefined;
  for (const f of project.files) {
    const v: unknown = isMap(f.doc.contents) ? f.doc.contents.get('name') : undefined;
    if (typeof v === 'string' || typeof v === 'number') {
      raw = String(v);
    }
  }
  if (raw === undefined) {
    return undefined;
  }
  const r = interpolate(raw, (n) => project.lookup(n));
  return r.unresolved ? undefined : r.value;
}

/**
 * Whether a path created or deleted in the workspace can change its clusters although no compose
 * file event says so: the file watcher reports a folder copied in or removed as one event for the
 * folder, none for the compose files inside.
 */
export function folderEventConcernsClusters(
  changed: string,
  isFolder: boolean,
  clusterDirs: readonly string[],
): boolean {
  return isFolder || clusterDirs.some((d) => d === changed || d.startsWith(changed + nodePath.sep));
}

/** A compose file that defines cluster nodes (web, master or coreapp), not only a DB-upgrade job. */
function isClusterProject(project: Project): boolean {
  return [...project.services.values()].some((s) => s.role === 'web' || s.role === 'master' || s.role === 'coreapp');
}

export function declaredService(s: Service): DeclaredService {
  const hostname =
    s.role === 'web' ? s.environment.get('WEBAPP_HOSTNAME')?.value : s.environment.get('COREAPP_HOSTNAME')?.value;
  return {
    name: s.name,
    kind: roleToKind[s.role],
    hostname,
    image: s.image?.value,
    ...(s.role === 'dbupgrade' ? { dbUpgrade: true } : {}),
  };
}

function inferApiUrl(project: Project): string | undefined {
  for (const s of project.services.values()) {
    if (s.role !== 'web') {
      continue;
    }
    for (const p of s.ports) {
      if (p.published && !p.unresolved && p.target.start <= 443 && 443 <= p.target.end) {
        const ip = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::' ? '127.0.0.1' : p.hostIp;
        const port = p.published.start + (443 - p.target.start);
        return `https://${ip.includes(':') ? `[${ip}]` : ip}:${port}`;
      }
    }
  }
  return undefined;
}

function clusterVersion(project: Project): string | undefined {
  const fromEnv = project.lookup('WA_API_VERSION');
  if (fromEnv) {
    return fromEnv.replace(/^v/, '');
  }
  for (const s of project.services.values()) {
    const tag =
      s.role === 'web' || s.role === 'coreapp' || s.role === 'master'
        ? /:v?(\d+\.\d+\.\d+)$/.exec(s.image?.value ?? '')
        : null;
    if (tag?.[1]) {
      return tag[1];
    }
  }
  return undefined;
}

export interface DiscoverOptions {
  /** Candidate compose files (absolute paths), e.g. every `*compose*.yml` of the workspace. */
  readonly candidates: readonly string[];
  /** `waCluster.compose.files` resolved to absolute paths: one project of exactly these files. */
  readonly configuredFiles?: readonly string[];
  /** `waCluster.compose.projectName`. */
  readonly projectName?: string;
  readonly reader: FileReader;
  readonly env?: Record<string, string | undefined>;
  /** An env file replacing the folder's `.env` (Compose `--env-file`). */
  readonly envFile?: string;
  /** What earlier discoveries found (with the same `env`): a project whose files read the same is not parsed again. */
  readonly memo?: DiscoveryMemo;
}

/** What discovering one file group read (every file, by path) and found (undefined: not a cluster). */
interface KnownGroup {
  readonly read: ReadonlyMap<string, string | undefined>;
  readonly cluster: DiscoveredCluster | undefined;
}

/**
 * Discovery results kept from one discovery to the next: any compose file saved or folder copied
 * in rediscovers the whole workspace, and a project none of whose files (compose files, `.env`,
 * env files, `extends` bases) reads differently is not parsed again, so 20 projects cost 20 parses
 * once, not at every save.
 */
export class DiscoveryMemo {
  private known = new Map<string, KnownGroup>();
  private used = new Set<string>();

  /** The group's last result when every file it read reads the same now; `false` when it must be parsed. */
  recall(key: string, reader: FileReader): { cluster: DiscoveredCluster | undefined } | false {
    const known = this.known.get(key);
    if (!known || [...known.read].some(([path, text]) => reader.read(path) !== text)) {
      return false;
    }
    this.used.add(key);
    return { cluster: known.cluster };
  }

  remember(key: string, group: KnownGroup): void {
    this.known.set(key, group);
    this.used.add(key);
  }

  /** Forgets the groups no discovery asked for since the last call (their files left the workspace). */
  forgetUnused(): void {
    for (const key of this.known.keys()) {
      if (!this.used.has(key)) {
        this.known.delete(key);
      }
    }
    this.used.clear();
  }
}

/** A reader that notes the text of every file read through it (the first read of each). */
function recordingReader(reader: FileReader): { reader: FileReader; read: Map<string, string | undefined> } {
  const read = new Map<string, string | undefined>();
  return {
    read,
    reader: {
      read(path) {
        const text = reader.read(path);
        if (!read.has(path)) {
          read.set(path, text);
        }
        return text;
      },
      ...(reader.refusal ? { refusal: (path: string) => reader.refusal?.(path) } : {}),
    },
  };
}

/**
 * Finds the clusters among compose files. Files that share a folder and a project name are
 * alternatives of one cluster (the vendor ships `docker-compose.yml`, `multiconnect-compose.yml`
 * and `prod-*` variants side by side, and Compose gives them all the folder's project name): they
 * make one cluster, described by the file with the most cluster nodes. A configured file list
 * (`waCluster.compose.files`) is one cluster of exactly those files (`-f` layers). Never throws: a
 * file that does not parse or defines no web/master/coreapp service is skipped.
 */
export function discoverClusters(opts: DiscoverOptions): DiscoveredCluster[] {
  const steps = discoverySteps(opts);
  let step = steps.next();
  while (!step.done) {
    step = steps.next();
  }
  return step.value;
}

/**
 * {@link discoverClusters} in slices, awaiting `pause` after each project's compose files are
 * parsed and after its model is built: the editor's event loop (typing, linting, the tree) runs in
 * between instead of waiting for a whole project, let alone all of them.
 */
export async function discoverClustersStepwise(
  opts: DiscoverOptions,
  pause: () => Promise<void>,
): Promise<DiscoveredCluster[]> {
  const steps = discoverySteps(opts);
  let step = steps.next();
  while (!step.done) {
    await pause();
    step = steps.next();
  }
  return step.value;
}

/** The discovery itself; it yields after each file group's parse and after its model (not for a group recalled). */
function* discoverySteps(opts: DiscoverOptions): Generator<void, DiscoveredCluster[]> {
  const groups: string[][] =
    opts.configuredFiles && opts.configuredFiles.length > 0
      ? [[...opts.configuredFiles]]
      : [...new Set(opts.candidates)].sort().map((f) => [f]);
  const byProject = new Map<string, { cluster: DiscoveredCluster; nodes: number }>();
  for (const files of groups) {
    const memoKey = [files.join('|'), opts.projectName ?? '', opts.envFile ?? ''].join('\0');
    const recalled = opts.memo?.recall(memoKey, opts.reader);
    let cluster: DiscoveredCluster | undefined;
    if (recalled) {
      cluster = recalled.cluster;
    } else {
      const { reader, read } = recordingReader(opts.reader);
      const texts = files.map((path) => ({ path, text: reader.read(path) }));
      if (texts.some((t) => t.text === undefined)) {
        continue;
      }
      const parsed = texts.map((t) => parseCompose(t.path, t.text ?? ''));
      yield;
      cluster = clusterOf(
        files,
        loadProject({
          files: parsed,
          reader,
          env: opts.env ?? {},
          ...(opts.envFile ? { envFile: opts.envFile } : {}),
        }),
        opts.projectName,
      );
      opts.memo?.remember(memoKey, { read, cluster });
      yield;
    }
    if (!cluster) {
      continue;
    }
    const nodes = cluster.declared.filter(
      (d) => d.kind === 'master' || d.kind === 'coreapp' || d.kind === 'web',
    ).length;
    const key = `${cluster.dir}\0${cluster.projectName}`;
    const seen = byProject.get(key);
    if (!seen || nodes > seen.nodes) {
      byProject.set(key, { cluster, nodes });
    }
  }
  return [...byProject.values()].map((v) => v.cluster);
}

/** The cluster a loaded project defines, or undefined when it defines no web/master/coreapp node. */
function clusterOf(files: string[], project: Project, projectName: string | undefined): DiscoveredCluster | undefined {
  if (!isClusterProject(project)) {
    return undefined;
  }
  return {
    id: files.join('|'),
    projectName:
      projectName?.trim() || composeProjectName(project.dir, (n) => project.lookup(n), declaredProjectName(project)),
    dir: project.dir,
    files,
    envFile: project.dotenv ? project.dotenvPath : undefined,
    declared: [...project.services.values()].map(declaredService),
    inferredApiUrl: inferApiUrl(project),
    version: clusterVersion(project),
  };
}
