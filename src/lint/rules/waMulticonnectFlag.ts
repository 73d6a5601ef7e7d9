import type { Rule } from '../rule';
import { setServiceEnv } from '../edits';
import { isTruthyFlag, servicesWithRole } from '../wa';

export const waMulticonnectFlag: Rule = {
  id: 'wa-multiconnect-flag',
  severity: 'error',
  description: 'In a cluster, web, masters and coreapps need `WA_APP_MULTICONNECT=1`.',
  check({ project, report, t }) {
    if (servicesWithRole(project, 'master').length === 0) {
      return;
    }
    for (const svc of servicesWithRole(project, 'web', 'master', 'coreapp')) {
      const v = svc.environment.get('WA_APP_MULTICONNECT');
      if (v && (v.unresolved || isTruthyFlag(v.value))) {
        continue;
      }
      const edit = setServiceEnv(svc, 'WA_APP_MULTICONNECT', '1');
      report({
        span: v ? (v.valueSpan.end > v.valueSpan.start ? v.valueSpan : v.keySpan) : svc.keySpan,
        message: v
          ? t(
              '`{0}` ({1}) is part of a cluster with masters but sets WA_APP_MULTICONNECT={2}: it will run as a single instance and not join the cluster. Set WA_APP_MULTICONNECT=1.',
              svc.name,
              svc.role,
              v.value ?? '',
            )
          : t(
              '`{0}` ({1}) is part of a cluster with masters but does not set WA_APP_MULTICONNECT: it will run as a single instance and not join the cluster. Set WA_APP_MULTICONNECT=1.',
              svc.name,
              svc.role,
            ),
        ...(edit ? { fix: { title: t('Set {0}={1}', 'WA_APP_MULTICONNECT', 1), edits: [edit] } } : {}),
      });
    }
  },
};
