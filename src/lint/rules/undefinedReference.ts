import * as nodePath from 'node:path';
import { getNode, pairOf } from '../../compose/source';
import { isPathLike, type Str } from '../../compose/project';
import type { Rule } from '../rule';

export const undefinedReference: Rule = {
  id: 'undefined-reference',
  severity: 'error',
  description:
    '`depends_on`, `links`, volumes, networks, secrets, configs or `extends` that point nowhere; missing `env_file`.',
  check({ project, report, t }) {
    const services = project.services;
    /** `word(name, services)` words the finding about a reference to a service that does not exist. */
    const svcRef = (s: Str, name: string, word: (name: string, services: string) => string): void => {
      if (!s.unresolved && !services.has(name)) {
        report({ span: s.span, message: word(name, [...services.keys()].join(', ') || t('none')) });
      }
    };
    for (const svc of services.values()) {
      for (const d of svc.dependsOn) {
        svcRef(d, d.value, (name, list) =>
          t(
            '`{0}` depends on `{1}`, but the project has no such service (services: {2}). Fix the name or add the service.',
            svc.name,
            name,
            list,
          ),
        );
      }
      for (const l of svc.links) {
        svcRef(l, l.value.split(':')[0] ?? l.value, (name, list) =>
          t(
            '`{0}` links to `{1}`, but the project has no such service (services: {2}). Fix the name or add the service.',
            svc.name,
            name,
            list,
          ),
        );
      }
      for (const v of svc.volumesFrom) {
        if (!v.value.startsWith('container:')) {
          svcRef(v, v.value.split(':')[0] ?? v.value, (name, list) =>
            t(
              '`{0}` takes volumes from `{1}`, but the project has no such service (services: {2}). Fix the name or add the service.',
              svc.name,
              name,
              list,
            ),
          );
        }
      }
      if (svc.networkMode?.value.startsWith('service:')) {
        svcRef(svc.networkMode, svc.networkMode.value.slice('service:'.length), (name, list) =>
          t(
            '`{0}` shares the network of `{1}`, but the project has no such service (services: {2}). Fix the name or add the service.',
            svc.name,
            name,
            list,
          ),
        );
      }
      for (const m of svc.volumes) {
        if (
          m.type === 'volume' &&
          m.source &&
          !m.unresolved &&
          !isPathLike(m.source) &&
          !project.volumes.has(m.source)
        ) {
          report({
            span: m.span,
            message: t(
              'Volume `{0}` is not declared under the top-level `volumes:`: Compose rejects the file. Declare it (`volumes: {1}`) or use a path (./{0}).',
              m.source,
              `{ ${m.source}: {} }`,
            ),
          });
        }
      }
      for (const n of svc.networks) {
        if (n.value !== 'default' && !project.networks.has(n.value)) {
          report({
            span: n.span,
            message: t(
              'Network `{0}` is not declared under the top-level `networks:`. Declare it (external: true if another project creates it).',
              n.value,
            ),
          });
        }
      }
      for (const s of svc.secrets) {
        if (!project.secrets.has(s.value)) {
          report({
            span: s.span,
            message: t(
              'Secret `{0}` is not declared under the top-level `secrets:`. Declare it with a `file:` or `environment:`.',
              s.value,
            ),
          });
        }
      }
      for (const c of svc.configs) {
        if (!project.configs.has(c.value)) {
          report({
            span: c.span,
            message: t(
              'Config `{0}` is not declared under the top-level `configs:`. Declare it with a `file:` or `content:`.',
              c.value,
            ),
          });
        }
      }
      for (const e of svc.envFiles) {
        if (e.required && !e.exists && !e.path.unresolved) {
          report({
            span: e.path.span,
            message: t(
              'env_file `{0}` does not exist (looked for {1}): Compose stops. Create it or fix the path (or use `required: false`).',
              e.path.value,
              e.resolved,
            ),
          });
        }
      }
      if (svc.extends) {
        const x = svc.extends;
        if (x.file) {
          const file = resolveRel(x.file.source.path, x.file.value);
          if (!project.sources.has(file) && !project.unreadable.some((u) => u.path === file)) {
            report({
              span: x.file.span,
              message: t('`extends.file` `{0}` cannot be read. Fix the path.', x.file.value),
            });
          }
        } else if (!svc.defs.some((d) => hasService(d.source.doc.contents, x.service.value))) {
          report({
            span: x.service.span,
            message: t(
              '`{0}` extends `{1}`, which this file does not define. Fix the name or add `file:`.',
              svc.name,
              x.service.value,
            ),
          });
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
