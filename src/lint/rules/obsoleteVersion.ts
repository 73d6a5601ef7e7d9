import { pairOf } from '../../compose/source';
import { deletePair, keepsParsing } from '../edits';
import type { Rule } from '../rule';

export const obsoleteVersion: Rule = {
  id: 'obsolete-version',
  severity: 'info',
  description: 'The top-level `version` key is obsolete.',
  check({ project, report, t }) {
    for (const f of project.files) {
      const pair = pairOf(f.doc.contents, 'version');
      const r = (pair?.key as { range?: number[] } | undefined)?.range;
      if (!pair || !r || r[0] === undefined || r[1] === undefined) {
        continue;
      }
      const removal = deletePair(f, pair);
      const edit = removal && keepsParsing(f, removal) ? removal : undefined;
      report({
        span: { file: f.path, start: r[0], end: r[1] },
        message: t('The top-level `version` is obsolete: Compose ignores it and prints a warning. Remove the line.'),
        ...(edit ? { fix: { title: t('Remove `version`'), edits: [edit] } } : {}),
      });
    }
  },
};
