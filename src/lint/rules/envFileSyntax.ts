import type { Rule } from '../rule';

export const envFileSyntax: Rule = {
  id: 'env-file-syntax',
  severity: 'error',
  description: 'A line of `.env` or an `env_file` that Compose cannot read.',
  check({ project, report, t }) {
    for (const p of project.envProblems) {
      report({ span: p.span, message: p.word(t) });
    }
  },
};
