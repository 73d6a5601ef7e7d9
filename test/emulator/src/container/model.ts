// Cluster state kept in the emulated database, shared by web, masters and coreapps.
import { envNumber } from './util';

export interface NodeRow {
  key: string;
  name: string;
  cid: string;
  role: 'master' | 'coreapp';
  version: string;
  host: string;
  ports: number[];
  multiconnect: boolean;
  startedAt: number;
  lastSeen?: number;
}

export interface Registration {
  cc: string;
  phone_number: string;
  vname: string;
  verified: boolean;
  registeredAt: number;
}

export interface PendingRegistration {
  cc: string;
  phone_number: string;
  vname: string;
  method: string;
  code: string;
  at: number;
}

export interface ShardMap {
  owners: (string | null)[];
}

export const KEYS = {
  schema: 'schema',
  registration: 'registration',
  pending: 'registration/pending',
  shards: 'shards',
  shardmap: 'shardmap',
  settings: 'settings/application',
  nodes: 'nodes/',
  users: 'users/',
  tokens: 'tokens/',
};

export const MASTER_LEASE = 'master';
export const ALLOWED_SHARDS = [1, 2, 4, 8, 16, 32];

/** How long a node row stays visible after its last refresh (ms). Our choice. */
export const NODE_TTL_MS = envNumber('WA_EMULATOR_NODE_TTL_MS', 30000);

export type AppSettings = Record<string, unknown> & { heartbeat_interval: number; unhealthy_interval: number };

/** Defaults of `/v1/settings/application` (wa-api.md §2.8); the two failover tunables can be preset by env. */
export function defaultSettings(): AppSettings {
  return {
    callback_persist: true,
    callback_backoff_delay_ms: 3000,
    max_callback_backoff_delay_ms: 900000,
    media: { auto_download: [] },
    pass_through: false,
    sent_status: false,
    heartbeat_interval: envNumber('WA_EMULATOR_HEARTBEAT_INTERVAL', 5),
    unhealthy_interval: envNumber('WA_EMULATOR_UNHEALTHY_INTERVAL', 30),
    webhooks: { url: '', max_concurrent_requests: 6 },
    notify_user_change_number: false,
    show_security_notifications: false,
    db_garbagecollector_enable: true,
  };
}

export function effectiveSettings(stored: unknown): AppSettings {
  const d = defaultSettings();
  if (!stored || typeof stored !== 'object') {
    return d;
  }
  const out: Record<string, unknown> = { ...d };
  for (const [k, v] of Object.entries(stored as Record<string, unknown>)) {
    const base = out[k];
    out[k] =
      base && typeof base === 'object' && !Array.isArray(base) && v && typeof v === 'object' && !Array.isArray(v)
        ? { ...base, ...v }
        : v;
  }
  return out as AppSettings;
}
