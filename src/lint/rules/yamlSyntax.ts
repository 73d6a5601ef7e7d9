import { MAX_NESTING } from '../../compose/source';
import type { Rule } from '../rule';

export const yamlSyntax: Rule = {
  id: 'yaml-syntax',
  severity: 'error',
  description: 'YAML syntax errors and duplicate keys.',
  check({ project, report, t }) {
    for (const f of project.files) {
      for (const p of f.problems) {
        if (p.warning) {
          continue;
        }
        if (p.code === 'DUPLICATE_KEY') {
          const key = /^[^:\s#]+/.exec(f.text.slice(p.span.start))?.[0] ?? '';
          report(
            key
              ? {
                  span: { file: f.path, start: p.span.start, end: p.span.start + key.length },
                  message: t('Duplicate key `{0}`: Compose rejects the file. Keep one of the two entries.', key),
                }
              : { span: p.span, message: t('Duplicate key: Compose rejects the file. Keep one of the two entries.') },
          );
        } else if (p.code === 'NESTING_TOO_DEEP') {
          report({
            span: p.span,
            message: t(
              'The file nests more than {0} levels deep: it is not a compose file wa-cluster can read. Flatten it.',
              MAX_NESTING,
            ),
          });
        } else if (p.code === 'ALIAS_BOMB') {
          report({
            span: p.span,
            message: t(
              'The aliases of this file expand to a huge document (an alias bomb): Compose refuses it. Use fewer nested aliases.',
            ),
          });
        } else if (p.code === 'ENCODING_NUL') {
          report({
            span: p.span,
            message: t('This file is not UTF-8 text (it has NUL characters: saved as UTF-16?). Save it as UTF-8.'),
          });
        } else if (p.code === 'ENCODING_UTF8') {
          report({
            span: p.span,
            message: t(
              'This file is not valid UTF-8 (the bad bytes show as U+FFFD): Compose rejects it. Save it as UTF-8.',
            ),
          });
        } else {
          report({
            span: p.span,
            message: t('YAML error: {0}. Fix the syntax; Compose cannot read this file.', p.message.replace(/\.$/, '')),
          });
        }
      }
    }
  },
};
