import * as nodePath from 'node:path';
import { getNode, pairOf } from '../../compose/source';
import { isPathLike, type Str } from '../../compose/project';
import type { Rule } from '../rule';

export const undefinedReference: Rule = {
  id: 'undefined-reference',
  severity: 'error',
  description: '`depends_on`, `links`, volumes, networks, secrets, configs or `extends` that point nowhere; missing `env_file`.',
  check({ project, report }) {
    const services = project.services;
    const svcRef = (s: Str, what: string, name: string): void => {
      if (!s.unresolved && !services.has(name)) {
        report({ span: s.span, message: `${what} \`${name}\`, but the project has no such service (services: ${[...services.keys()].join(', ') || 'none'}). Fix the name or add the service.` });
      }
    };
    for (const svc of services.values()) {
      for (const d of svc.dependsOn) {
        svcRef(d, `\`${svc.name}\` depends on`, d.value);
      }
      for (const l of svc.links) {
        svcRef(l, `\`${svc.name}\` links to`, l.value.split(':')[0] ?? l.value);
      }
      for (const v of svc.volumesFrom) {
        if (!v.value.startsWith('container:')) {
          svcRef(v, `\`${svc.name}\` takes volumes from`, v.value.split(':')[0] ?? v.value);
        }
      }
      if (svc.networkMode?.value.startsWith('service:')) {
        svcRef(svc.networkMode, `\`${svc.name}\` shares the network of`, svc.networkMode.value.slice('service:'.length));
      }
      for (const m of svc.volumes) {
        if (m.type === 'volume' && m.source && !m.unresolved && !isPathLike(m.source) && !project.volumes.has(m.source)) {
          report({ span: m.span, message: `Volume \`${m.source}\` is not declared under the top-level \`volumes:\`: Compose rejects the file. Declare it (\`volumes: { ${m.source}: {} }\`) or use a path (./${m.source}).` });
        }
      }
      for (const n of svc.networks) {
        if (n.value !== 'default' && !project.networks.has(n.value)) {
          report({ span: n.span, message: `Network \`${n.value}\` is not declared under the top-level \`networks:\`. Declare it (external: true if another project creates it).` });
        }
      }
      for (const s of svc.secrets) {
        if (!project.secrets.has(s.value)) {
          report({ span: s.span, message: `Secret \`${s.value}\` is not declared under the top-level \`secrets:\`. Declare it with a \`file:\` or \`environment:\`.` });
        }
      }
      for (const c of svc.configs) {
        if (!project.configs.has(c.value)) {
          report({ span: c.span, message: `Config \`${c.value}\` is not declared under the top-level \`configs:\`. Declare it with a \`file:\` or \`content:\`.` });
        }
      }
      for (const e of svc.envFiles) {
        if (e.required && !e.exists && !e.path.unresolved) {
          report({ span: e.path.span, message: `env_file \`${e.path.value}\` does not exist (looked for ${e.resolved}): Compose stops. Create it or fix the path (or use \`required: false\`).` });
        }
      }
      if (svc.extends) {
        const x = svc.extends;
        if (x.file) {
          if (!project.sources.has(resolveRel(x.file.source.path, x.file.value))) {
            report({ span: x.file.span, message: `\`extends.file\` \`${x.file.value}\` cannot be read. Fix the path.` });
          }
        } else if (!svc.defs.some((d) => hasService(d.source.doc.contents, x.service.value))) {
          report({ span: x.service.span, message: `\`${svc.name}\` extends \`${x.service.value}\`, which this file does not define. Fix the name or add \`file:\`.` });
        }
      }
    }
  },
};


function resolveRel(from: string, rel: string): string {
  return nodePath.resolve(nodePath.dirname(from), rel);
}

function hasService(contents: unknown, name: string): boolean {
  return pairOf(getNode(contents, 'services'), name) !== undefined;
}
