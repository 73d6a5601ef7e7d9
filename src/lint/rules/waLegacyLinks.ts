import { isMap, isSeq, type YAMLMap } from 'yaml';
import { isMergePair, pairOf } from '../../compose/source';
import { deletePair } from '../edits';
import type { Rule } from '../rule';

export const waLegacyLinks: Rule = {
  id: 'wa-legacy-links',
  severity: 'warning',
  description: '`links:` (newer Docker turns them into variables that break the web start script).',
  check({ project, report, t }) {
    for (const svc of project.services.values()) {
      const p = svc.pairs.get('links');
      if (!p) {
        continue;
      }
      const r = (p.pair.key as { range?: number[] } | null)?.range;
      if (!r || r[0] === undefined || r[1] === undefined) {
        continue;
      }
      const edits = [deletePair(p.source, p.pair)];
      const nm = svc.pairs.get('network_mode');
      if (svc.networkMode?.value === 'bridge' && nm) {
        edits.push(deletePair(nm.source, nm.pair));
      }
      const ok = edits.filter((e) => e !== undefined);
      report({
        span: { file: p.source.path, start: r[0], end: r[1] },
        message:
          svc.networkMode?.value === 'bridge'
            ? t(
                "`{0}` uses legacy links: newer Docker turns them into variables such as WACORE_PORT_6250-6253_TCP that break the web container's start script. Remove `links:` and `network_mode: bridge`; services reach each other by name on the project network.",
                svc.name,
              )
            : t(
                "`{0}` uses legacy links: newer Docker turns them into variables such as WACORE_PORT_6250-6253_TCP that break the web container's start script. Remove `links:`; services reach each other by name on the project network.",
                svc.name,
              ),
        // Without the deletion of `links:` itself (or when a merge key brings `links:` back) the fix would not clear the finding.
        ...(edits[0] && !mergesLinks(p.map) && ok.length > 0 ? { fix: { title: t('Remove links'), edits: ok } } : {}),
      });
    }
  },
};

/** Whether a merge key (`<<: *base`) of the map brings in `links:` of its own. */
function mergesLinks(map: YAMLMap): boolean {
  return map.items.some(
    (it) =>
      isMergePair(it) &&
      (isSeq(it.value) ? it.value.items : [it.value]).some((m) => isMap(m) && pairOf(m, 'links') !== undefined),
  );
}
