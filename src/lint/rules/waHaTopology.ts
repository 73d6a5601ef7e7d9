import { pairOf } from '../../compose/source';
import type { Rule } from '../rule';
import { isCluster, servicesWithRole } from '../wa';

export const waHaTopology: Rule = {
  id: 'wa-ha-topology',
  severity: 'warning',
  description: 'Fewer than 2 masters or fewer than 2 coreapps in a cluster (no high availability).',
  check({ project, report }) {
    if (!isCluster(project)) {
      return;
    }
    const masters = servicesWithRole(project, 'master');
    const coreapps = servicesWithRole(project, 'coreapp');
    if (masters.length >= 2 && coreapps.length >= 2) {
      return;
    }
    const anchor = masters[0] ?? coreapps[0] ?? servicesWithRole(project, 'web')[0];
    const src = anchor?.defs[anchor.defs.length - 1]?.source ?? project.files[0];
    const key = pairOf(src?.doc.contents, 'services')?.key as { range?: number[] } | undefined;
    const span = key?.range && src && key.range[0] !== undefined && key.range[1] !== undefined ? { file: src.path, start: key.range[0], end: key.range[1] } : anchor?.keySpan;
    if (!span) {
      return;
    }
    const n = (k: number, what: string): string => `${k} ${what}${k === 1 ? '' : 's'}`;
    report({
      span,
      message: `This cluster has ${n(masters.length, 'master')} and ${n(coreapps.length, 'coreapp')}: high availability needs at least 2 masters and 2 coreapps (one more coreapp than shards). Add ${[masters.length < 2 ? n(2 - masters.length, 'master') : '', coreapps.length < 2 ? n(2 - coreapps.length, 'coreapp') : ''].filter(Boolean).join(' and ')}${masters.length === 1 && coreapps.length === 1 ? ', or run this file on several hosts' : ''}.`,
    });
  },
};
