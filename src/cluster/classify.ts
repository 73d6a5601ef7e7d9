import { type NodeKind } from './types';

/** `2.45.1` from `docker.whatsapp.biz/coreapp:v2.45.1` (or `…:2.45.1`); undefined for other tags. */
export function versionFromImage(image: string | undefined): string | undefined {
  if (!image) {
    return undefined;
  }
  const at = image.indexOf('@');
  const ref = at >= 0 ? image.slice(0, at) : image;
  const colon = ref.lastIndexOf(':');
  if (colon < 0 || ref.slice(colon).includes('/')) {
    return undefined;
  }
  const m = /^v?(\d+\.\d+(?:\.\d+)?)$/.exec(ref.slice(colon + 1));
  return m?.[1];
}

export function normalizeVersion(v: string | undefined): string | undefined {
  return v?.replace(/^v/, '') || undefined;
}

/**
 * What a container is, from its image and environment (masters run the coreapp image with
 * WA_MASTER_NODE=1, wa-api.md §1.2), falling back to the service name.
 */
export function classifyContainer(
  image: string,
  env: Readonly<Record<string, string>>,
  service: string | undefined,
): NodeKind {
  const repo = image.replace(/[:@].*$/, '').toLowerCase();
  const last = repo.split('/').pop() ?? repo;
  if (env.WA_DB_UPGRADE === '1') {
    return 'other';
  }
  if (last === 'coreapp' || last.endsWith('coreapp')) {
    return env.WA_MASTER_NODE === '1' ? 'master' : 'coreapp';
  }
  if (last === 'web' || last.endsWith('-web') || last === 'webapp') {
    return 'web';
  }
  if (/^(mysql|postgres|mariadb|db)$/.test(last) || last.endsWith('-db')) {
    return 'db';
  }
  return classifyName(service ?? '');
}

export function classifyName(name: string): NodeKind {
  const n = name.toLowerCase();
  if (/master/.test(n)) {
    return 'master';
  }
  if (/core/.test(n)) {
    return 'coreapp';
  }
  if (/web/.test(n)) {
    return 'web';
  }
  if (/^(db|mysql|postgres|database)/.test(n)) {
    return 'db';
  }
  return 'other';
}
