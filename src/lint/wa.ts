import { parseImage } from '../compose/image';
import type { EnvValue, Project, Service, VarUse } from '../compose/project';
import { isTruthyFlag, type Role } from '../compose/roles';
import type { Span } from '../compose/types';

export { isTruthyFlag };

export function servicesWithRole(project: Project, ...roles: Role[]): Service[] {
  return [...project.services.values()].filter((s) => roles.includes(s.role));
}

/** A cluster: at least one master, or any node in multiconnect mode. */
export function isCluster(project: Project): boolean {
  return [...project.services.values()].some(
    (s) =>
      s.role === 'master' ||
      (['web', 'coreapp'].includes(s.role) && isTruthyFlag(s.environment.get('WA_APP_MULTICONNECT')?.value)),
  );
}

export interface ImageVersion {
  service: Service;
  /** The image tag after interpolation (e.g. `v2.41.2`). */
  tag: string;
  /** The version the tag stands for (one leading `v` removed). */
  version: string;
  /** Where the image is written. */
  imageSpan: Span;
  /** Whether the raw tag is `v` followed by a variable (vendor style `v${WA_API_VERSION}`). */
  vPrefixedVariable: boolean;
  /** The variable use that supplies the tag, when there is one. */
  use?: VarUse;
}

/**
 * The resolved image versions of the WhatsApp services (web, masters, coreapps, dbupgrade) whose
 * tag is known, in service order. The variable uses are grouped by node once, so a project of n
 * services costs O(n), not O(n²).
 */
export function whatsAppImageVersions(project: Project): ImageVersion[] {
  const usesByNode = new Map<unknown, VarUse[]>();
  for (const u of project.varUses) {
    const list = usesByNode.get(u.node);
    if (list) {
      list.push(u);
    } else {
      usesByNode.set(u.node, [u]);
    }
  }
  const out: ImageVersion[] = [];
  for (const svc of servicesWithRole(project, 'web', 'master', 'coreapp', 'dbupgrade')) {
    const v = imageVersion(svc, usesByNode.get(svc.image?.node) ?? []);
    if (v) {
      out.push(v);
    }
  }
  return out;
}

/** The resolved image version of a service, when the tag is known; `uses` are the variable uses in its image. */
function imageVersion(svc: Service, uses: readonly VarUse[]): ImageVersion | undefined {
  const img = svc.image;
  if (!img || img.unresolved) {
    return undefined;
  }
  const ref = parseImage(img.value);
  if (ref.tag === undefined || ref.tag === '' || ref.tag === 'v') {
    return undefined;
  }
  const tagAt = rawTagStart(img.raw);
  const rawTag = tagAt < 0 ? '' : img.raw.slice(tagAt);
  const use = uses.find((u) => rawTag.includes(img.raw.slice(u.ref.start, u.ref.end)));
  return {
    service: svc,
    tag: ref.tag,
    version: ref.tag.replace(/^v/, ''),
    imageSpan: img.span,
    vPrefixedVariable: /^v\$/.test(rawTag),
    ...(use ? { use } : {}),
  };
}

/** Where the value of a variable used in an image comes from, for pointing at it and fixing it. */
export type VariableOrigin = { span: Span; contentStart: number; fixable: boolean } &
  /** The `${VAR:-default}` of the compose file, an env file (`file`: its base name), or the shell environment. */
  ({ from: 'default' } | { from: 'dotenv'; file: string } | { from: 'environment' });

export function variableOrigin(project: Project, use: VarUse): VariableOrigin | undefined {
  if (use.ref.usedDefault && use.argSpan) {
    return { span: use.argSpan, contentStart: use.argSpan.start, fixable: true, from: 'default' };
  }
  const v = project.variables.get(use.ref.name);
  if (v?.origin === 'dotenv' && v.entry) {
    return {
      span: v.entry.valueSpan,
      contentStart: v.entry.contentStart,
      fixable: true,
      from: 'dotenv',
      file: (v.file ?? '.env').split(/[\\/]/).pop() ?? '.env',
    };
  }
  if (v?.origin === 'environment') {
    return { span: use.span, contentStart: use.span.start, fixable: false, from: 'environment' };
  }
  return undefined;
}

export function env(svc: Service, name: string): EnvValue | undefined {
  return svc.environment.get(name);
}

/** Whether `host` is a bare name (no dots, not an IP, not localhost) that only DNS of a compose network can resolve. */
export function isServiceLikeName(host: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(host) && host !== 'localhost' && !/^\d+$/.test(host);
}

/** The service a host name refers to on the compose network (service name, hostname or container_name). */
export function serviceByHost(project: Project, host: string): Service | undefined {
  return (
    project.services.get(host) ??
    [...project.services.values()].find((s) => s.hostname?.value === host || s.containerName?.value === host)
  );
}

export function listNames(names: string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}

/** Where the tag starts in a raw image reference (after the last `:` outside `${…}` and after the last `/`), or -1. */
export function rawTagStart(raw: string): number {
  let depth = 0;
  let colon = -1;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '$' && raw[i + 1] === '{') {
      depth++;
      i++;
    } else if (c === '}' && depth > 0) {
      depth--;
    } else if (depth === 0 && c === '/') {
      colon = -1;
    } else if (depth === 0 && c === ':') {
      colon = i;
    } else if (depth === 0 && c === '@') {
      break;
    }
  }
  return colon < 0 ? -1 : colon + 1;
}
