// One cluster across several Docker hosts: for every inventory host, its own engine (the endpoint
// of src/inventory/endpoint.ts, a client of its own), the services its compose files declare once
// interpolated with its env files, and its EXTERNAL_HOSTNAME (the hostname half of its nodes'
// `/v1/health` keys). The monitor watches these (one event subscription each); the host-aware
// commands run Compose and Docker against the same endpoint, never the local one by accident.
import * as nodePath from 'node:path';
import { parseDotenv } from '../compose/dotenv';
import { loadProject } from '../compose/project';
import { type FileReader } from '../compose/types';
import { type DockerEndpoint, type EndpointInputs } from '../docker/endpoint';
import { type DockerError } from '../docker/errors';
import { type DockerPort } from '../docker/port';
import { inventoryHostEndpoint } from '../inventory/endpoint';
import { type Inventory, type InventoryHost } from '../inventory/inventory';
import { type DiscoveredCluster, composeProjectName, declaredProjectName, declaredService } from './discovery';
import { type MonitoredHost } from './monitor';
import { type DeclaredService } from './types';

/** One inventory host, ready to watch and to run commands against. */
export interface HostEngine extends MonitoredHost {
  readonly host: InventoryHost;
  /** How its engine is reached; undefined when that is unusable (see `problem`). */
  readonly endpoint: DockerEndpoint | undefined;
  /** The Compose project its containers carry (COMPOSE_PROJECT_NAME, `name:`, or the folder). */
  readonly projectName: string;
  /** The variables its env files set (later files win), as Compose interpolates them on that host. */
  readonly variables: Readonly<Record<string, string>>;
}

export interface HostEngineInputs extends Omit<EndpointInputs, 'setting'> {
  readonly reader: FileReader;
  /** Makes the client of one endpoint (DockerodeClient.fromEndpoint in the product). */
  readonly connect: (endpoint: DockerEndpoint) => DockerPort;
}

/** The variables of a host's env files (`.env` beside its first compose file when it names none). */
export function hostVariables(host: InventoryHost, reader: FileReader, inventoryDir: string): Record<string, string> {
  const files = host.envFiles.length > 0 ? host.envFiles : [defaultDotenv(host, inventoryDir)];
  const out: Record<string, string> = {};
  for (const file of files) {
    const text = reader.read(file);
    if (text === undefined) {
      continue;
    }
    for (const e of parseDotenv(file, text, (n) => out[n]).entries) {
      if (e.value !== undefined) {
        out[e.key] = e.value;
      }
    }
  }
  return out;
}

function defaultDotenv(host: InventoryHost, inventoryDir: string): string {
  const first = host.composeFiles[0];
  return nodePath.join(first ? nodePath.dirname(first) : inventoryDir, '.env');
}

/** The services a host declares and its project name, from its compose files and env files; never throws. */
export function hostProject(
  host: InventoryHost,
  variables: Readonly<Record<string, string>>,
  inp: { reader: FileReader; env: Readonly<Record<string, string | undefined>> },
): { projectName: string; declared: DeclaredService[] } | undefined {
  const texts = host.composeFiles.map((path) => ({ path, text: inp.reader.read(path) }));
  if (texts.length === 0 || texts.some((t) => t.text === undefined)) {
    return undefined;
  }
  // Compose: the shell's variables win over the env files'.
  const env: Record<string, string | undefined> = { ...variables, ...inp.env };
  const project = loadProject({
    files: texts.map((t) => ({ path: t.path, text: t.text ?? '' })),
    reader: inp.reader,
    env,
    ...(host.envFiles[0] ? { envFile: host.envFiles[0] } : {}),
  });
  return {
    projectName: composeProjectName(project.dir, (n) => project.lookup(n), declaredProjectName(project)),
    declared: [...project.services.values()].map(declaredService),
  };
}

/**
 * Every host of the inventory with its own engine client. A host whose endpoint cannot be used (an
 * unreadable certificate, an unknown context) is still listed, with its problem, so the tree says why.
 */
export function hostEngines(inv: Inventory, inp: HostEngineInputs): HostEngine[] {
  return inv.hosts.map((host) => {
    const variables = hostVariables(host, inp.reader, inv.dir);
    const project = hostProject(host, variables, inp);
    const ep = inventoryHostEndpoint(host, inp);
    const externalHostname = inp.env.EXTERNAL_HOSTNAME ?? variables.EXTERNAL_HOSTNAME;
    const declared = project?.declared ?? [];
    const base = {
      name: host.name,
      host,
      projectName: project?.projectName ?? 'default',
      variables,
      externalHostname,
      declared: () => declared,
    };
    return ep.ok
      ? { ...base, endpoint: ep.value, docker: inp.connect(ep.value) }
      : { ...base, endpoint: undefined, docker: undefined, problem: ep.error satisfies DockerError };
  });
}

/**
 * The one Compose project the inventory's cluster hosts run: the name most hosts with masters,
 * coreapps or a web carry (every host runs the same files, so they agree unless one is misconfigured).
 */
export function inventoryProjectName(engines: readonly HostEngine[]): string | undefined {
  const counts = new Map<string, number>();
  for (const e of engines) {
    const cluster = (e.declared?.() ?? []).some((d) => d.kind === 'web' || d.kind === 'master' || d.kind === 'coreapp');
    if (cluster) {
      counts.set(e.projectName, (counts.get(e.projectName) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  for (const [name, n] of counts) {
    if (best === undefined || n > (counts.get(best) ?? 0)) {
      best = name;
    }
  }
  return best ?? engines[0]?.projectName;
}

/**
 * The inventory as one cluster of the workspace: its id is the inventory file, its project the one
 * the hosts run, its API the inventory's web. The compose files it names are its hosts' files, not
 * clusters of their own (see {@link withoutInventoryFiles}).
 */
export function inventoryCluster(inv: Inventory, engines: readonly HostEngine[]): DiscoveredCluster {
  const first = engines.find((e) => (e.declared?.() ?? []).some((d) => d.kind !== 'db')) ?? engines[0];
  const version = first?.variables.WA_API_VERSION?.replace(/^v/, '');
  return {
    id: inv.path,
    projectName: inventoryProjectName(engines) ?? 'default',
    dir: inv.dir,
    files: first?.host.composeFiles ?? [],
    envFile: first?.host.envFiles[0],
    declared: [],
    inferredApiUrl: inv.web?.url.replace(/\/+$/, ''),
    version,
  };
}

/** The discovered clusters minus those made of files an inventory already runs on its hosts. */
export function withoutInventoryFiles(
  clusters: readonly DiscoveredCluster[],
  inventories: readonly Inventory[],
): DiscoveredCluster[] {
  const taken = new Set(inventories.flatMap((i) => i.hosts.flatMap((h) => h.composeFiles)));
  return clusters.filter((c) => !c.files.some((f) => taken.has(f)));
}
