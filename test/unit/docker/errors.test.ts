import assert from 'node:assert/strict';
import { apiVersionAtLeast, classifyDockerError } from '../../../src/docker/errors';
import { maskEnv } from '../../../src/docker/client';

const sock = 'unix:///var/run/docker.sock';
const e = (o: Record<string, unknown>) => Object.assign(new Error(typeof o.message === 'string' ? o.message : 'x'), o);

describe('docker/errors classifyDockerError', () => {
  it('daemon down (socket missing or refused)', () => {
    const a = classifyDockerError(e({ code: 'ENOENT', message: 'connect ENOENT /var/run/docker.sock' }), sock);
    assert.equal(a.kind, 'daemonDown');
    assert.match(a.message, /not running/);
    assert.equal(classifyDockerError(e({ code: 'ECONNREFUSED' }), 'tcp://h:2375').kind, 'daemonDown');
  });
  it('a remote engine that refuses is told to be started on its host, not on this machine', () => {
    const tcp = classifyDockerError(e({ code: 'ECONNREFUSED' }), 'tcp://10.0.0.2:2376');
    assert.equal(tcp.kind, 'daemonDown');
    assert.match(tcp.message, /^The Docker engine at tcp:\/\/10\.0\.0\.2:2376 refused the connection/);
    assert.match(tcp.message, /On that host, start Docker/);
    assert.doesNotMatch(tcp.message, /Docker Desktop/);
    const ssh = classifyDockerError(e({ code: 'ECONNREFUSED' }), 'ssh://ops@db-host');
    assert.equal(ssh.kind, 'daemonDown');
    assert.match(ssh.message, /SSH server runs \("ssh ops@db-host docker version"/);
  });
  it('permission denied says how to fix it', () => {
    const a = classifyDockerError(e({ code: 'EACCES' }), sock);
    assert.equal(a.kind, 'permissionDenied');
    assert.match(a.message, /docker" group/);
    assert.match(a.message, /DOCKER_HOST/);
  });
  it('unreachable host / context', () => {
    for (const code of ['ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']) {
      assert.equal(classifyDockerError(e({ code }), 'tcp://far:2375').kind, 'unreachable');
    }
    assert.equal(
      classifyDockerError(e({ message: 'All configured authentication methods failed' }), 'ssh://x').kind,
      'unreachable',
    );
  });
  it('API version too old', () => {
    const a = classifyDockerError(
      e({
        statusCode: 400,
        json: { message: 'client version 1.41 is too new. Maximum supported API version is 1.24' },
      }),
      sock,
    );
    assert.equal(a.kind, 'apiTooOld');
    assert.equal(
      classifyDockerError(e({ statusCode: 400, message: 'minimum supported API version is 1.24' }), sock).kind,
      'apiTooOld',
    );
    assert.ok(apiVersionAtLeast('1.41', '1.25'));
    assert.ok(!apiVersionAtLeast('1.24', '1.25'));
    assert.ok(apiVersionAtLeast('2.0', '1.25'));
  });
  it('404, 409, abort, anything else', () => {
    assert.equal(
      classifyDockerError(e({ statusCode: 404, json: { message: 'No such container: x' } }), sock).kind,
      'notFound',
    );
    assert.equal(classifyDockerError(e({ statusCode: 409 }), sock).kind, 'conflict');
    assert.equal(classifyDockerError(e({ name: 'AbortError' }), sock).kind, 'aborted');
    assert.equal(classifyDockerError('weird', sock).kind, 'other');
    assert.equal(classifyDockerError(undefined, sock).kind, 'other');
  });
});

describe('docker/client maskEnv', () => {
  it('masks secret-looking values only', () => {
    assert.deepEqual(
      maskEnv([
        'WA_DB_PASSWORD=testpass',
        'WA_API_KEY=abcdefabcdef',
        'WA_SECRET=s',
        'MYSQL_ROOT_PASSWORD=x',
        'WA_WEB_JWT_CRYPTO_KEY=k',
        'COREAPP_HOSTNAME=wacore1',
        'EMPTY_PASSWORD=',
        'NOVALUE',
      ]),
      {
        WA_DB_PASSWORD: '***',
        WA_API_KEY: '***',
        WA_SECRET: '***',
        MYSQL_ROOT_PASSWORD: '***',
        WA_WEB_JWT_CRYPTO_KEY: '***',
        COREAPP_HOSTNAME: 'wacore1',
        EMPTY_PASSWORD: '',
        NOVALUE: '',
      },
    );
  });
});
