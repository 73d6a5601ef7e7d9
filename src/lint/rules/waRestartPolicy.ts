import { addServiceKey, replaceScalar } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

export const waRestartPolicy: Rule = {
  id: 'wa-restart-policy',
  severity: 'info',
  description: 'Masters and coreapps that do not restart after a crash.',
  check({ project, report, t }) {
    for (const svc of servicesWithRole(project, 'master', 'coreapp')) {
      const r = svc.restart;
      if (r && (r.unresolved || r.value.trim() !== 'no')) {
        continue;
      }
      const edit = r
        ? replaceScalar(r.source, r.span, 'unless-stopped')
        : addServiceKey(svc, 'restart', ['unless-stopped']);
      report({
        span: r ? r.span : svc.keySpan,
        message: r
          ? t(
              '`{0}` ({1}) has restart: no: after a crash it stays down and the cluster runs with one node less. Use restart: unless-stopped.',
              svc.name,
              svc.role,
            )
          : t(
              '`{0}` ({1}) has no restart policy: after a crash it stays down and the cluster runs with one node less. Use restart: unless-stopped.',
              svc.name,
              svc.role,
            ),
        ...(edit ? { fix: { title: t('Use restart: unless-stopped'), edits: [edit] } } : {}),
      });
    }
  },
};
