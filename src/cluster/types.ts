import { type ApiErrorItem } from '../api/errors';
import { type GatewayStatus, type HealthRole } from '../api/schemas';
import { type ContainerHealth, type ContainerState, type PortBinding } from '../docker/types';

/** What a node is meant to be, from Compose (declared) or the container (image/env). */
export type NodeKind = 'master' | 'coreapp' | 'web' | 'db' | 'other';

/** The role in the JSON contract: reported by /v1/health for masters/coreapps, else from the kind. */
export type NodeRole = HealthRole | 'web' | 'db' | 'unknown';
export const NODE_ROLES: readonly NodeRole[] = [
  'primary_master',
  'secondary_master',
  'coreapp',
  'web',
  'db',
  'unknown',
];

export type NodeState = 'connected' | 'standby' | 'starting' | 'unregistered' | 'error' | 'stopped' | 'unknown';
export const NODE_STATES: readonly NodeState[] = [
  'connected',
  'standby',
  'starting',
  'unregistered',
  'error',
  'stopped',
  'unknown',
];

/** A Compose service as declared (adapter from src/compose; see cluster/declared.ts). */
export interface DeclaredService {
  readonly name: string;
  readonly kind: NodeKind;
  /** COREAPP_HOSTNAME (masters/coreapps) or WEBAPP_HOSTNAME, after interpolation. */
  readonly hostname?: string | undefined;
  readonly image?: string | undefined;
  /** The DB-upgrade job (WA_DB_UPGRADE=1): a one-off run, never a node of the cluster. */
  readonly dbUpgrade?: boolean | undefined;
}

export interface NodeContainer {
  readonly id: string;
  readonly shortId: string;
  readonly name: string;
  readonly image: string;
  /** `2.45.1` from an image tag `…:v2.45.1`. */
  readonly version: string | undefined;
  readonly state: ContainerState;
  readonly health: ContainerHealth;
  readonly status: string;
  readonly restartCount: number;
  readonly startedAt: string | undefined;
  /** ms since start when running. */
  readonly uptimeMs: number | undefined;
  readonly exitCode: number | undefined;
  readonly ports: readonly PortBinding[];
  readonly hostname: string | undefined;
  readonly containerNumber: number | undefined;
}

export interface ClusterNode {
  /** Stable id and display name: service name (`wacore1`), `service-N` when scaled, or the health hostname. */
  readonly name: string;
  readonly service: string | undefined;
  readonly kind: NodeKind;
  readonly role: NodeRole;
  readonly reportedRole: HealthRole | undefined;
  readonly gatewayStatus: GatewayStatus | undefined;
  /** A gateway_status outside the documented vocabulary, verbatim. */
  readonly unknownGatewayStatus: string | undefined;
  readonly state: NodeState;
  /** One line saying why the state is what it is. */
  readonly stateReason: string;
  readonly errors: readonly ApiErrorItem[];
  readonly container: NodeContainer | null;
  readonly healthKey: string | undefined;
  readonly declared: boolean;
  /** A coreapp that is `connected`: it owns a shard. */
  readonly shardOwner: boolean;
  readonly standby: boolean;
  /** The inventory host it runs on (`host2`); undefined without an inventory (one engine). */
  readonly host?: string | undefined;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable id, e.g. `no-spare`, `absent-from-health:wacore3`. */
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  readonly nodes?: readonly string[];
}

export type EngineProblemKind = 'daemonDown' | 'permissionDenied' | 'unreachable' | 'apiTooOld' | 'other';

export interface EngineStatus {
  readonly reachable: boolean;
  readonly endpoint: string | undefined;
  readonly problem: { readonly kind: EngineProblemKind; readonly message: string } | undefined;
}

export interface ApiStatus {
  /** `ok` (health fetched), `error`, or `off` (not configured / not queried). */
  readonly status: 'ok' | 'error' | 'off';
  readonly errorKind: string | undefined;
  readonly message: string | undefined;
  /** Certificate fingerprint offered for pinning after a `tls` error. */
  readonly fingerprint256: string | undefined;
}

export interface ClusterSummary {
  /** The one version in use (`2.45.1`), or the web's when several. */
  readonly version: string | undefined;
  readonly versions: readonly string[];
  /** null: unknown (no health). */
  readonly registered: boolean | null;
  readonly shards: number | null;
  readonly shardsSource: 'api' | 'inferred' | undefined;
  readonly connectedCoreapps: number;
  /** Coreapps that are running (or reported, without Docker). */
  readonly coreapps: number;
  readonly masters: number;
  readonly primaryMaster: string | undefined;
  readonly healthMode: 'single' | 'cluster' | undefined;
  readonly findings: readonly Finding[];
}

/** One inventory host's engine, as the monitor last saw it (the explorer's "Hosts" group). */
export interface HostStatus {
  /** The inventory name (`host2`). */
  readonly name: string;
  /** How it is reached, for messages (`ssh://root@10.0.0.2 (host host2)`). */
  readonly endpoint: string | undefined;
  readonly reachable: boolean;
  readonly problem: EngineStatus['problem'];
  /** The engine's Docker version (`20.10.24`), once it answered. */
  readonly version: string | undefined;
  /** Round trip of the last `GET /version` (ms), once it answered. */
  readonly latencyMs: number | undefined;
  /** The host's EXTERNAL_HOSTNAME (the first half of its nodes' health keys), when its env files set it. */
  readonly externalHostname: string | undefined;
}

/** One immutable picture of the cluster. */
export interface ClusterSnapshot {
  readonly takenAt: number;
  readonly project: string | undefined;
  readonly engine: EngineStatus;
  readonly api: ApiStatus;
  readonly cluster: ClusterSummary;
  readonly nodes: readonly ClusterNode[];
  /** Every inventory host's engine, in inventory order; undefined without an inventory (one engine). */
  readonly hosts?: readonly HostStatus[] | undefined;
}
