import * as nodePath from 'node:path';
import { loadProject } from '../compose/project';
import { type FileReader } from '../compose/types';
import { ComposeLabels, type ContainerSummary } from '../docker/types';
import { type InventoryHost } from '../inventory/inventory';
import { declaredService } from './discovery';
import { type DeclaredService, type NodeKind } from './types';

/**
 * Which host(s) a command runs on, for which services, when the cluster spans an inventory's
 * hosts (each host runs its own compose files against its own engine). Pure.
 */

/** One inventory host: what its compose files declare and which of those services run there now. */
export interface HostServices {
  readonly host: string;
  readonly declared: readonly { readonly name: string; readonly kind: NodeKind }[];
  readonly running: readonly string[];
}

/** One Compose run: `services` on `host` (all of the host's for Down). */
export interface HostRun {
  readonly host: string;
  readonly services: readonly string[];
}

/** The DB upgrade service runs only on purpose (Upgrade), never with Up. */
function startable(h: HostServices): string[] {
  return h.declared.filter((d) => d.kind !== 'other' || !/upgrade/i.test(d.name)).map((d) => d.name);
}

/**
 * The order hosts start in: hosts without a WhatsApp node first (the database, whatever its
 * image), then the masters' hosts (the primary runs registration and the shard map), then the rest.
 */
function rank(h: HostServices): number {
  const kinds = new Set(h.declared.map((d) => d.kind));
  return kinds.has('master') ? 1 : kinds.has('coreapp') || kinds.has('web') ? 2 : 0;
}

/**
 * Up: each host with its startable services (or those `picked` there), in start order; a host
 * with nothing to start is left out. Stable: hosts of one rank keep the inventory's order.
 */
export function upRuns(
  hosts: readonly HostServices[],
  picked?: readonly { host: string; service: string }[],
): HostRun[] {
  return [...hosts]
    .map((h, i) => ({ h, i }))
    .sort((a, b) => rank(a.h) - rank(b.h) || a.i - b.i)
    .map(({ h }) => ({
      host: h.host,
      services: picked ? picked.filter((p) => p.host === h.host).map((p) => p.service) : startable(h),
    }))
    .filter((r) => r.services.length > 0);
}

/** Down: every host, in the reverse of the start order (the database last), whole projects. */
export function downRuns(hosts: readonly HostServices[]): HostRun[] {
  return upRuns(hosts)
    .reverse()
    .map((r) => ({ host: r.host, services: [] }));
}

/** Add Coreapp: declared coreapps that do not run, with their host (the prod layout declares one `wacore` per host). */
export function spareCoreapps(hosts: readonly HostServices[]): { host: string; service: string }[] {
  return hosts.flatMap((h) =>
    h.declared
      .filter((d) => d.kind === 'coreapp' && !h.running.includes(d.name))
      .map((d) => ({ host: h.host, service: d.name })),
  );
}

/** What a host's compose files declare (its env files interpolate them; later ones win, as with Compose). */
export function declaredOnHost(
  host: Pick<InventoryHost, 'composeFiles' | 'envFiles'>,
  reader: FileReader,
  env: Record<string, string | undefined>,
): DeclaredService[] {
  const texts = host.composeFiles.map((path) => ({ path, text: reader.read(path) }));
  if (texts.some((x) => x.text === undefined)) {
    return [];
  }
  const envFile = host.envFiles[host.envFiles.length - 1];
  const project = loadProject({
    files: texts.map((x) => ({ path: x.path, text: x.text ?? '' })),
    reader,
    env,
    ...(envFile ? { envFile } : {}),
  });
  return [...project.services.values()].map(declaredService);
}

/** The env file whose WA_API_VERSION a host's Compose reads: the last that sets it, else the last one, else `.env` beside its first compose file. */
export function versionEnvFile(host: Pick<InventoryHost, 'composeFiles' | 'envFiles'>, reader: FileReader): string {
  const setting = [...host.envFiles].reverse().find((f) => /^\s*WA_API_VERSION\s*=/m.test(reader.read(f) ?? ''));
  return (
    setting ??
    host.envFiles[host.envFiles.length - 1] ??
    nodePath.join(nodePath.dirname(host.composeFiles[0] ?? '.'), '.env')
  );
}

/**
 * The Compose project an inventory's hosts run: the project of the containers Compose made from
 * these files' folder (whatever `-p` they were started with), else Compose's own default name.
 */
export function inventoryProject(containers: readonly ContainerSummary[], dir: string, fallback: string): string {
  const counts = new Map<string, number>();
  for (const c of containers) {
    if (c.project && c.labels[ComposeLabels.workingDir] === dir) {
      counts.set(c.project, (counts.get(c.project) ?? 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

/** The inventory whose hosts run a cluster's compose files (by its first file), if any. */
export function inventoryForFiles<I extends { hosts: readonly Pick<InventoryHost, 'composeFiles'>[] }>(
  inventories: readonly I[],
  files: readonly string[],
): I | undefined {
  const first = files[0];
  return first === undefined ? undefined : inventories.find((i) => i.hosts.some((h) => h.composeFiles.includes(first)));
}
