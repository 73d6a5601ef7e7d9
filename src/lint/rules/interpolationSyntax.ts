import type { Rule } from '../rule';

export const interpolationSyntax: Rule = {
  id: 'interpolation-syntax',
  severity: 'error',
  description: 'A `$` expression Compose cannot interpolate.',
  check({ project, report, t }) {
    for (const e of project.interpolationErrors) {
      report({ span: e.span, message: e.word(t) });
    }
  },
};
