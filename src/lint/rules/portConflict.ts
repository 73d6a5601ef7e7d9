import type { PortMapping, Service } from '../../compose/project';
import { positionAt } from '../../compose/source';
import type { Rule } from '../rule';

const ANY = new Set(['', '0.0.0.0', '::', '[::]']);

function ipsClash(a: string, b: string): boolean {
  return a === b || ANY.has(a) || ANY.has(b);
}

export const portConflict: Rule = {
  id: 'port-conflict',
  severity: 'error',
  description: 'One host port (or overlapping range, per host IP) published twice in the project.',
  check({ project, report, t }) {
    const seen: { svc: Service; port: PortMapping }[] = [];
    for (const svc of project.services.values()) {
      for (const port of svc.ports) {
        const p = port.published;
        if (!p || port.unresolved) {
          continue;
        }
        const clash = seen.find((s) => s.port.protocol === port.protocol && ipsClash(s.port.hostIp, port.hostIp)
          && s.port.published !== undefined && s.port.published.start <= p.end && p.start <= s.port.published.end);
        if (clash) {
          const q = clash.port.published;
          const overlap = q ? `${Math.max(p.start, q.start)}${Math.min(p.end, q.end) > Math.max(p.start, q.start) ? `-${Math.min(p.end, q.end)}` : ''}` : String(p.start);
          const where = positionAt(clash.port.source, clash.port.span.start);
          const hostPort = port.hostIp ? t('{0}/{1} on {2}', overlap, port.protocol, port.hostIp) : `${overlap}/${port.protocol}`;
          const args = [hostPort, clash.port.source.path.split(/[\\/]/).pop() ?? '', where.line + 1, clash.svc.name];
          report({
            span: port.span,
            message: clash.svc === svc
              ? t('Host port {0} is already published by this service already ({1}:{2}): the second container cannot start. Use another host port.', ...args)
              : t('Host port {0} is already published by service `{3}` ({1}:{2}): the second container cannot start. Use another host port.', ...args),
          });
        }
        seen.push({ svc, port });
      }
    }
  },
};
