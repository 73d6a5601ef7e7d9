import type { Rule, SpanEdit } from '../rule';
import { variableOrigin, whatsAppImageVersions } from '../wa';

export const waVersionPrefix: Rule = {
  id: 'wa-version-prefix',
  severity: 'error',
  description: '`WA_API_VERSION` with a leading `v` while the image tag already adds one (`vv2.41.2`).',
  check({ project, report, t }) {
    for (const v of whatsAppImageVersions(project)) {
      if (!/^vv/i.test(v.tag)) {
        continue;
      }
      const use = v.vPrefixedVariable ? v.use : undefined;
      const origin = use ? variableOrigin(project, use) : undefined;
      if (use && origin) {
        const name = use.ref.name;
        const edit: SpanEdit = {
          span: { file: origin.span.file, start: origin.contentStart, end: origin.contentStart + 1 },
          newText: '',
        };
        const args = [name, v.tag.slice(1), v.tag, v.version.replace(/^v/, '')];
        let message: string;
        if (origin.from === 'default') {
          message = t(
            '{0} is `{1}` (from the default in the compose file), but the image tag already adds a `v`: Compose pulls `…:{2}`, which does not exist. Write the bare number: {0}={3}.',
            ...args,
          );
        } else if (origin.from === 'dotenv') {
          message = t(
            '{0} is `{1}` (from {4}), but the image tag already adds a `v`: Compose pulls `…:{2}`, which does not exist. Write the bare number: {0}={3}.',
            ...args,
            origin.file,
          );
        } else {
          message = t(
            '{0} is `{1}` (from the shell environment), but the image tag already adds a `v`: Compose pulls `…:{2}`, which does not exist. Write the bare number: {0}={3}.',
            ...args,
          );
        }
        report({
          span: origin.span,
          message,
          ...(origin.fixable ? { fix: { title: t('Remove the leading "v" from {0}', name), edits: [edit] } } : {}),
        });
      } else {
        const written = project.sources.get(v.imageSpan.file)?.text.slice(v.imageSpan.start, v.imageSpan.end) ?? '';
        const at = written.indexOf('vv');
        const fixable = at >= 0 && v.service.image !== undefined && !v.service.image.raw.includes('$');
        const start = v.imageSpan.start + at;
        report({
          span: v.imageSpan,
          message: t(
            'The image tag `{0}` has two `v`s: no such tag exists. Use `v{1}`.',
            v.tag,
            v.version.replace(/^v/, ''),
          ),
          ...(fixable
            ? {
                fix: {
                  title: t('Remove the extra "v"'),
                  edits: [{ span: { file: v.imageSpan.file, start, end: start + 1 }, newText: '' }],
                },
              }
            : {}),
        });
      }
    }
  },
};
