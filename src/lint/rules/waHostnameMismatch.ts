import type { EnvValue, Service } from '../../compose/project';
import { replaceEnvValue } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

const VARS = ['COREAPP_HOSTNAME', 'WEBAPP_HOSTNAME'] as const;

function ownNames(svc: Service): Set<string> {
  const s = new Set([svc.name]);
  if (svc.hostname) {
    s.add(svc.hostname.value);
  }
  if (svc.containerName) {
    s.add(svc.containerName.value);
  }
  return s;
}

export const waHostnameMismatch: Rule = {
  id: 'wa-hostname-mismatch',
  severity: 'error',
  description:
    '`COREAPP_HOSTNAME`/`WEBAPP_HOSTNAME` naming another service (copy-paste), or two nodes advertising the same address.',
  check({ project, report, t }) {
    const advertised = new Map<string, { svc: Service; v: EnvValue }>();
    // Which services answer to a name (service name, hostname, container name), in project order: one pass, not one per variable.
    const byName = new Map<string, Service[]>();
    for (const o of project.services.values()) {
      for (const n of ownNames(o)) {
        const list = byName.get(n);
        if (list) {
          list.push(o);
        } else {
          byName.set(n, [o]);
        }
      }
    }
    for (const svc of servicesWithRole(project, 'web', 'master', 'coreapp')) {
      for (const name of VARS) {
        const v = svc.environment.get(name);
        if (!v || v.value === undefined || v.value === '' || v.unresolved) {
          continue;
        }
        const host = v.value;
        const other = byName.get(host)?.find((o) => o !== svc);
        if (other && !ownNames(svc).has(host)) {
          const edit = replaceEnvValue(v, svc.name);
          report({
            span: v.valueSpan,
            message: t(
              '`{0}` advertises {1}={2}, which is service `{3}`: other nodes will connect to `{3}` instead of this one (copy-paste?). Set {1}={0}.',
              svc.name,
              name,
              host,
              other.name,
            ),
            ...(edit ? { fix: { title: t('Set {0}={1}', name, svc.name), edits: [edit] } } : {}),
          });
          continue;
        }
        const ports =
          svc.environment.get(name === 'COREAPP_HOSTNAME' ? 'COREAPP_EXTERNAL_PORTS' : 'WEBAPP_EXTERNAL_PORTS')
            ?.value ?? '';
        const key = `${name}\0${host}\0${ports}`;
        const first = advertised.get(key);
        if (first) {
          report({
            span: v.valueSpan,
            message: ports
              ? t(
                  '`{0}` and `{1}` both advertise {2}={3} with ports {4}: the cluster cannot tell them apart. Give each node its own hostname (its service name) or its own ports.',
                  svc.name,
                  first.svc.name,
                  name,
                  host,
                  ports,
                )
              : t(
                  '`{0}` and `{1}` both advertise {2}={3}: the cluster cannot tell them apart. Give each node its own hostname (its service name) or its own ports.',
                  svc.name,
                  first.svc.name,
                  name,
                  host,
                ),
          });
        } else {
          advertised.set(key, { svc, v });
        }
      }
    }
  },
};
