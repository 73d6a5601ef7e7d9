import type { Rule } from '../rule';

export const circularReference: Rule = {
  id: 'circular-reference',
  severity: 'error',
  description:
    '`extends` or `include` chains that come back to where they started (Compose stops with "circular reference").',
  check({ project, report, t }) {
    for (const c of project.circular) {
      const chain = c.chain.join(' → ');
      report({
        span: c.span,
        message:
          c.kind === 'extends'
            ? t('Circular `extends`: {0}. Compose stops with "circular reference". Remove one of the `extends`.', chain)
            : t(
                'Circular `include`: {0}. Compose stops with "circular reference". Remove the `include` that leads back.',
                chain,
              ),
      });
    }
  },
};
