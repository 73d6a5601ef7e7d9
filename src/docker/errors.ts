/** Classified Docker errors with an actionable message (peers.md §3.8). */

export type DockerErrorKind =
  /** the socket/port exists but nothing answers (ECONNREFUSED / ENOENT on the socket) */
  | 'daemonDown'
  /** EACCES on the socket */
  | 'permissionDenied'
  /** a remote host / context that cannot be reached (timeouts, DNS, SSH) */
  | 'unreachable'
  | 'apiTooOld'
  | 'notFound'
  | 'conflict'
  | 'aborted'
  | 'timeout'
  /** the response was not the documented shape */
  | 'malformed'
  | 'other';

export class DockerError extends Error {
  override readonly name = 'DockerError';
  constructor(
    readonly kind: DockerErrorKind,
    message: string,
    readonly statusCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for the kinds that mean "the engine itself is not usable". */
export function isEngineProblem(e: DockerError): boolean {
  return (
    e.kind === 'daemonDown' ||
    e.kind === 'permissionDenied' ||
    e.kind === 'unreachable' ||
    e.kind === 'apiTooOld' ||
    e.kind === 'timeout'
  );
}

/** Minimum Engine API version we rely on (label filters on events, health in inspect). */
export const MIN_API_VERSION = '1.25';

export function apiVersionAtLeast(v: string, min: string): boolean {
  const [a1 = 0, a2 = 0] = v.split('.').map(Number);
  const [b1 = 0, b2 = 0] = min.split('.').map(Number);
  return a1 > b1 || (a1 === b1 && a2 >= b2);
}

/**
 * Maps dockerode / docker-modem / socket errors to a {@link DockerError}. `endpoint` is the
 * human description of where we tried to connect.
 */
export function classifyDockerError(e: unknown, endpoint: string, what = 'Docker'): DockerError {
  if (e instanceof DockerError) {
    return e;
  }
  const err = (e ?? {}) as {
    code?: string;
    statusCode?: number;
    message?: string;
    name?: string;
    json?: { message?: string } | null;
    reason?: string;
  };
  const msg = String(err.json?.message ?? err.message ?? e);
  if (err.name === 'AbortError' || err.code === 'ABORT_ERR') {
    return new DockerError('aborted', `${what}: cancelled`, undefined, { cause: e });
  }
  const isSocket = endpoint.startsWith('unix://') || endpoint.startsWith('npipe://');
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return new DockerError(
        'permissionDenied',
        `Permission denied on the Docker socket (${endpoint}). Add your user to the "docker" group (sudo usermod -aG docker $USER, then log out and in), or point DOCKER_HOST / the waCluster.docker.host setting at an endpoint you may use.`,
        undefined,
        { cause: e },
      );
    case 'ECONNREFUSED':
    case 'ENOENT':
    case 'ECONNRESET':
    case 'EPIPE':
      return isSocket || err.code === 'ECONNREFUSED'
        ? new DockerError('daemonDown', daemonDownMessage(endpoint, isSocket), undefined, { cause: e })
        : new DockerError('unreachable', `Lost the connection to Docker at ${endpoint} (${err.code}).`, undefined, {
            cause: e,
          });
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DockerError(
        'unreachable',
        `Docker host ${endpoint} is unreachable (${err.code}). Check the Docker context / DOCKER_HOST and the network.`,
        undefined,
        { cause: e },
      );
    default:
      break;
  }
  const status = err.statusCode;
  if (status === 400 && /too old|minimum supported API version|client version .* is too (new|old)/i.test(msg)) {
    return new DockerError(
      'apiTooOld',
      `The Docker engine at ${endpoint} speaks an API version we cannot use: ${msg}. Upgrade Docker (API ${MIN_API_VERSION} or newer).`,
      status,
      { cause: e },
    );
  }
  if (status === 404) {
    return new DockerError('notFound', `${what}: ${msg}`, status, { cause: e });
  }
  if (status === 409) {
    return new DockerError('conflict', `${what}: ${msg}`, status, { cause: e });
  }
  if (/timeout|timed out/i.test(msg) && !status) {
    return new DockerError('timeout', `${what}: Docker at ${endpoint} did not answer in time`, undefined, { cause: e });
  }
  if (/ssh|handshake|authentication/i.test(msg) && !status) {
    return new DockerError('unreachable', `Cannot connect to Docker at ${endpoint}: ${msg}`, undefined, { cause: e });
  }
  return new DockerError('other', `${what}: ${msg}${status ? ` (HTTP ${status})` : ''}`, status, { cause: e });
}

/** "Not running", said for where the engine is: this machine's socket, a remote engine's port, or an ssh host. */
function daemonDownMessage(endpoint: string, isSocket: boolean): string {
  if (isSocket) {
    return `The Docker daemon is not running (nothing answers at ${endpoint}). Start Docker (e.g. "sudo systemctl start docker" or Docker Desktop) and try again.`;
  }
  if (endpoint.startsWith('ssh://')) {
    return `Nothing answers at ${endpoint}: the host refused the SSH connection. Check that the host is up and its SSH server runs ("ssh ${endpoint.slice('ssh://'.length)} docker version" from this machine must work).`;
  }
  return `The Docker engine at ${endpoint} refused the connection: it is not running or does not listen there. On that host, start Docker ("sudo systemctl start docker") and check that dockerd listens on this address (its -H tcp://… option or "hosts" in daemon.json).`;
}
