import type { Rule } from '../rule';

export const yamlSyntax: Rule = {
  id: 'yaml-syntax',
  severity: 'error',
  description: 'YAML syntax errors and duplicate keys.',
  check({ project, report }) {
    for (const f of project.files) {
      for (const p of f.problems) {
        if (p.warning) {
          continue;
        }
        if (p.code === 'DUPLICATE_KEY') {
          const key = /^[^:\s#]+/.exec(f.text.slice(p.span.start))?.[0] ?? '';
          report({ span: key ? { file: f.path, start: p.span.start, end: p.span.start + key.length } : p.span, message: `Duplicate key${key ? ` \`${key}\`` : ''}: Compose rejects the file. Keep one of the two entries.` });
        } else {
          report({ span: p.span, message: `YAML error: ${p.message.replace(/\.$/, '')}. Fix the syntax; Compose cannot read this file.` });
        }
      }
    }
  },
};
