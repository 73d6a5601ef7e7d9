import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { type EndpointInputs, resolveDockerEndpoint } from '../../../src/docker/endpoint';

const HOME = '/home/u';
function inputs(p: Partial<EndpointInputs> & { files?: Record<string, string> } = {}): EndpointInputs {
  const files = p.files ?? {};
  return { env: {}, homeDir: HOME, platform: 'linux', readFile: (f) => files[f], exists: (f) => f in files, ...p };
}
const ctxDir = (name: string) =>
  path.join(HOME, '.docker', 'contexts', 'meta', createHash('sha256').update(name).digest('hex'));

describe('docker/endpoint resolveDockerEndpoint', () => {
  it('defaults to /var/run/docker.sock', () => {
    const r = resolveDockerEndpoint(inputs());
    assert.ok(r.ok);
    assert.equal(r.value.modemOptions.socketPath, '/var/run/docker.sock');
    assert.equal(r.value.modemOptions.host, undefined);
    assert.equal(r.value.source, 'default');
  });

  it('prefers ~/.docker/run/docker.sock when present (Docker Desktop)', () => {
    const r = resolveDockerEndpoint(inputs({ files: { [path.join(HOME, '.docker/run/docker.sock')]: '' } }));
    assert.ok(r.ok);
    assert.equal(r.value.modemOptions.socketPath, path.join(HOME, '.docker/run/docker.sock'));
  });

  it('DOCKER_HOST tcp / unix / ssh', () => {
    const tcp = resolveDockerEndpoint(inputs({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' } }));
    assert.ok(tcp.ok);
    assert.deepEqual(
      [tcp.value.kind, tcp.value.modemOptions.host, tcp.value.modemOptions.port, tcp.value.modemOptions.protocol],
      ['tcp', '10.0.0.5', '2375', 'http'],
    );
    const tls = resolveDockerEndpoint(
      inputs({
        env: { DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' },
        files: { '/c/ca.pem': 'CA', '/c/cert.pem': 'CERT', '/c/key.pem': 'KEY' },
      }),
    );
    assert.ok(tls.ok);
    assert.equal(tls.value.modemOptions.protocol, 'https');
    assert.equal(tls.value.modemOptions.ca, 'CA');
    const unix = resolveDockerEndpoint(inputs({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' } }));
    assert.ok(unix.ok);
    assert.equal(unix.value.modemOptions.socketPath, '/run/user/1000/docker.sock');
    assert.equal(unix.value.source, 'DOCKER_HOST');
    const ssh = resolveDockerEndpoint(inputs({ env: { DOCKER_HOST: 'ssh://me@box', SSH_AUTH_SOCK: '/tmp/agent' } }));
    assert.ok(ssh.ok);
    assert.deepEqual(
      [ssh.value.kind, ssh.value.modemOptions.username, ssh.value.modemOptions.port],
      ['ssh', 'me', '22'],
    );
    assert.deepEqual(ssh.value.modemOptions.sshOptions, { agent: '/tmp/agent' });
  });

  it('the setting overrides DOCKER_HOST', () => {
    const r = resolveDockerEndpoint(inputs({ setting: 'unix:///x.sock', env: { DOCKER_HOST: 'tcp://h:1' } }));
    assert.ok(r.ok);
    assert.equal(r.value.modemOptions.socketPath, '/x.sock');
    assert.equal(r.value.source, 'setting');
  });

  it('reads the current context from ~/.docker/config.json (and DOCKER_CONTEXT overrides it)', () => {
    const files = {
      [path.join(HOME, '.docker', 'config.json')]: JSON.stringify({ currentContext: 'remote' }),
      [path.join(ctxDir('remote'), 'meta.json')]: JSON.stringify({
        Name: 'remote',
        Endpoints: { docker: { Host: 'ssh://ops@build', SkipTLSVerify: false } },
      }),
      [path.join(ctxDir('rootless'), 'meta.json')]: JSON.stringify({
        Name: 'rootless',
        Endpoints: { docker: { Host: 'unix:///run/user/1000/docker.sock' } },
      }),
    };
    const r = resolveDockerEndpoint(inputs({ files }));
    assert.ok(r.ok);
    assert.equal(r.value.context, 'remote');
    assert.match(r.value.description, /ssh:\/\/ops@build \(context remote\)/);
    const r2 = resolveDockerEndpoint(inputs({ files, env: { DOCKER_CONTEXT: 'rootless' } }));
    assert.ok(r2.ok);
    assert.equal(r2.value.modemOptions.socketPath, '/run/user/1000/docker.sock');
  });

  it('a missing context, SkipTLSVerify or a bad host are typed errors', () => {
    const missing = resolveDockerEndpoint(inputs({ env: { DOCKER_CONTEXT: 'gone' } }));
    assert.ok(!missing.ok && missing.error.kind === 'unreachable' && /gone/.test(missing.error.message));
    const skip = resolveDockerEndpoint(
      inputs({
        env: { DOCKER_CONTEXT: 'x' },
        files: {
          [path.join(ctxDir('x'), 'meta.json')]: JSON.stringify({
            Name: 'x',
            Endpoints: { docker: { Host: 'tcp://h:2376', SkipTLSVerify: true } },
          }),
        },
      }),
    );
    assert.ok(!skip.ok && /skips TLS verification/.test(skip.error.message));
    const bad = resolveDockerEndpoint(inputs({ setting: 'not a url' }));
    assert.ok(!bad.ok);
    const broken = resolveDockerEndpoint(
      inputs({ env: { DOCKER_CONTEXT: 'b' }, files: { [path.join(ctxDir('b'), 'meta.json')]: '{nope' } }),
    );
    assert.ok(!broken.ok && broken.error.kind === 'malformed');
  });

  it('windows default is the named pipe', () => {
    const r = resolveDockerEndpoint(inputs({ platform: 'win32' }));
    assert.ok(r.ok);
    assert.equal(r.value.kind, 'npipe');
    assert.equal(r.value.modemOptions.socketPath, '\\\\.\\pipe\\docker_engine');
  });
});
