import type { Rule } from '../rule';
import { variableOrigin, whatsAppImageVersions } from '../wa';

export const waVersionFormat: Rule = {
  id: 'wa-version-format',
  severity: 'warning',
  description: 'A WhatsApp image version that is not `major.minor.patch`.',
  check({ project, report, t }) {
    for (const v of whatsAppImageVersions(project)) {
      if (/^vv/i.test(v.tag) || /^\d+\.\d+\.\d+$/.test(v.version)) {
        continue;
      }
      const origin = v.use ? variableOrigin(project, v.use) : undefined;
      const name = v.use?.ref.name;
      report({
        span: origin?.span ?? v.imageSpan,
        message: name
          ? t(
              '{0} resolves to `{1}`, not a release number like 2.41.2 (major.minor.patch): WhatsApp images are tagged v<major>.<minor>.<patch>. Use an exact version from the changelog.',
              name,
              v.version,
            )
          : t(
              'The image tag is `{0}`, not a release number like 2.41.2 (major.minor.patch): WhatsApp images are tagged v<major>.<minor>.<patch>. Use an exact version from the changelog.',
              v.version,
            ),
      });
    }
  },
};
