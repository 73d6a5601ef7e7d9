import * as vscode from 'vscode';
import { type DiagnosticsApi, type DiagnosticsCompose, type DiagnosticsHost } from '../cluster/diagnosticsBundle';
import { type ClusterNode, type ClusterSnapshot } from '../cluster/types';
import { type DockerPort } from '../docker/port';
import { type ContainerSummary } from '../docker/types';

/** One cluster the log commands can act on (the lead's ClusterSession maps onto this). */
export interface LogCluster {
  /** Compose project name. */
  readonly project: string | undefined;
  /** The Docker port in use; undefined while Docker is not reachable. */
  readonly docker: DockerPort | undefined;
  /** With an inventory: the engine of the host a node runs on (its logs are there, not on `docker`). */
  readonly dockerOfHost?: ((host: string) => DockerPort | undefined) | undefined;
  /** With an inventory: every host with its own engine, one folder each in the diagnostics bundle. */
  readonly diagnosticsHosts?: readonly DiagnosticsHost[] | undefined;
  /** Latest snapshot, for node names and roles; without it containers are listed from Docker. */
  readonly snapshot: ClusterSnapshot | undefined;
  /** Signed-in API client (health/support in the bundle); undefined when not signed in. */
  readonly api?: DiagnosticsApi | undefined;
  /** Compose runner of the project, for `docker-compose config` in the bundle. */
  readonly compose?: DiagnosticsCompose | undefined;
  /** Folder that holds the cluster's compose files (default place of `.wa-diagnostics/`). */
  readonly folder?: vscode.Uri | undefined;
}

/** What the log commands need from the composition root ({@link Services} is one). */
export interface LogCommandDeps {
  readonly log: vscode.LogOutputChannel;
  /** The extension's version, written into the bundle. */
  readonly extensionVersion: string;
  /** The workspace's clusters now (one per compose project). */
  clusters(): readonly LogCluster[];
  /** Values to mask in the bundle in addition to what it finds (API password, current token). */
  knownSecrets?(project: string | undefined): Promise<readonly string[]>;
  /** `waCluster.logs.maxLines`. */
  maxLines(): number;
}

/** The argument the tree passes for a node item (NodeElement of src/views). */
export interface NodeArg {
  readonly kind: 'node';
  readonly node?: ClusterNode | undefined;
  readonly project?: string | undefined;
  readonly name?: string | undefined;
}

export function isNodeArg(a: unknown): a is NodeArg {
  return typeof a === 'object' && a !== null && (a as { kind?: unknown }).kind === 'node';
}

/**
 * The project a command argument refers to: a tree node (`project`), a tree cluster root
 * (`session.cluster.projectName`), or `{ project }`.
 */
export function projectOfArg(arg: unknown): string | undefined {
  if (typeof arg !== 'object' || arg === null) {
    return undefined;
  }
  const a = arg as { project?: unknown; session?: { cluster?: { projectName?: unknown } } };
  const p = typeof a.project === 'string' ? a.project : a.session?.cluster?.projectName;
  return typeof p === 'string' ? p : undefined;
}

/** A container to show logs of, named as the tree names its node. */
export interface LogTarget {
  readonly cluster: LogCluster;
  readonly docker: DockerPort;
  readonly name: string;
  readonly containerId: string;
  readonly description: string;
}

function noDocker(): Error {
  return new Error(
    vscode.l10n.t('Docker is not reachable, so there are no logs to show. See the WA Cluster view for why.'),
  );
}

/** The cluster the tree item belongs to, or the one the user picks when there are several. */
export async function pickCluster(deps: LogCommandDeps, project?: string): Promise<LogCluster | undefined> {
  const all = deps.clusters();
  if (project !== undefined) {
    const c = all.find((x) => x.project === project);
    if (c) {
      return c;
    }
  }
  if (all.length === 0) {
    throw new Error(vscode.l10n.t('No WhatsApp Business API cluster was found in this workspace.'));
  }
  if (all.length === 1) {
    return all[0];
  }
  const pick = await vscode.window.showQuickPick(
    all.map((c) => ({
      label: c.project ?? vscode.l10n.t('(unnamed project)'),
      description: c.snapshot?.cluster.version,
      cluster: c,
    })),
    { placeHolder: vscode.l10n.t('Which cluster?') },
  );
  return pick?.cluster;
}

/** The engine of the host a node runs on, when the cluster spans an inventory's hosts. */
function engineOf(cluster: LogCluster, node: ClusterNode): DockerPort | undefined {
  return node.host !== undefined ? cluster.dockerOfHost?.(node.host) : undefined;
}

/** Every container of a cluster, named like the tree (snapshot nodes) or by service. */
export async function targetsOf(cluster: LogCluster, signal?: AbortSignal): Promise<LogTarget[]> {
  const docker = cluster.docker;
  if (!docker) {
    throw noDocker();
  }
  const nodes = cluster.snapshot?.nodes.filter((n) => n.container !== null) ?? [];
  if (nodes.length > 0) {
    return nodes.map((n) => ({
      cluster,
      docker: engineOf(cluster, n) ?? docker,
      name: n.name,
      containerId: n.container!.id,
      description: `${n.role} · ${n.state}`,
    }));
  }
  const list: ContainerSummary[] = await docker.listContainers(cluster.project, signal);
  return list
    .filter((c) => !c.oneoff)
    .sort((a, b) => (a.service ?? a.name).localeCompare(b.service ?? b.name, 'en', { numeric: true }))
    .map((c) => ({
      cluster,
      docker,
      name: c.service && list.filter((x) => x.service === c.service).length === 1 ? c.service : c.name,
      containerId: c.id,
      description: `${c.image} · ${c.state}`,
    }));
}

/** The node of a tree item, or the one the user picks from all clusters' containers. */
export async function resolveNodeTarget(deps: LogCommandDeps, arg: unknown): Promise<LogTarget | undefined> {
  if (isNodeArg(arg)) {
    const cluster = await pickCluster(deps, arg.project);
    if (!cluster) {
      return undefined;
    }
    const node = arg.node;
    const name = node?.name ?? arg.name ?? '?';
    const docker = (node && engineOf(cluster, node)) ?? cluster.docker;
    if (!docker) {
      throw noDocker();
    }
    if (!node?.container) {
      throw new Error(vscode.l10n.t('{0} has no container yet, so it has no logs. Start it first.', name));
    }
    return { cluster, docker, name, containerId: node.container.id, description: '' };
  }
  const clusters = deps.clusters();
  if (clusters.length === 0) {
    throw new Error(vscode.l10n.t('No WhatsApp Business API cluster was found in this workspace.'));
  }
  const targets = (await Promise.all(clusters.filter((c) => c.docker).map((c) => targetsOf(c)))).flat();
  if (targets.length === 0) {
    throw clusters.some((c) => c.docker)
      ? new Error(vscode.l10n.t('The cluster has no containers yet. Start it first.'))
      : noDocker();
  }
  const several = clusters.length > 1;
  const pick = await vscode.window.showQuickPick(
    targets.map((t) => ({
      label: t.name,
      description: t.description,
      detail: several ? t.cluster.project : undefined,
      target: t,
    })),
    { placeHolder: vscode.l10n.t('Show the logs of which node?'), matchOnDescription: true },
  );
  return pick?.target;
}

/** `wa-cluster-logs:/<project>/<name>.walog`. */
export function logUri(scheme: string, project: string | undefined, name: string): vscode.Uri {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return vscode.Uri.from({ scheme, path: `/${safe(project ?? 'cluster')}/${safe(name)}.walog` });
}
