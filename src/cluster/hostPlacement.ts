import { type NodeKind } from './types';

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

/** The order hosts start in: the database first, then the masters' hosts (the primary runs registration and the shard map), then the rest. */
function rank(h: HostServices): number {
  const kinds = new Set(h.declared.map((d) => d.kind));
  return kinds.has('db') ? 0 : kinds.has('master') ? 1 : 2;
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
