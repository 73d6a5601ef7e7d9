import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { type Result, err, ok } from '../util/result';
import { DockerError } from './errors';

/** Where and how to reach the Docker engine, with the options docker-modem needs. */
export interface DockerEndpoint {
  readonly kind: 'unix' | 'npipe' | 'tcp' | 'ssh';
  /** For messages: `unix:///var/run/docker.sock (context default)`. */
  readonly description: string;
  readonly source: 'setting' | 'DOCKER_HOST' | 'context' | 'default';
  readonly context: string | undefined;
  /** Passed to `new Dockerode(…)`; every key set explicitly so docker-modem's own env defaults never leak in. */
  readonly modemOptions: Readonly<Record<string, unknown>>;
}

export interface EndpointInputs {
  /** The `waCluster.docker.host` setting (a DOCKER_HOST-style URL), if set. */
  readonly setting?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly platform: NodeJS.Platform;
  readonly readFile: (p: string) => string | undefined;
  readonly exists: (p: string) => boolean;
}

const contextMetaSchema = z
  .object({
    Name: z.string(),
    Endpoints: z
      .object({ docker: z.object({ Host: z.string(), SkipTLSVerify: z.boolean().optional() }).loose() })
      .loose(),
  })
  .loose();

const configSchema = z.object({ currentContext: z.string().optional() }).loose();

/**
 * Resolves the engine endpoint the way the docker CLI does: setting override, then DOCKER_HOST,
 * then DOCKER_CONTEXT, then `currentContext` of ~/.docker/config.json, then the default socket.
 */
export function resolveDockerEndpoint(inp: EndpointInputs): Result<DockerEndpoint, DockerError> {
  if (inp.setting?.trim()) {
    return fromHost(inp.setting.trim(), 'setting', undefined, inp, undefined);
  }
  const envHost = inp.env.DOCKER_HOST?.trim();
  if (envHost) {
    const certPath = inp.env.DOCKER_CERT_PATH;
    const tlsVerify = inp.env.DOCKER_TLS_VERIFY === '1';
    const tls = certPath ? readTls(certPath, inp) : undefined;
    return fromHost(envHost, 'DOCKER_HOST', undefined, inp, tls, tlsVerify);
  }
  const dockerDir = inp.env.DOCKER_CONFIG ?? path.join(inp.homeDir, '.docker');
  let contextName = inp.env.DOCKER_CONTEXT?.trim();
  if (!contextName) {
    const raw = inp.readFile(path.join(dockerDir, 'config.json'));
    if (raw) {
      try {
        const cfg = configSchema.safeParse(JSON.parse(raw));
        contextName = cfg.success ? cfg.data.currentContext : undefined;
      } catch {
        // an unreadable config.json is the CLI's problem, not ours: fall back to the default
      }
    }
  }
  if (contextName && contextName !== 'default') {
    const id = createHash('sha256').update(contextName).digest('hex');
    const raw = inp.readFile(path.join(dockerDir, 'contexts', 'meta', id, 'meta.json'));
    if (!raw) {
      return err(
        new DockerError(
          'unreachable',
          `Docker context "${contextName}" is selected but not found (${path.join(dockerDir, 'contexts', 'meta', id)}). Run "docker context use default" or set waCluster.docker.host.`,
        ),
      );
    }
    let meta: z.infer<typeof contextMetaSchema>;
    try {
      const parsed = contextMetaSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) {
        return err(new DockerError('malformed', `Docker context "${contextName}" has an unexpected meta.json`));
      }
      meta = parsed.data;
    } catch {
      return err(new DockerError('malformed', `Docker context "${contextName}" has an unreadable meta.json`));
    }
    const ep = meta.Endpoints.docker;
    if (ep.SkipTLSVerify) {
      return err(
        new DockerError(
          'unreachable',
          `Docker context "${contextName}" skips TLS verification, which this extension never does. Give the context a CA (docker context update --docker "ca=…") or set waCluster.docker.host.`,
        ),
      );
    }
    const tls = readTls(path.join(dockerDir, 'contexts', 'tls', id, 'docker'), inp);
    return fromHost(ep.Host, 'context', contextName, inp, tls, tls !== undefined);
  }
  if (inp.platform === 'win32') {
    return fromHost('npipe:////./pipe/docker_engine', 'default', 'default', inp, undefined);
  }
  const userSock = path.join(inp.homeDir, '.docker', 'run', 'docker.sock');
  return fromHost(
    `unix://${inp.exists(userSock) ? userSock : '/var/run/docker.sock'}`,
    'default',
    'default',
    inp,
    undefined,
  );
}

interface TlsFiles {
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
}

function readTls(dir: string, inp: EndpointInputs): TlsFiles | undefined {
  const ca = inp.readFile(path.join(dir, 'ca.pem'));
  const cert = inp.readFile(path.join(dir, 'cert.pem'));
  const key = inp.readFile(path.join(dir, 'key.pem'));
  return ca || cert || key ? { ca, cert, key } : undefined;
}

function fromHost(
  host: string,
  source: DockerEndpoint['source'],
  context: string | undefined,
  inp: EndpointInputs,
  tls: TlsFiles | undefined,
  tlsVerify = false,
): Result<DockerEndpoint, DockerError> {
  const where = context ? ` (context ${context})` : source === 'default' ? '' : ` (${source})`;
  const base = {
    host: undefined,
    port: undefined,
    protocol: undefined,
    socketPath: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    username: undefined,
    sshOptions: undefined,
    timeout: undefined,
  };
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return err(
      new DockerError(
        'unreachable',
        `Invalid Docker host "${host}"${where}: expected unix://, npipe://, tcp:// or ssh://`,
      ),
    );
  }
  switch (url.protocol) {
    case 'unix:': {
      const socketPath = decodeURIComponent(url.pathname);
      return ok({
        kind: 'unix',
        description: `unix://${socketPath}${where}`,
        source,
        context,
        modemOptions: { ...base, socketPath },
      });
    }
    case 'npipe:': {
      const socketPath = host.replace(/^npipe:\/\//, '').replace(/\//g, '\\');
      return ok({
        kind: 'npipe',
        description: `${host}${where}`,
        source,
        context,
        modemOptions: { ...base, socketPath },
      });
    }
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const port = url.port || (tlsVerify || url.protocol === 'https:' ? '2376' : '2375');
      const https =
        url.protocol === 'https:' || tlsVerify || port === '2376' || (tls?.ca !== undefined && tls.cert !== undefined);
      return ok({
        kind: 'tcp',
        description: `${https ? 'https' : 'tcp'}://${url.hostname}:${port}${where}`,
        source,
        context,
        modemOptions: {
          ...base,
          host: url.hostname,
          port,
          protocol: https ? 'https' : 'http',
          ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}),
        },
      });
    }
    case 'ssh:': {
      const agent = inp.env.SSH_AUTH_SOCK;
      return ok({
        kind: 'ssh',
        description: `ssh://${url.username ? `${url.username}@` : ''}${url.hostname}${url.port ? `:${url.port}` : ''}${where}`,
        source,
        context,
        modemOptions: {
          ...base,
          protocol: 'ssh',
          host: url.hostname,
          port: url.port || '22',
          username: url.username || undefined,
          sshOptions: agent ? { agent } : {},
        },
      });
    }
    default:
      return err(new DockerError('unreachable', `Unsupported Docker host "${host}"${where}`));
  }
}
