import * as nodePath from 'node:path';
import { isMap } from 'yaml';
import { interpolate } from '../compose/interpolate';
import { loadProject, type Project, type Service } from '../compose/project';
import { type Role } from '../compose/roles';
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
 * {@link discoverClusters} one project at a time, awaiting `pause` between them: a workspace of
 * many projects is parsed in slices, and the editor's event loop (typing, linting, the tree) runs
 * in between instead of waiting for all of them.
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

/** The discovery itself; it yields after each file group it parsed. */
function* discoverySteps(opts: DiscoverOptions): Generator<void, DiscoveredCluster[]> {
  const groups: string[][] =
    opts.configuredFiles && opts.configuredFiles.length > 0
      ? [[...opts.configuredFiles]]
      : [...new Set(opts.candidates)].sort().map((f) => [f]);
  const byProject = new Map<string, { cluster: DiscoveredCluster; nodes: number }>();
  for (const files of groups) {
    const texts = files.map((path) => ({ path, text: opts.reader.read(path) }));
    if (texts.some((t) => t.text === undefined)) {
      continue;
    }
    const project = loadProject({
      files: texts.map((t) => ({ path: t.path, text: t.text ?? '' })),
      reader: opts.reader,
      env: opts.env ?? {},
      ...(opts.envFile ? { envFile: opts.envFile } : {}),
    });
    yield;
    if (!isClusterProject(project)) {
      continue;
    }
    const cluster: DiscoveredCluster = {
      id: files.join('|'),
      projectName:
        opts.projectName?.trim() ||
        composeProjectName(project.dir, (n) => project.lookup(n), declaredProjectName(project)),
      dir: project.dir,
      files,
      envFile: project.dotenv ? project.dotenvPath : undefined,
      declared: [...project.services.values()].map(declaredService),
      inferredApiUrl: inferApiUrl(project),
      version: clusterVersion(project),
    };
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
