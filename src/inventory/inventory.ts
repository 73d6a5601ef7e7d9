// The cluster inventory (`wa-cluster.inventory.yml`): which Docker hosts make up one cluster, how
// each engine is reached and which compose/env files run there (the vendor's production layout,
// wa-api.md §1.3 prod-multiconnect-compose.yml: the same file on every host, per-host
// EXTERNAL_HOSTNAME and host ports, the database external). Pure: parsing and validation only.
import * as nodePath from 'node:path';
import { z } from 'zod';
import { type ComposeSource, nodeSpan, parseCompose } from '../compose/source';
import type { Span } from '../compose/types';

export const DEFAULT_INVENTORY_FILE = 'wa-cluster.inventory.yml';

/** Whether a file name is an inventory (`wa-cluster.inventory.yml` or any `*.inventory.y(a)ml`). */
export function isInventoryFile(file: string): boolean {
  return /(^|[\\/])[^\\/]*\.inventory\.ya?ml$/i.test(file);
}

const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/;
const DOCKER_URL = /^(unix|tcp|ssh|npipe):\/\/\S+$/;
const FINGERPRINT = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

const hostSchema = z
  .strictObject({
    /** A Docker context name (`docker context ls`) or a DOCKER_HOST-style URL. */
    docker: z.string().refine((s) => CONTEXT_NAME.test(s) || DOCKER_URL.test(s), {
      message: 'must be a Docker context name or a URL: unix:///var/run/docker.sock, ssh://user@host, tcp://host:2376',
    }),
    /** Client certificates for tcp:// with TLS (what DOCKER_CERT_PATH holds as ca.pem, cert.pem, key.pem). */
    tls: z.strictObject({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).optional(),
    /** For ssh://: the private key and the known_hosts file that pins the host's key (default: the ssh agent, ~/.ssh/known_hosts). */
    ssh: z
      .strictObject({ identityFile: z.string().min(1).optional(), knownHostsFile: z.string().min(1).optional() })
      .optional(),
    /** Compose files in `-f` order, relative to the inventory. */
    compose: z.array(z.string().min(1)).min(1),
    /** `--env-file`s (interpolation: EXTERNAL_HOSTNAME, ports, WA_API_VERSION); later ones win. Default: `.env` beside the first compose file. */
    env: z.array(z.string().min(1)).optional(),
  })
  .superRefine((h, ctx) => {
    if (h.tls && !h.docker.startsWith('tcp://')) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'tls is only for tcp:// endpoints' });
    }
    if (h.ssh && !h.docker.startsWith('ssh://')) {
      ctx.addIssue({ code: 'custom', path: ['ssh'], message: 'ssh is only for ssh:// endpoints' });
    }
  });

export const inventorySchema = z.strictObject({
  /** Shards the cluster runs (POST /v1/account/shards, wa-api.md §2.5); sizes the coreapp check. */
  shards: z
    .number()
    .refine((n) => [1, 2, 4, 8, 16, 32].includes(n), { message: 'must be 1, 2, 4, 8, 16 or 32' })
    .optional(),
  web: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      caFile: z.string().min(1).optional(),
      certificateFingerprint: z
        .string()
        .regex(FINGERPRINT, 'must be a SHA-256 fingerprint: 32 hex pairs separated by colons')
        .optional(),
    })
    .optional(),
  /** The external database every host's WA_DB_HOSTNAME should name. */
  database: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535).optional() }).optional(),
  hosts: z
    .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'host names: letters, digits, . _ -'), hostSchema)
    .refine((h) => Object.keys(h).length > 0, { message: 'list at least one host' }),
});
export type InventoryData = z.infer<typeof inventorySchema>;

/** How one host's engine is reached: a named Docker context, or a URL with its key material (absolute paths). */
export type DockerTarget =
  | { kind: 'context'; name: string }
  | {
      kind: 'url';
      url: string;
      tls?: { ca: string; cert: string; key: string };
      ssh?: { identityFile?: string; knownHostsFile?: string };
    };

export interface InventoryHost {
  name: string;
  docker: DockerTarget;
  /** Absolute compose file paths, `-f` order. */
  composeFiles: string[];
  /** Absolute `--env-file` paths. */
  envFiles: string[];
  /** Where the host is written (its key), the `docker:` value, and each compose/env item. */
  spans: { key: Span; docker: Span; compose: Span[]; env: Span[] };
}

export interface Inventory {
  path: string;
  dir: string;
  shards: number;
  web?: { url: string; caFile?: string; certificateFingerprint?: string };
  database?: { host: string; port?: number };
  hosts: InventoryHost[];
  /** The `hosts:` key (cluster-wide findings point here), and `shards:` when written. */
  spans: { hosts: Span; shards?: Span };
}

export interface InventoryIssue {
  span: Span;
  /** Dotted path of the offending field, e.g. `hosts.b.docker`. */
  path: string;
  message: string;
}

export interface LoadedInventory {
  source: ComposeSource;
  /** Undefined when the file does not validate (see issues). */
  inventory?: Inventory;
  issues: InventoryIssue[];
}

/** Parses and validates an inventory; never throws. Paths in it are resolved against its folder. */
export function loadInventory(path: string, text: string): LoadedInventory {
  const source = parseCompose(path, text);
  const whole: Span = {
    file: path,
    start: 0,
    end: Math.min(text.length, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')),
  };
  const spanAt = (p: readonly PropertyKey[]): Span => {
    // A bad block (map or list written over several lines): underline its key, not the block.
    const last = p[p.length - 1];
    const value = source.doc.getIn(p, true) as { items?: unknown; flow?: boolean } | undefined;
    if (typeof last === 'string' && value?.items !== undefined && !value.flow) {
      const k = keySpan(source, p.slice(0, -1) as (string | number)[], last);
      if (k) {
        return k;
      }
    }
    for (let n = p.length; n >= 0; n--) {
      const node = source.doc.getIn(p.slice(0, n), true);
      // Point at the key of a missing/bad entry when the value has no useful range.
      const span = nodeSpan(path, node);
      if (span && span.end > span.start) {
        return span;
      }
    }
    return whole;
  };
  if (source.problems.some((p) => !p.warning)) {
    return {
      source,
      issues: source.problems.filter((p) => !p.warning).map((p) => ({ span: p.span, path: '', message: p.message })),
    };
  }
  const parsed = inventorySchema.safeParse(source.doc.toJS());
  if (!parsed.success) {
    return {
      source,
      issues: parsed.error.issues.map((i) => {
        const p = i.path.filter((k): k is string | number => typeof k !== 'symbol');
        // An unknown key: point at the key itself.
        const keys = i.code === 'unrecognized_keys' ? i.keys : [];
        const span = keys[0] !== undefined ? (keySpan(source, [...p], keys[0]) ?? spanAt(p)) : spanAt(p);
        return { span, path: [...p, ...keys.slice(0, 1)].join('.'), message: i.message };
      }),
    };
  }
  const d = parsed.data;
  const dir = nodePath.dirname(path);
  const abs = (f: string): string => (nodePath.isAbsolute(f) ? f : nodePath.join(dir, f));
  const hosts: InventoryHost[] = Object.entries(d.hosts).map(([name, h]) => {
    const docker: DockerTarget = DOCKER_URL.test(h.docker)
      ? {
          kind: 'url',
          url: h.docker,
          ...(h.tls ? { tls: { ca: abs(h.tls.ca), cert: abs(h.tls.cert), key: abs(h.tls.key) } } : {}),
          ...(h.ssh
            ? {
                ssh: {
                  ...(h.ssh.identityFile ? { identityFile: abs(h.ssh.identityFile) } : {}),
                  ...(h.ssh.knownHostsFile ? { knownHostsFile: abs(h.ssh.knownHostsFile) } : {}),
                },
              }
            : {}),
        }
      : { kind: 'context', name: h.docker };
    return {
      name,
      docker,
      composeFiles: h.compose.map(abs),
      envFiles: (h.env ?? []).map(abs),
      spans: {
        key: keySpan(source, ['hosts'], name) ?? spanAt(['hosts', name]),
        docker: spanAt(['hosts', name, 'docker']),
        compose: h.compose.map((_, i) => spanAt(['hosts', name, 'compose', i])),
        env: (h.env ?? []).map((_, i) => spanAt(['hosts', name, 'env', i])),
      },
    };
  });
  const inventory: Inventory = {
    path,
    dir,
    shards: d.shards ?? 1,
    hosts,
    ...(d.web
      ? {
          web: {
            url: d.web.url,
            ...(d.web.caFile ? { caFile: abs(d.web.caFile) } : {}),
            ...(d.web.certificateFingerprint ? { certificateFingerprint: d.web.certificateFingerprint } : {}),
          },
        }
      : {}),
    ...(d.database ? { database: d.database } : {}),
    spans: {
      hosts: keySpan(source, [], 'hosts') ?? whole,
      ...(d.shards !== undefined ? { shards: spanAt(['shards']) } : {}),
    },
  };
  return { source, inventory, issues: [] };
}

/** The span of a key inside the map at `mapPath`. */
function keySpan(source: ComposeSource, mapPath: (string | number)[], key: string): Span | undefined {
  const map = mapPath.length === 0 ? source.doc.contents : source.doc.getIn(mapPath, true);
  const items = (map as { items?: { key?: unknown }[] } | null)?.items ?? [];
  for (const item of items) {
    const k = item.key as { value?: unknown } | undefined;
    if (k && String(k.value) === key) {
      return nodeSpan(source.path, k);
    }
  }
  return undefined;
}
