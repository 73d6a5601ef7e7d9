import type { Rule } from '../rule';
import { rawTagStart, whatsAppImageVersions, type ImageVersion } from '../wa';

export const waVersionMismatch: Rule = {
  id: 'wa-version-mismatch',
  severity: 'error',
  description: 'Web, masters, coreapps and dbupgrade resolve to different versions.',
  check({ project, report, t }) {
    const versions = whatsAppImageVersions(project);
    const counts = new Map<string, ImageVersion[]>();
    for (const v of versions) {
      const same = counts.get(v.version);
      if (same) {
        same.push(v);
      } else {
        counts.set(v.version, [v]);
      }
    }
    if (counts.size < 2) {
      return;
    }
    const [majority, majorityList] = [...counts.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    for (const v of versions) {
      if (v.version === majority) {
        continue;
      }
      const img = v.service.image;
      const tagAt = img ? rawTagStart(img.raw) : -1;
      const literal = img !== undefined && tagAt >= 0 && !img.raw.slice(tagAt).includes('$');
      const src = project.sources.get(v.imageSpan.file);
      const written = src?.text.slice(v.imageSpan.start, v.imageSpan.end) ?? '';
      const tagInSource = literal && img ? written.lastIndexOf(img.raw.slice(tagAt)) : -1;
      const newTag = (v.tag.startsWith('v') ? 'v' : '') + majority;
      report({
        span: v.imageSpan,
        message: t(
          '`{0}` runs version {1}, but {2} run {3}: every web, master, coreapp (and dbupgrade) node must run the same version. Use one WA_API_VERSION for all of them.',
          v.service.name,
          v.version,
          majorityList.map((m) => `\`${m.service.name}\``).join(', '),
          majority,
        ),
        ...(tagInSource >= 0 && img
          ? {
              fix: {
                title: t('Use version {0}', majority),
                edits: [
                  {
                    span: {
                      file: v.imageSpan.file,
                      start: v.imageSpan.start + tagInSource,
                      end: v.imageSpan.start + tagInSource + img.raw.length - tagAt,
                    },
                    newText: newTag,
                  },
                ],
              },
            }
          : {}),
      });
    }
  },
};
