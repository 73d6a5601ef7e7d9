import { parseImage } from './image';

/** What a service is in a WhatsApp Business API cluster. */
export type Role = 'db' | 'web' | 'master' | 'coreapp' | 'dbupgrade' | 'other';

/** The roles that make up the cluster proper (they share version, media volume and DB settings). */
export const WA_ROLES: readonly Role[] = ['web', 'master', 'coreapp', 'dbupgrade'];

const DB_IMAGES = new Set(['mysql', 'mariadb', 'postgres', 'postgresql', 'percona', 'percona-server', 'mysql-server']);

export function isTruthyFlag(v: string | undefined): boolean {
  return v !== undefined && /^\s*(1|true|yes|on)\s*$/i.test(v);
}

/**
 * Classifies a service from its image repository (`<registry>/coreapp`, `<registry>/web` under any registry
 * prefix, MySQL/Postgres images), `WA_MASTER_NODE`, `WA_DB_UPGRADE` and, when the image says
 * nothing, its name.
 */
export function classifyRole(name: string, image: string | undefined, env: (name: string) => string | undefined): Role {
  const ref = image ? parseImage(image) : undefined;
  const repo = ref?.name ?? '';
  const lname = name.toLowerCase();
  if (repo === 'coreapp') {
    if (isTruthyFlag(env('WA_DB_UPGRADE')) || /upgrade/.test(lname)) {
      return 'dbupgrade';
    }
    return isTruthyFlag(env('WA_MASTER_NODE')) ? 'master' : 'coreapp';
  }
  if (repo === 'web' && ref && (ref.registry !== undefined || ref.repository.includes('/'))) {
    return 'web';
  }
  if (DB_IMAGES.has(repo)) {
    return 'db';
  }
  if (ref && repo !== '') {
    return 'other';
  }
  // No usable image (e.g. only `build:` or `extends`): fall back to WhatsApp variables and the name.
  if (isTruthyFlag(env('WA_DB_UPGRADE'))) {
    return 'dbupgrade';
  }
  if (isTruthyFlag(env('WA_MASTER_NODE'))) {
    return 'master';
  }
  if (env('COREAPP_HOSTNAME') !== undefined) {
    return 'coreapp';
  }
  if (env('WEBAPP_HOSTNAME') !== undefined || env('WACORE_HOSTNAME') !== undefined) {
    return 'web';
  }
  return 'other';
}
