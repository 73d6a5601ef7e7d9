import type { Rule } from '../rule';

export const unsetVariable: Rule = {
  id: 'unset-variable',
  severity: 'info',
  description: '`${VAR}` without a default whose variable is not set: Compose substitutes an empty string.',
  check({ project, report }) {
    for (const u of project.varUses) {
      if (u.ref.unsetPlain) {
        report({ span: u.span, message: `\`${u.ref.name}\` is not set: Compose warns and uses an empty string. Set it in .env or give a default: \${${u.ref.name}:-value}.` });
      }
    }
  },
};
