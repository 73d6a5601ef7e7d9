/**
 * The `.wabackup` file written by "Write Backup File…" and read by "Restore": the API's encrypted settings
 * blob (`POST /v1/settings/backup`, wa-api.md §2.7) plus what the cluster looked like when it was
 * taken, so a restore can warn about a different shard layout or version before it is attempted.
 * No secret is ever part of the file except the encrypted blob itself.
 */
import { z } from 'zod';
import { normalizeVersion } from './classify';

export const BACKUP_FORMAT = 'wa-cluster-backup/1';
export const BACKUP_EXTENSION = 'wabackup';
/** Sub-folder of the cluster's folder where backups go by default. */
export const BACKUP_FOLDER = 'backups';

const backupFileSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  project: z.string().min(1),
  apiUrl: z.string(),
  version: z.string().nullable(),
  shards: z.number().int().positive().nullable(),
  createdAt: z.string().refine((s) => Number.isFinite(Date.parse(s)), 'not a date'),
  data: z.string().min(1),
});

export type BackupFile = z.infer<typeof backupFileSchema>;

export type BackupParseProblem =
  /** not JSON at all (a different file, or truncated) */
  | { readonly kind: 'notJson' }
  /** JSON, but not a wa-cluster backup */
  | { readonly kind: 'notBackup' }
  /** a wa-cluster backup of a format this version does not read */
  | { readonly kind: 'unsupportedFormat'; readonly format: string }
  /** the right format, but fields are missing or wrong (edited or corrupted) */
  | { readonly kind: 'invalid'; readonly detail: string };

export type BackupParseResult =
  { readonly ok: true; readonly value: BackupFile } | { readonly ok: false; readonly problem: BackupParseProblem };

export interface BackupInput {
  readonly project: string;
  readonly apiUrl: string;
  readonly version: string | undefined;
  readonly shards: number | null | undefined;
  readonly createdAt: Date;
  readonly data: string;
}

export function buildBackupFile(i: BackupInput): BackupFile {
  return {
    format: BACKUP_FORMAT,
    project: i.project,
    apiUrl: i.apiUrl,
    version: normalizeVersion(i.version) ?? null,
    shards: i.shards ?? null,
    createdAt: i.createdAt.toISOString(),
    data: i.data,
  };
}

export function serializeBackupFile(b: BackupFile): string {
  return `${JSON.stringify(b, null, 2)}\n`;
}

export function parseBackupFile(text: string): BackupParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, problem: { kind: 'notJson' } };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problem: { kind: 'notBackup' } };
  }
  const format = (json as { format?: unknown }).format;
  if (typeof format !== 'string' || !format.startsWith('wa-cluster-backup/')) {
    return { ok: false, problem: { kind: 'notBackup' } };
  }
  if (format !== BACKUP_FORMAT) {
    return { ok: false, problem: { kind: 'unsupportedFormat', format } };
  }
  const p = backupFileSchema.safeParse(json);
  if (!p.success) {
    const detail = p.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ');
    return { ok: false, problem: { kind: 'invalid', detail } };
  }
  return { ok: true, value: p.data };
}

/** `<project>-<UTC stamp>.wabackup`, e.g. `biz-20260101T120000Z.wabackup`; safe on every file system. */
export function backupFileName(project: string, when: Date): string {
  const stamp = when
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  const safe = project.replace(/[^A-Za-z0-9._-]+/g, '_') || 'cluster';
  return `${safe}-${stamp}.${BACKUP_EXTENSION}`;
}

export interface BackupMismatch {
  /** Shard counts differ: the documented restore fails (wa-api.md §2.7, "same shard layout"). */
  readonly shards?: { readonly backup: number; readonly cluster: number };
  readonly version?: { readonly backup: string; readonly cluster: string };
}

/** What differs between the backup and the running cluster (only what is known on both sides). */
export function compareWithCluster(
  b: BackupFile,
  cluster: { readonly version: string | undefined; readonly shards: number | null | undefined },
): BackupMismatch {
  const out: { shards?: BackupMismatch['shards']; version?: BackupMismatch['version'] } = {};
  if (b.shards !== null && typeof cluster.shards === 'number' && b.shards !== cluster.shards) {
    out.shards = { backup: b.shards, cluster: cluster.shards };
  }
  const bv = normalizeVersion(b.version ?? undefined);
  const cv = normalizeVersion(cluster.version);
  if (bv && cv && bv !== cv) {
    out.version = { backup: bv, cluster: cv };
  }
  return out;
}
