import type { Rule } from '../rule';

export const waApiKey: Rule = {
  id: 'wa-api-key',
  severity: 'error',
  description: '`WA_API_KEY` shorter than 12 or longer than 128 characters.',
  check({ project, report, t }) {
    for (const svc of project.services.values()) {
      const v = svc.environment.get('WA_API_KEY');
      if (!v || v.value === undefined || v.unresolved || v.value === '') {
        continue;
      }
      const n = v.value.length;
      if (n < 12 || n > 128) {
        report({
          span: v.valueSpan.end > v.valueSpan.start ? v.valueSpan : v.keySpan,
          message:
            n < 12
              ? t(
                  'WA_API_KEY of `{0}` has {1} characters: the web app accepts API keys of 12 to 128 characters. Use a longer key.',
                  svc.name,
                  n,
                )
              : t(
                  'WA_API_KEY of `{0}` has {1} characters: the web app accepts API keys of 12 to 128 characters. Use a shorter key.',
                  svc.name,
                  n,
                ),
        });
      }
    }
  },
};
