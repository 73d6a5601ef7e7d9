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
          report(key
            ? { span: { file: f.path, start: p.span.start, end: p.span.start + key.length }, message: t('Duplicate key `{0}`: Compose rejects the file. Keep one of the two entries.', key) }
            : { span: p.span, message: t('Duplicate key: Compose rejects the file. Keep one of the two entries.') });
        } else {
          report({ span: p.span, message: t('YAML error: {0}. Fix the syntax; Compose cannot read this file.', p.message.replace(/\.$/, '')) });
        }
      }
    }
  },
};
