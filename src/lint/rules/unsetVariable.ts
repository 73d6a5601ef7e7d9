import type { Rule } from '../rule';

export const unsetVariable: Rule = {
  id: 'unset-variable',
  severity: 'info',
  description: '`${VAR}` without a default whose variable is not set: Compose substitutes an empty string.',
  check({ project, report, t }) {
    for (const u of project.varUses) {
      if (u.ref.unsetPlain) {
        report({
          span: u.span,
          message: t(
            '`{0}` is not set: Compose warns and uses an empty string. Set it in .env or give a default: {1}.',
            u.ref.name,
            `\${${u.ref.name}:-value}`,
          ),
        });
      }
    }
  },
};
