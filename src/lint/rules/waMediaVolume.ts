import type { Mount, Service } from '../../compose/project';
import { addServiceKey, appendToServiceBlock } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

export const MEDIA_PATH = '/usr/local/wamedia';

function mediaMount(svc: Service): Mount | undefined {
  return svc.volumes.find((m) => m.target === MEDIA_PATH);
}

function describeSource(m: Mount): string {
  return m.source ? `\`${m.source}\`` : 'an anonymous volume';
}

export const waMediaVolume: Rule = {
  id: 'wa-media-volume',
  severity: 'error',
  description: 'Web, masters and coreapps do not all mount the same volume at /usr/local/wamedia.',
  check({ project, report }) {
    const nodes = servicesWithRole(project, 'web', 'master', 'coreapp');
    if (nodes.length < 2) {
      return;
    }
    const bySource = new Map<string, Service[]>();
    for (const svc of nodes) {
      const m = mediaMount(svc);
      if (m?.source && !m.unresolved && m.type !== 'tmpfs') {
        bySource.set(m.source, [...(bySource.get(m.source) ?? []), svc]);
      }
    }
    const shared = [...bySource.entries()].sort((a, b) => b[1].length - a[1].length)[0]?.[0];
    for (const svc of nodes) {
      const m = mediaMount(svc);
      if (m?.unresolved) {
        continue;
      }
      if (!m) {
        const source = shared ?? 'whatsappMedia';
        const line = `${source}:${MEDIA_PATH}`;
        const edit = shared ? (svc.pairs.has('volumes') ? appendToServiceBlock(svc, 'volumes', line, line) : addServiceKey(svc, 'volumes', [`- ${line}`])) : undefined;
        report({
          span: svc.keySpan,
          message: `\`${svc.name}\` (${svc.role}) does not mount the media volume at ${MEDIA_PATH}: media uploaded through one node will be missing on the others. Mount ${shared ? `\`${shared}\`` : 'one shared volume'} there, as the other nodes do.`,
          ...(edit ? { fix: { title: `Mount ${source} at ${MEDIA_PATH}`, edits: [edit] } } : {}),
        });
      } else if (m.source !== shared || m.type === 'tmpfs') {
        report({
          span: m.span,
          message: `\`${svc.name}\` mounts ${describeSource(m)} at ${MEDIA_PATH}, but ${shared ? `the other nodes mount \`${shared}\`` : 'the nodes do not share one volume'}: every web, master and coreapp must share one media volume. Use ${shared ? `\`${shared}:${MEDIA_PATH}\`` : 'the same named volume everywhere'}.`,
        });
      }
    }
  },
};
