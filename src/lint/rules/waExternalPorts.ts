import type { Service } from '../../compose/project';
import { replaceEnvValue } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

/** The host port a container port is reachable on: the published one, else the container port (compose network). */
function externalPort(svc: Service, container: number): { port: number; published: boolean } {
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
  description: '`COREAPP_EXTERNAL_PORTS` not four ports or not the ports the service publishes (also `WEBAPP_EXTERNAL_PORTS`).',
  check({ project, report }) {
    for (const svc of servicesWithRole(project, 'master', 'coreapp')) {
      const v = svc.environment.get('COREAPP_EXTERNAL_PORTS');
      if (!v || v.value === undefined || v.unresolved) {
        continue;
      }
      const list = v.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const expected = [6250, 6251, 6252, 6253].map((c) => externalPort(svc, c));
      const want = expected.map((e) => String(e.port)).join(',');
      const edit = replaceEnvValue(v, want);
      const fix = edit ? { fix: { title: `Set COREAPP_EXTERNAL_PORTS=${want}`, edits: [edit] } } : {};
      if (list.length !== 4 || list.some((p) => !/^\d+$/.test(p))) {
        report({ span: v.valueSpan, message: `COREAPP_EXTERNAL_PORTS of \`${svc.name}\` is \`${v.value}\`: it must list the four ports (messaging, contacts, control, healthcheck) other nodes reach container ports 6250-6253 on, e.g. ${want}.`, ...fix });
        continue;
      }
      if (list.join(',') !== want) {
        const how = expected.some((e) => e.published) ? 'publishes container ports 6250-6253 on host ports' : 'is reached on the compose network at ports';
        report({ span: v.valueSpan, message: `COREAPP_EXTERNAL_PORTS of \`${svc.name}\` is ${list.join(',')}, but the service ${how} ${want}: other nodes will connect to the wrong ports. Set COREAPP_EXTERNAL_PORTS=${want}.`, ...fix });
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
        report({ span: v.valueSpan, message: `WEBAPP_EXTERNAL_PORTS of \`${svc.name}\` is ${v.value}, but the service publishes port 443 on host port ${e.port}. Set WEBAPP_EXTERNAL_PORTS=${e.port}.`, ...(edit ? { fix: { title: `Set WEBAPP_EXTERNAL_PORTS=${e.port}`, edits: [edit] } } : {}) });
      }
    }
  },
};
