// How the docker CLI and Compose reach one inventory host's engine. Pure: the caller resolves the
// host's endpoint (inventory/endpoint.ts) and, for a 'forward' target, serves a private socket
// (docker/engineForwarder.ts). Every engine variable is either set or cleared, so a DOCKER_HOST,
// DOCKER_CONTEXT or DOCKER_CERT_PATH the editor inherited never sends a command to the local engine.
import * as path from 'node:path';
import type { InventoryHost } from '../inventory/inventory';
import type { DockerEndpoint } from './endpoint';

/** The variables the docker CLI and both Compose flavours read to pick an engine. */
export interface EngineEnv {
  readonly DOCKER_HOST: string | undefined;
  readonly DOCKER_CONTEXT: string | undefined;
  readonly DOCKER_TLS_VERIFY: string | undefined;
  readonly DOCKER_CERT_PATH: string | undefined;
}

export type HostComposeTarget =
  /** The CLI reaches the engine itself with these variables. */
  | { readonly kind: 'env'; readonly env: EngineEnv; readonly description: string }
  /**
   * The CLI cannot be told how this engine is verified (an ssh host key pinned by the inventory's
   * known_hosts and its identity file; TLS files not named ca.pem/cert.pem/key.pem in one folder;
   * a context the Compose flavour may not read), so it talks to a private unix socket that we
   * forward over our own verified connection.
   */
  | {
      readonly kind: 'forward';
      readonly endpoint: DockerEndpoint;
      readonly reason: string;
      readonly description: string;
    };

const TLS_NAMES = { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } as const;

const CLEARED: EngineEnv = {
  DOCKER_HOST: undefined,
  DOCKER_CONTEXT: undefined,
  DOCKER_TLS_VERIFY: undefined,
  DOCKER_CERT_PATH: undefined,
};

/** The variables for a unix socket (a host's own, or the forwarder's). */
export function unixEngineEnv(socketPath: string): EngineEnv {
  return { ...CLEARED, DOCKER_HOST: `unix://${socketPath}` };
}

/**
 * The engine variables for Compose when the user named an engine in `waCluster.docker.host` (the
 * one the extension's Docker client talks to), so Up and Down act on the engine the tree shows and
 * never on the local one by accident; undefined when the setting is empty (Compose then picks the
 * engine as the docker CLI would: DOCKER_HOST, DOCKER_CONTEXT, the current context).
 */
export function engineEnvForHostSetting(setting: string): Partial<EngineEnv> | undefined {
  const host = setting.trim();
  return host ? { DOCKER_HOST: host, DOCKER_CONTEXT: undefined } : undefined;
}

/** The folder DOCKER_CERT_PATH can name when the host's TLS files are ca.pem, cert.pem and key.pem side by side. */
function certPathOf(tls: { ca: string; cert: string; key: string }): string | undefined {
  const dir = path.dirname(tls.ca);
  const same = (Object.keys(TLS_NAMES) as (keyof typeof TLS_NAMES)[]).every(
    (k) => path.dirname(tls[k]) === dir && path.basename(tls[k]) === TLS_NAMES[k],
  );
  return same ? dir : undefined;
}

/** How Compose reaches `host`, whose endpoint is `endpoint`. */
export function hostComposeTarget(host: InventoryHost, endpoint: DockerEndpoint): HostComposeTarget {
  const description = endpoint.description;
  const forward = (reason: string): HostComposeTarget => ({ kind: 'forward', endpoint, reason, description });
  if (host.docker.kind === 'context' && endpoint.kind !== 'unix' && endpoint.kind !== 'npipe') {
    return forward(`context ${host.docker.name} is resolved here; docker-compose v1 does not read DOCKER_CONTEXT`);
  }
  const opts = endpoint.modemOptions;
  switch (endpoint.kind) {
    case 'unix':
      return { kind: 'env', env: unixEngineEnv(String(opts.socketPath)), description };
    case 'npipe':
      return {
        kind: 'env',
        env: { ...CLEARED, DOCKER_HOST: `npipe://${String(opts.socketPath).replace(/\\/g, '/')}` },
        description,
      };
    case 'ssh':
      return forward("the CLI's ssh would not use the inventory's identity file and pinned known_hosts");
    case 'tcp': {
      const url = `tcp://${String(opts.host)}:${String(opts.port)}`;
      if (opts.protocol !== 'https') {
        return { kind: 'env', env: { ...CLEARED, DOCKER_HOST: url }, description };
      }
      const tls = host.docker.kind === 'url' ? host.docker.tls : undefined;
      const certPath = tls ? certPathOf(tls) : undefined;
      if (!certPath) {
        return forward('DOCKER_CERT_PATH needs ca.pem, cert.pem and key.pem in one folder');
      }
      return {
        kind: 'env',
        env: { ...CLEARED, DOCKER_HOST: url, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath },
        description,
      };
    }
  }
}

/**
 * Why Compose v1 (docker-compose 1.x, Python, end of life since 2023) is refused for this host,
 * or undefined when it may run there. On the multi-host bench it failed on both remote kinds that
 * v2 handles: over an ssh forward (its parallel connections, each an ssh session, were cut:
 * "specify the URL with the DOCKER_HOST environment variable") and over tcp+TLS (its own
 * certificate check refused the host's CA). A unix socket or plain tcp works with both flavours.
 */
export function composeV1Refusal(target: HostComposeTarget, host: string): string | undefined {
  const remote = target.kind === 'forward' || target.env.DOCKER_TLS_VERIFY !== undefined;
  return remote
    ? `Compose v1 (docker-compose) cannot run on host ${host} (${target.description}): install Compose v2 ("docker compose"), or set waCluster.compose.command to it.`
    : undefined;
}
