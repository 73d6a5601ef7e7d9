import { validateComposeSource } from '../../compose/validate';
import type { Rule } from '../rule';

export const composeSchema: Rule = {
  id: 'compose-schema',
  severity: 'error',
  description: 'Unknown keys and wrong types, per the Compose specification.',
  // Checked here, not when the model is built: discovery and the commands read the model without it.
  check({ project, report, t }) {
    for (const src of project.files) {
      for (const i of validateComposeSource(src)) {
        report({ span: i.span, message: i.word(t) });
      }
    }
  },
};
