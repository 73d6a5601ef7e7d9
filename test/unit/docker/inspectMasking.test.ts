/**
 * `docker inspect` as we show it masks every variable whose name looks secret, the same way on
 * both paths: the typed view the tree and commands use (DockerodeClient.inspect → maskEnv) and the
 * raw JSON written to the diagnostics bundle (Redactor.json). One pattern decides: isSecretName.
 */
import assert from 'node:assert/strict';
import { maskEnv } from '../../../src/docker/client';
import { MASK, Redactor, isSecretName } from '../../../src/util/redact';

const secretNames = [
  'WA_DB_PASSWORD',
  'MYSQL_ROOT_PASSWORD',
  'POSTGRES_PASSWORD',
  'WA_API_KEY',
  'WA_SECRET',
  'WA_WEB_JWT_CRYPTO_KEY',
  'GITHUB_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'DB_PASS',
  'DB_PASSWD',
  'SMTP_CREDENTIALS',
  'PRIVATE_KEY',
  'KEY',
  'BASIC_AUTH',
  'WA_AUTH_HEADER',
  'PGPASSFILE_PWD',
  'PASSPHRASE',
  'SSH_PASSPHRASE',
];
const plainNames = [
  'WA_DB_HOSTNAME',
  'WA_DB_PORT',
  'COREAPP_HOSTNAME',
  'WA_API_VERSION',
  'PATH',
  'MYSQL_USER',
  'WA_APP_MULTICONNECT',
  'HOSTNAME',
];

describe('docker inspect masking (typed view and bundle, one pattern)', () => {
  const env = [...secretNames, ...plainNames].map((n) => `${n}=value-of-${n.toLowerCase()}`);

  it('the typed view masks exactly the names isSecretName calls secret', () => {
    const masked = maskEnv(env);
    for (const n of secretNames) {
      assert.ok(isSecretName(n), `${n} looks secret`);
      assert.equal(masked[n], MASK, `${n} masked in the typed inspect view`);
    }
    for (const n of plainNames) {
      assert.equal(masked[n], `value-of-${n.toLowerCase()}`, `${n} shown as it is`);
    }
  });

  it("the bundle's raw inspect masks the same names, and no secret value survives anywhere in it", () => {
    const raw = {
      Id: 'abc',
      Config: { Env: env, Labels: { 'com.docker.compose.service': 'wacore1' } },
      HostConfig: { Binds: [] },
    };
    const out = new Redactor().json(raw) as { Config: { Env: string[] } };
    const byName = new Map(out.Config.Env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const typed = maskEnv(env);
    for (const n of [...secretNames, ...plainNames]) {
      assert.equal(byName.get(n), typed[n], `${n}: the bundle and the typed view agree`);
    }
    const text = JSON.stringify(out);
    for (const n of secretNames) {
      assert.ok(!text.includes(`value-of-${n.toLowerCase()}`), `${n}'s value is not in the bundle`);
    }
  });
});
