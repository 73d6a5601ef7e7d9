import type { Rule, SpanEdit } from '../rule';
import { imageVersion, servicesWithRole, variableOrigin } from '../wa';

export const waVersionPrefix: Rule = {
  id: 'wa-version-prefix',
  severity: 'error',
  description: '`WA_API_VERSION` with a leading `v` while the image tag already adds one (`vv2.41.2`).',
  check({ project, report }) {
    for (const svc of servicesWithRole(project, 'web', 'master', 'coreapp', 'dbupgrade')) {
      const v = imageVersion(project, svc);
      if (!v || !/^vv/i.test(v.tag)) {
        continue;
      }
      const origin = v.use && v.vPrefixedVariable ? variableOrigin(project, v.use) : undefined;
      const name = v.use?.ref.name ?? 'the version';
      if (origin) {
        const edit: SpanEdit = { span: { file: origin.span.file, start: origin.contentStart, end: origin.contentStart + 1 }, newText: '' };
        report({
          span: origin.span,
          message: `${name} is \`${v.tag.slice(1)}\` (from ${origin.where}), but the image tag already adds a \`v\`: Compose pulls \`…:${v.tag}\`, which does not exist. Write the bare number: ${name}=${v.version.replace(/^v/, '')}.`,
          ...(origin.fixable ? { fix: { title: `Remove the leading "v" from ${name}`, edits: [edit] } } : {}),
        });
      } else {
        const written = project.sources.get(v.imageSpan.file)?.text.slice(v.imageSpan.start, v.imageSpan.end) ?? '';
        const at = written.indexOf('vv');
        const fixable = at >= 0 && svc.image !== undefined && !svc.image.raw.includes('$');
        const start = v.imageSpan.start + at;
        report({
          span: v.imageSpan,
          message: `The image tag \`${v.tag}\` has two \`v\`s: no such tag exists. Use \`v${v.version.replace(/^v/, '')}\`.`,
          ...(fixable ? { fix: { title: 'Remove the extra "v"', edits: [{ span: { file: v.imageSpan.file, start, end: start + 1 }, newText: '' }] } } : {}),
        });
      }
    }
  },
};
