import { ApiError, type ApiErrorItem } from './errors';
import {
  GATEWAY_STATUSES,
  HEALTH_ROLES,
  type GatewayStatus,
  type HealthRole,
  errorItemSchema,
  healthNodeSchema,
  healthResponseSchema,
} from './schemas';
import { type Result, err, ok } from '../util/result';

/** One node as `/v1/health` reports it. */
export interface HealthEntry {
  /** The raw key, e.g. `wacore1:35a5fabfc79d` ('' for a single instance). */
  readonly key: string;
  /** Part before the last ':' — most likely COREAPP_HOSTNAME. */
  readonly hostname: string;
  /** Part after the last ':' — most likely the container's hostname (Docker's 12-char short id). */
  readonly containerId: string | undefined;
  readonly gatewayStatus: GatewayStatus | undefined;
  /** Set when the server sent a gateway_status outside the documented vocabulary. */
  readonly unknownGatewayStatus: string | undefined;
  readonly role: HealthRole | undefined;
  readonly unknownRole: string | undefined;
  readonly errors: readonly ApiErrorItem[];
}

export interface HealthReport {
  /** `single`: `{"health": {"gateway_status": …}}`; `cluster`: one entry per master/coreapp. */
  readonly mode: 'single' | 'cluster';
  readonly entries: readonly HealthEntry[];
  /** `meta.version`, e.g. `v2.45.1`. */
  readonly version: string | undefined;
}

/**
 * Parses a `/v1/health` body (already JSON-decoded). Unknown gateway/role values are kept (and
 * flagged) so a newer server degrades gracefully; anything that is not the documented shape is a
 * typed `malformed` error. Never throws.
 */
export function parseHealth(body: unknown): Result<HealthReport, ApiError> {
  const top = healthResponseSchema.safeParse(body);
  if (!top.success) {
    return err(new ApiError('malformed', `Not a /v1/health response: ${describeIssue(top.error)}`));
  }
  const { health, meta } = top.data;
  const version = meta?.version;
  if (
    typeof health.gateway_status === 'string' ||
    (Array.isArray(health.errors) && Object.keys(health).every((k) => k === 'errors' || k === 'gateway_status'))
  ) {
    const node = healthNodeSchema.safeParse(health);
    if (!node.success) {
      return err(new ApiError('malformed', `Malformed single-instance health: ${describeIssue(node.error)}`));
    }
    return ok({ mode: 'single', version, entries: [toEntry('', node.data)] });
  }
  const entries: HealthEntry[] = [];
  for (const [key, value] of Object.entries(health)) {
    const node = healthNodeSchema.safeParse(value);
    if (
      !node.success ||
      (node.data.gateway_status === undefined && node.data.role === undefined && node.data.errors === undefined)
    ) {
      return err(
        new ApiError(
          'malformed',
          `Malformed health entry "${key}": expected an object with gateway_status, role or errors`,
        ),
      );
    }
    entries.push(toEntry(key, node.data));
  }
  entries.sort((a, b) => a.key.localeCompare(b.key));
  return ok({ mode: 'cluster', version, entries });
}

function toEntry(
  key: string,
  node: {
    gateway_status?: string | undefined;
    role?: string | undefined;
    errors?: { code: number; title: string; details?: string | undefined }[] | undefined;
  },
): HealthEntry {
  const colon = key.lastIndexOf(':');
  const hostname = colon >= 0 ? key.slice(0, colon) : key;
  const containerId = colon >= 0 && colon < key.length - 1 ? key.slice(colon + 1) : undefined;
  const gs = node.gateway_status;
  const known = gs !== undefined && (GATEWAY_STATUSES as readonly string[]).includes(gs);
  const role = node.role;
  const knownRole = role !== undefined && (HEALTH_ROLES as readonly string[]).includes(role);
  return {
    key,
    hostname,
    containerId,
    gatewayStatus: known ? (gs as GatewayStatus) : undefined,
    unknownGatewayStatus: gs !== undefined && !known ? gs : undefined,
    role: knownRole ? (role as HealthRole) : undefined,
    unknownRole: role !== undefined && !knownRole ? role : undefined,
    errors: (node.errors ?? []).map((e) => errorItemSchema.parse(e)),
  };
}

function describeIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const i = error.issues[0];
  return i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid';
}

/** Parses a saved health file's text (e.g. pasted from a support ticket). */
export function parseHealthText(text: string): Result<HealthReport, ApiError> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err(new ApiError('malformed', `Not JSON: ${e instanceof Error ? e.message : String(e)}`));
  }
  return parseHealth(json);
}
