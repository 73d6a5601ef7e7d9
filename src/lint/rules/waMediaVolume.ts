import type { Mount, Service } from '../../compose/project';
import { addServiceKey, appendToServiceBlock } from '../edits';
import type { Rule } from '../rule';
import { servicesWithRole } from '../wa';

export const MEDIA_PATH = '/usr/local/wamedia';

function mediaMount(svc: Service): Mount | undefined {
  return svc.volumes.find((m) => m.target === MEDIA_PATH);
}

export const waMediaVolume: Rule = {
  id: 'wa-media-volume',
  severity: 'error',
  description: 'Web, masters and coreapps do not all mount the same volume at /usr/local/wamedia.',
  check({ project, report, t }) {
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
        const edit = shared
          ? svc.pairs.has('volumes')
            ? appendToServiceBlock(svc, 'volumes', undefined, line)
            : addServiceKey(svc, 'volumes', [`- ${line}`])
          : undefined;
        report({
          span: svc.keySpan,
          message: shared
            ? t(
                '`{0}` ({1}) does not mount the media volume at {2}: media uploaded through one node will be missing on the others. Mount `{3}` there, as the other nodes do.',
                svc.name,
                svc.role,
                MEDIA_PATH,
                shared,
              )
            : t(
                '`{0}` ({1}) does not mount the media volume at {2}: media uploaded through one node will be missing on the others. Mount one shared volume there, as the other nodes do.',
                svc.name,
                svc.role,
                MEDIA_PATH,
              ),
          ...(edit ? { fix: { title: t('Mount {0} at {1}', source, MEDIA_PATH), edits: [edit] } } : {}),
        });
      } else if (m.source !== shared || m.type === 'tmpfs') {
        const mounted = m.source ? `\`${m.source}\`` : t('an anonymous volume');
        report({
          span: m.span,
          message: shared
            ? t(
                '`{0}` mounts {1} at {2}, but the other nodes mount `{3}`: every web, master and coreapp must share one media volume. Use `{3}:{2}`.',
                svc.name,
                mounted,
                MEDIA_PATH,
                shared,
              )
            : t(
                '`{0}` mounts {1} at {2}, but the nodes do not share one volume: every web, master and coreapp must share one media volume. Use the same named volume everywhere.',
                svc.name,
                mounted,
                MEDIA_PATH,
              ),
        });
      }
    }
  },
};
