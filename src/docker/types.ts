/** Our own small Docker types; the zod-validated Engine API responses are mapped onto these. */

export type ContainerState =
  'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead' | 'unknown';
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy' | 'none';

export interface PortBinding {
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIp: string | undefined;
  readonly hostPort: number | undefined;
}

/** What the project's containers look like in a listing (`GET /containers/json`). */
export interface ContainerSummary {
  readonly id: string;
  /** Without the leading '/'. */
  readonly name: string;
  readonly image: string;
  readonly state: ContainerState;
  /** Docker's human status, e.g. `Up 3 minutes (healthy)`. */
  readonly status: string;
  readonly createdAt: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly ports: readonly PortBinding[];
  /** From the Compose labels. */
  readonly project: string | undefined;
  readonly service: string | undefined;
  readonly containerNumber: number | undefined;
  readonly oneoff: boolean;
}

/** The details of `GET /containers/{id}/json` the cluster model uses. */
export interface ContainerDetails extends ContainerSummary {
  readonly health: ContainerHealth;
  readonly restartCount: number;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
  readonly exitCode: number | undefined;
  /** Config.Hostname: Docker sets it to the 12-char short id unless `hostname:` is set. */
  readonly hostname: string | undefined;
  /** Environment with secret-looking values replaced by `***`. */
  readonly env: Readonly<Record<string, string>>;
  readonly tty: boolean;
  readonly error: string | undefined;
}

export const ComposeLabels = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configFiles: 'com.docker.compose.project.config_files',
  workingDir: 'com.docker.compose.project.working_dir',
  envFile: 'com.docker.compose.project.environment_file',
  version: 'com.docker.compose.version',
} as const;

export const DOCKER_EVENT_ACTIONS = [
  'create',
  'start',
  'die',
  'stop',
  'kill',
  'restart',
  'health_status',
  'destroy',
  'pause',
  'unpause',
  'oom',
  'rename',
] as const;
export type DockerEventAction = (typeof DOCKER_EVENT_ACTIONS)[number];

export interface DockerEvent {
  readonly action: DockerEventAction;
  /** For `health_status`: the new health. */
  readonly health: ContainerHealth | undefined;
  readonly containerId: string;
  readonly name: string | undefined;
  readonly service: string | undefined;
  readonly project: string | undefined;
  readonly exitCode: number | undefined;
  /** Unix time in ms. */
  readonly time: number;
  readonly timeNano: bigint | undefined;
}

export interface LogLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** With `timestamps: true`, the RFC 3339 time Docker prefixed. */
  readonly timestamp: string | undefined;
}

export interface LogOptions {
  readonly follow?: boolean;
  /** Unix seconds or an RFC 3339 / Go duration string accepted by Docker. */
  readonly since?: number | string;
  readonly tail?: number | 'all';
  readonly timestamps?: boolean;
  readonly signal?: AbortSignal;
}

export interface EngineInfo {
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  /** Human description of where we connect, e.g. `unix:///var/run/docker.sock (context default)`. */
  readonly endpoint: string;
  /** The API version our requests use: the lower of the engine's and ours (see docker/apiVersion). */
  readonly requestApiVersion?: string;
}

export const EVENT_STATES = ['connecting', 'connected', 'disconnected', 'stopped'] as const;
export type EventStreamState = (typeof EVENT_STATES)[number];
