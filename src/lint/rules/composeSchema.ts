import type { Rule } from '../rule';

export const composeSchema: Rule = {
  id: 'compose-schema',
  severity: 'error',
  description: 'Unknown keys and wrong types, per the Compose specification.',
  check({ project, report, t }) {
    for (const i of project.schemaIssues) {
      report({ span: i.span, message: i.word(t) });
    }
  },
};
