import { deletePair } from '../edits';
import type { Rule, SpanEdit } from '../rule';
import { isServiceLikeName, serviceByHost } from '../wa';

/** Variables through which a node reaches another container by name. */
export const HOST_VARS = ['WA_DB_HOSTNAME', 'WACORE_HOSTNAME'];

export const waNetworkModeBridge: Rule = {
  id: 'wa-network-mode-bridge',
  severity: 'error',
  description:
    '`network_mode: bridge` on a service that reaches another service by name (names do not resolve on the default bridge).',
  check({ project, report, t }) {
    const bridged = [...project.services.values()].filter((s) => s.networkMode?.value === 'bridge');
    const removeAll: SpanEdit[] = [];
    for (const s of bridged) {
      const p = s.pairs.get('network_mode');
      const e = p ? deletePair(p.source, p.pair) : undefined;
      if (e) {
        removeAll.push(e);
      }
    }
    const fix =
      removeAll.length > 0
        ? { fix: { title: t('Remove network_mode: bridge from every service'), edits: removeAll } }
        : {};
    for (const svc of bridged) {
      const linked = new Set(
        svc.links
          .map((l) => (l.value.split(':')[1] ?? l.value.split(':')[0] ?? '').trim())
          .concat(svc.links.map((l) => l.value.split(':')[0] ?? '')),
      );
      const targets: string[] = [];
      for (const name of HOST_VARS) {
        const v = svc.environment.get(name);
        const host = v?.value?.trim();
        if (!v || !host || v.unresolved || linked.has(host)) {
          continue;
        }
        if (serviceByHost(project, host) || isServiceLikeName(host)) {
          targets.push(`${name}=${host}`);
        }
      }
      if (targets.length === 0 || !svc.networkMode) {
        continue;
      }
      report({
        span: svc.networkMode.span,
        message: t(
          "`{0}` uses network_mode: bridge but reaches other containers by name ({1}): Docker's default bridge has no DNS for service names, so the connection fails. Remove network_mode: bridge (from every service) so Compose puts them on the project network.",
          svc.name,
          targets.join(', '),
        ),
        ...fix,
      });
    }
    // A node on the project network cannot reach a service that sits on the default bridge either.
    for (const svc of project.services.values()) {
      if (svc.networkMode !== undefined) {
        continue;
      }
      for (const name of HOST_VARS) {
        const v = svc.environment.get(name);
        const target = v?.value && !v.unresolved ? serviceByHost(project, v.value.trim()) : undefined;
        if (target?.networkMode?.value === 'bridge') {
          report({
            span: target.networkMode.span,
            message: t(
              '`{0}` uses network_mode: bridge, but `{1}` reaches it by name ({2}={3}) from the project network: the name does not resolve. Remove network_mode: bridge.',
              target.name,
              svc.name,
              name,
              v?.value ?? '',
            ),
            ...fix,
          });
        }
      }
    }
  },
};
