// How to reach one inventory host's Docker engine: the same DockerEndpoint the single-host code
// uses (src/docker/endpoint.ts), plus the host's own key material — TLS client certificates for
// tcp://, a private key and a known_hosts pin for ssh:// (never an unverified host key).
import { createHmac } from 'node:crypto';
import * as path from 'node:path';
import { type DockerEndpoint, type EndpointInputs, resolveDockerEndpoint } from '../docker/endpoint';
import { DockerError } from '../docker/errors';
import { type Result, err, ok } from '../util/result';
import type { InventoryHost } from './inventory';

/** Whether `host` (port 22 unless given) has the key `keyBase64` in a known_hosts text (plain or hashed entries). */
export function knownHostsAllows(text: string, host: string, port: number, keyBase64: string): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@')) {
      continue;
    }
    const [patterns = '', , key] = line.split(/\s+/);
    if (key !== keyBase64) {
      continue;
    }
    for (const p of patterns.split(',')) {
      const hashed = /^\|1\|([^|]+)\|(.+)$/.exec(p);
      if (
        hashed?.[1] && hashed[2]
          ? createHmac('sha1', Buffer.from(hashed[1], 'base64')).update(name).digest('base64') === hashed[2]
          : p === name
      ) {
        return true;
      }
    }
  }
  return false;
}

/** The endpoint of one inventory host, with its files read through `inp.readFile`. */
export function inventoryHostEndpoint(h: InventoryHost, inp: EndpointInputs): Result<DockerEndpoint, DockerError> {
  if (h.docker.kind === 'context') {
    return resolveDockerEndpoint({
      ...inp,
      setting: undefined,
      env: { ...inp.env, DOCKER_HOST: undefined, DOCKER_CONTEXT: h.docker.name },
    });
  }
  const base = resolveDockerEndpoint({ ...inp, setting: h.docker.url });
  if (!base.ok) {
    return base;
  }
  const ep = base.value;
  const need = (file: string, what: string): Result<string, DockerError> => {
    const text = inp.readFile(file);
    return text === undefined
      ? err(new DockerError('unreachable', `Host ${h.name}: cannot read the ${what} ${file}`))
      : ok(text);
  };
  if (h.docker.tls) {
    const [ca, cert, key] = [
      need(h.docker.tls.ca, 'CA certificate'),
      need(h.docker.tls.cert, 'client certificate'),
      need(h.docker.tls.key, 'client key'),
    ];
    if (!ca.ok) {
      return ca;
    }
    if (!cert.ok) {
      return cert;
    }
    if (!key.ok) {
      return key;
    }
    return ok({
      ...ep,
      description: `${ep.description.replace(/^tcp:/, 'https:')} (host ${h.name})`,
      modemOptions: { ...ep.modemOptions, protocol: 'https', ca: ca.value, cert: cert.value, key: key.value },
    });
  }
  if (ep.kind === 'ssh') {
    const knownHostsFile = h.docker.ssh?.knownHostsFile ?? path.join(inp.homeDir, '.ssh', 'known_hosts');
    const knownHosts = inp.readFile(knownHostsFile) ?? '';
    const host = typeof ep.modemOptions.host === 'string' ? ep.modemOptions.host : '';
    const port = Number(typeof ep.modemOptions.port === 'string' ? ep.modemOptions.port : 22);
    const sshOptions: Record<string, unknown> = {
      ...(ep.modemOptions.sshOptions as Record<string, unknown> | undefined),
      // Only a host key listed in known_hosts is accepted (as `ssh` with StrictHostKeyChecking=yes).
      hostVerifier: (key: Buffer): boolean => knownHostsAllows(knownHosts, host, port, key.toString('base64')),
    };
    if (h.docker.ssh?.identityFile) {
      const key = need(h.docker.ssh.identityFile, 'ssh private key');
      if (!key.ok) {
        return key;
      }
      sshOptions.privateKey = key.value;
    }
    return ok({
      ...ep,
      description: `${ep.description} (host ${h.name})`,
      modemOptions: { ...ep.modemOptions, sshOptions },
    });
  }
  return ok({ ...ep, description: `${ep.description} (host ${h.name})` });
}
