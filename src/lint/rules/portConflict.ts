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
    // Published ports by protocol and host port (linear in the number of ports); ranges wider
    // than WIDE are few and kept in a list checked against every port.
    const byPort = new Map<string, Seen[]>();
    const wide: Seen[] = [];
    let order = 0;
    for (const svc of project.services.values()) {
      for (const port of svc.ports) {
        const p = port.published;
        if (!p || port.unresolved) {
          continue;
        }
        const clash = firstClash(byPort, wide, port, p);
        if (clash) {
          const q = clash.port.published;
          const overlap = q
            ? `${Math.max(p.start, q.start)}${Math.min(p.end, q.end) > Math.max(p.start, q.start) ? `-${Math.min(p.end, q.end)}` : ''}`
            : String(p.start);
          const where = positionAt(clash.port.source, clash.port.span.start);
          const hostPort = port.hostIp
            ? t('{0}/{1} on {2}', overlap, port.protocol, port.hostIp)
            : `${overlap}/${port.protocol}`;
          const args = [hostPort, clash.port.source.path.split(/[\\/]/).pop() ?? '', where.line + 1, clash.svc.name];
          report({
            span: port.span,
            message:
              clash.svc === svc
                ? t(
                    'Host port {0} is already published by this service already ({1}:{2}): the second container cannot start. Use another host port.',
                    ...args,
                  )
                : t(
                    'Host port {0} is already published by service `{3}` ({1}:{2}): the second container cannot start. Use another host port.',
                    ...args,
                  ),
          });
        }
        const seen: Seen = { svc, port, order: order++ };
        if (p.end - p.start >= WIDE) {
          wide.push(seen);
        } else {
          for (let n = p.start; n <= p.end; n++) {
            const key = `${port.protocol}/${n}`;
            const list = byPort.get(key);
            if (list) {
              list.push(seen);
            } else {
              byPort.set(key, [seen]);
            }
          }
        }
      }
    }
  },
};

const WIDE = 256;

interface Seen {
  svc: Service;
  port: PortMapping;
  order: number;
}

/** The earliest published port that overlaps `p` on a clashing host IP, as a linear scan would find it. */
function firstClash(
  byPort: Map<string, Seen[]>,
  wide: Seen[],
  port: PortMapping,
  p: { start: number; end: number },
): Seen | undefined {
  let best: Seen | undefined;
  const consider = (s: Seen): void => {
    const q = s.port.published;
    if (
      (!best || s.order < best.order) &&
      q &&
      s.port.protocol === port.protocol &&
      ipsClash(s.port.hostIp, port.hostIp) &&
      q.start <= p.end &&
      p.start <= q.end
    ) {
      best = s;
    }
  };
  wide.forEach(consider);
  if (p.end - p.start >= WIDE) {
    for (const list of byPort.values()) {
      list.forEach(consider);
    }
  } else {
    for (let n = p.start; n <= p.end; n++) {
      byPort.get(`${port.protocol}/${n}`)?.forEach(consider);
    }
  }
  return best;
}
