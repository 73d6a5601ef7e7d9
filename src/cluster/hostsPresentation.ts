import { type Translate, english } from '../util/translate';
import { type Look } from './presentation';
import { type HostStatus } from './types';

/**
 * How the explorer's "Hosts" group shows an inventory's engines, as plain data (icons, words), so
 * the editor layer (views/hostsGroup.ts) only maps it onto TreeItems.
 */

export function hostLook(h: HostStatus): Look {
  return h.reachable ? { icon: 'server', color: 'charts.green' } : { icon: 'server', color: 'charts.red' };
}

/** "Docker 20.10.24 · 3 ms", or "unreachable: connection refused". */
export function describeHost(h: HostStatus, t: Translate = english): string {
  if (!h.reachable) {
    return h.problem ? t('unreachable: {0}', h.problem.message) : t('not reached yet');
  }
  const version = h.version ? t('Docker {0}', h.version) : t('Docker');
  return h.latencyMs !== undefined ? t('{0} · {1} ms', version, h.latencyMs) : version;
}

/** "3/4 reachable" (all of them: "4 hosts"). */
export function describeHostsGroup(hosts: readonly HostStatus[], t: Translate = english): string {
  const up = hosts.filter((h) => h.reachable).length;
  return up === hosts.length
    ? hosts.length === 1
      ? t('1 host')
      : t('{0} hosts', hosts.length)
    : t('{0}/{1} reachable', up, hosts.length);
}

/** The group's look: red when any engine does not answer. */
export function hostsGroupLook(hosts: readonly HostStatus[]): Look {
  return hosts.every((h) => h.reachable)
    ? { icon: 'server-environment', color: undefined }
    : { icon: 'server-environment', color: 'charts.red' };
}

/** Markdown lines: how the host is reached, its EXTERNAL_HOSTNAME, and why it does not answer. */
export function hostTooltip(h: HostStatus, nodes: readonly string[], t: Translate = english): string {
  return [
    `**${h.name}** · ${describeHost(h, t)}`,
    h.endpoint ? t('Docker endpoint: {0}', h.endpoint) : undefined,
    h.externalHostname ? t('EXTERNAL_HOSTNAME: {0}', h.externalHostname) : undefined,
    nodes.length ? t('Nodes: {0}', nodes.join(', ')) : undefined,
  ]
    .filter((l): l is string => l !== undefined)
    .join('  \n');
}
