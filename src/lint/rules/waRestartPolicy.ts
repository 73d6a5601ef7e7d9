import { addServiceKey, replaceScalar } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

export const waRestartPolicy: Rule = {
  id: 'wa-restart-policy',
  severity: 'info',
  description: 'Masters and coreapps that do not restart after a crash.',
  check({ project, report }) {
    for (const svc of servicesWithRole(project, 'master', 'coreapp')) {
      const r = svc.restart;
      if (r && (r.unresolved || r.value.trim() !== 'no')) {
        continue;
      }
      const edit = r ? replaceScalar(r.source, r.span, 'unless-stopped') : addServiceKey(svc, 'restart', ['unless-stopped']);
      report({
        span: r ? r.span : svc.keySpan,
        message: `\`${svc.name}\` (${svc.role}) ${r ? 'has restart: no' : 'has no restart policy'}: after a crash it stays down and the cluster runs with one node less. Use restart: unless-stopped.`,
        ...(edit ? { fix: { title: 'Use restart: unless-stopped', edits: [edit] } } : {}),
      });
    }
  },
};
