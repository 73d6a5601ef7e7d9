import { pairOf } from '../../compose/source';
import type { Rule } from '../rule';
import { isCluster, servicesWithRole } from '../wa';

export const waHaTopology: Rule = {
  id: 'wa-ha-topology',
  severity: 'warning',
  description: 'Fewer than 2 masters or fewer than 2 coreapps in a cluster (no high availability).',
  check({ project, report, t }) {
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
    const span =
      key?.range && src && key.range[0] !== undefined && key.range[1] !== undefined
        ? { file: src.path, start: key.range[0], end: key.range[1] }
        : anchor?.keySpan;
    if (!span) {
      return;
    }
    const masterCount = (k: number): string => (k === 1 ? t('1 master') : t('{0} masters', k));
    const coreappCount = (k: number): string => (k === 1 ? t('1 coreapp') : t('{0} coreapps', k));
    const has = [masterCount(masters.length), coreappCount(coreapps.length)];
    let message: string;
    if (masters.length < 2 && coreapps.length < 2) {
      message =
        masters.length === 1 && coreapps.length === 1
          ? t(
              'This cluster has {0} and {1}: high availability needs at least 2 masters and 2 coreapps (one more coreapp than shards). Add {2} and {3}, or run this file on several hosts.',
              ...has,
              masterCount(1),
              coreappCount(1),
            )
          : t(
              'This cluster has {0} and {1}: high availability needs at least 2 masters and 2 coreapps (one more coreapp than shards). Add {2} and {3}.',
              ...has,
              masterCount(2 - masters.length),
              coreappCount(2 - coreapps.length),
            );
    } else {
      const add = masters.length < 2 ? masterCount(2 - masters.length) : coreappCount(2 - coreapps.length);
      message = t(
        'This cluster has {0} and {1}: high availability needs at least 2 masters and 2 coreapps (one more coreapp than shards). Add {2}.',
        ...has,
        add,
      );
    }
    report({ span, message });
  },
};
