import type { Service } from '../../compose/project';
import { replaceEnvValue } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

/** The host port a container port is reachable on: the published one, else the container port (compose network). */
export function externalPort(svc: Service, container: number): { port: number; published: boolean } {
  for (const p of svc.ports) {
    if (p.unresolved || p.protocol !== 'tcp' || container < p.target.start || container > p.target.end) {
      continue;
    }
    if (p.published) {
      return { port: p.published.start + (container - p.target.start), published: true };
    }
  }
  return { port: container, published: false };
}

export const waExternalPorts: Rule = {
  id: 'wa-external-ports',
  severity: 'warning',
  description:
    '`COREAPP_EXTERNAL_PORTS` not four ports or not the ports the service publishes (also `WEBAPP_EXTERNAL_PORTS`).',
  check({ project, report, t }) {
    for (const svc of servicesWithRole(project, 'master', 'coreapp')) {
      const v = svc.environment.get('COREAPP_EXTERNAL_PORTS');
      if (!v || v.value === undefined || v.unresolved) {
        continue;
      }
      const list = v.value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      const expected = [6250, 6251, 6252, 6253].map((c) => externalPort(svc, c));
      const want = expected.map((e) => String(e.port)).join(',');
      const edit = replaceEnvValue(v, want);
      const fix = edit ? { fix: { title: t('Set {0}={1}', 'COREAPP_EXTERNAL_PORTS', want), edits: [edit] } } : {};
      if (list.length !== 4 || list.some((p) => !/^\d+$/.test(p))) {
        report({
          span: v.valueSpan,
          message: t(
            'COREAPP_EXTERNAL_PORTS of `{0}` is `{1}`: it must list the four ports (messaging, contacts, control, healthcheck) other nodes reach container ports 6250-6253 on, e.g. {2}.',
            svc.name,
            v.value,
            want,
          ),
          ...fix,
        });
        continue;
      }
      if (list.join(',') !== want) {
        const message = expected.some((e) => e.published)
          ? t(
              'COREAPP_EXTERNAL_PORTS of `{0}` is {1}, but the service publishes container ports 6250-6253 on host ports {2}: other nodes will connect to the wrong ports. Set COREAPP_EXTERNAL_PORTS={2}.',
              svc.name,
              list.join(','),
              want,
            )
          : t(
              'COREAPP_EXTERNAL_PORTS of `{0}` is {1}, but the service is reached on the compose network at ports {2}: other nodes will connect to the wrong ports. Set COREAPP_EXTERNAL_PORTS={2}.',
              svc.name,
              list.join(','),
              want,
            );
        report({ span: v.valueSpan, message, ...fix });
      }
    }
    for (const svc of servicesWithRole(project, 'web')) {
      const v = svc.environment.get('WEBAPP_EXTERNAL_PORTS');
      if (!v || v.value === undefined || v.unresolved) {
        continue;
      }
      const e = externalPort(svc, 443);
      if (e.published && v.value.trim() !== String(e.port)) {
        const edit = replaceEnvValue(v, String(e.port));
        report({
          span: v.valueSpan,
          message: t(
            'WEBAPP_EXTERNAL_PORTS of `{0}` is {1}, but the service publishes port 443 on host port {2}. Set WEBAPP_EXTERNAL_PORTS={2}.',
            svc.name,
            v.value,
            e.port,
          ),
          ...(edit ? { fix: { title: t('Set {0}={1}', 'WEBAPP_EXTERNAL_PORTS', e.port), edits: [edit] } } : {}),
        });
      }
    }
  },
};
