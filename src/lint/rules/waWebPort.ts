import { isSeq } from 'yaml';
import { addServiceKey, appendToServiceBlock } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

export const waWebPort: Rule = {
  id: 'wa-web-port',
  severity: 'error',
  description: 'The web service does not publish container port 443.',
  check({ project, report, t }) {
    for (const svc of servicesWithRole(project, 'web')) {
      if (
        svc.ports.some(
          (p) =>
            p.unresolved ||
            (p.target.start <= 443 && p.target.end >= 443 && p.protocol === 'tcp' && p.published !== undefined),
        )
      ) {
        continue;
      }
      const ports = svc.pairs.get('ports');
      const r = (ports?.pair.key as { range?: number[] } | null | undefined)?.range;
      const span =
        ports && r && r[0] !== undefined && r[1] !== undefined
          ? { file: ports.source.path, start: r[0], end: r[1] }
          : svc.keySpan;
      // Only a list of ports can take one more (`ports:` written as a map is a schema error of its own).
      const edit = ports
        ? isSeq(ports.pair.value)
          ? appendToServiceBlock(svc, 'ports', undefined, '"9090:443"')
          : undefined
        : addServiceKey(svc, 'ports', ['- "9090:443"']);
      report({
        span,
        message: t(
          'The web service `{0}` does not publish container port 443 (HTTPS API) on a host port: clients cannot reach the API. Add a port mapping such as "9090:443".',
          svc.name,
        ),
        ...(edit ? { fix: { title: t('Publish 443 on host port 9090'), edits: [edit] } } : {}),
      });
    }
  },
};
