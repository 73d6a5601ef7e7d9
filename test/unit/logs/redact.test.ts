import assert from 'node:assert/strict';
import { MASK, Redactor, isSecretName, secretValuesFromEnv, secretValuesFromText } from '../../../src/util/redact';
import { maskEnv } from '../../../src/docker/client';
import { seededRandom } from '../../support/seededRandom';

describe('redact', () => {
  it('recognises the secret variable names of a WhatsApp cluster', () => {
    for (const n of [
      'WA_DB_PASSWORD',
      'MYSQL_ROOT_PASSWORD',
      'MYSQL_PASSWORD',
      'POSTGRES_PASSWORD',
      'WA_API_KEY',
      'WA_SECRET',
      'GITHUB_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASS',
      'SMTP_CREDENTIALS',
    ]) {
      assert.ok(isSecretName(n), n);
    }
    for (const n of ['WA_DB_HOSTNAME', 'WA_DB_PORT', 'COREAPP_HOSTNAME', 'WA_API_VERSION', 'PATH', 'MYSQL_USER']) {
      assert.ok(!isSecretName(n), n);
    }
  });

  it('harvests secret values from env lists and compose YAML', () => {
    assert.deepEqual(
      secretValuesFromEnv(['WA_DB_PASSWORD=hunter22', 'WA_DB_HOSTNAME=db', 'X_TOKEN=', 'WA_API_KEY=***']),
      ['hunter22'],
    );
    const yaml =
      'services:\n  db:\n    environment:\n      MYSQL_ROOT_PASSWORD: "rootpw99"\n      MYSQL_USER: testuser\n      - WA_API_KEY=key-12345 # comment\n';
    assert.deepEqual(secretValuesFromText(yaml), ['rootpw99', 'key-12345']);
  });

  it('masks credentials in text', () => {
    const r = new Redactor(['s3cr3t-value']);
    assert.equal(r.text('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def'), `Authorization: Bearer ${MASK}`);
    assert.equal(r.text('auth Basic YWRtaW46c2VjcmV0 ok'), `auth Basic ${MASK} ok`);
    assert.equal(r.text('login password=hunter2&user=admin'), `login password=${MASK}&user=admin`);
    assert.equal(r.text('{"new_password": "abc def", "user": "x"}'), `{"new_password": "${MASK}", "user": "x"}`);
    assert.equal(r.text('connecting with s3cr3t-value now'), `connecting with ${MASK} now`);
    assert.equal(r.text('mysql://root:pw1234@db:3306/x'), `mysql://root:${MASK}@db:3306/x`);
    assert.equal(
      r.text('I 2024-12-05 8:43:19.183 UTC 28 main.cpp:9] started'),
      'I 2024-12-05 8:43:19.183 UTC 28 main.cpp:9] started',
    );
  });

  it('deep-masks inspect JSON', () => {
    const r = new Redactor();
    const v = r.json({
      Config: { Env: ['WA_DB_PASSWORD=pw123456', 'WA_DB_HOSTNAME=db'], Hostname: 'abc' },
      Labels: { 'x.token': 'tok-999' },
      Args: ['--password=zzz999'],
    }) as { Config: { Env: string[] }; Labels: Record<string, string>; Args: string[] };
    assert.deepEqual(v.Config.Env, [`WA_DB_PASSWORD=${MASK}`, 'WA_DB_HOSTNAME=db']);
    assert.equal(v.Labels['x.token'], MASK);
    assert.deepEqual(v.Args, [`--password=${MASK}`]);
  });
});

describe('redact: learning', () => {
  it('learns credentials seen after a scheme or a secret name, but not plain words', () => {
    const r = new Redactor(['known-secret']);
    r.text('Authorization: Bearer tok.en-12345 and password=Hunter2-x and password: required');
    assert.deepEqual([...r.learned].sort(), ['Hunter2-x', 'tok.en-12345']);
    assert.equal(new Redactor(r.learned).text('later tok.en-12345 alone'), `later ${MASK} alone`);
  });
});

describe('one secret-name pattern for masking (docker/client.ts) and redaction (util/redact.ts)', () => {
  // Names that must be secret on both paths, and names that must stay readable on both.
  const secret = [
    'WA_DB_PASSWORD',
    'MYSQL_ROOT_PASSWORD',
    'WA_API_KEY',
    'WA_WEB_JWT_CRYPTO_KEY',
    'WA_SECRET',
    'DB_PASS',
    'DBPASS',
    'MY_PWD',
    'AUTH_TOKEN',
    'PRIVATE_KEY',
    'AWS_CREDENTIALS',
    'KEY',
    'BASIC_AUTH',
  ];
  const plain = [
    'COREAPP_HOSTNAME',
    'WA_DB_HOSTNAME',
    'WA_DB_PORT',
    'WA_API_VERSION',
    'WA_APP_MULTICONNECT',
    'PATH',
    'KEYBOARD',
    'HOSTNAME',
  ];

  it('masks and redacts the same names, and only those', () => {
    const env = [...secret, ...plain].map((n) => `${n}=value-${n.toLowerCase()}-1234`);
    const masked = maskEnv(env);
    const redacted = new Redactor([]).envList(env);
    const inText = new Redactor([]).text(env.join('\n')).split('\n');
    for (const [i, name] of [...secret, ...plain].entries()) {
      const isSecret = secret.includes(name);
      assert.equal(isSecretName(name), isSecret, name);
      assert.equal(masked[name] === MASK, isSecret, `docker inspect masking of ${name}`);
      assert.equal(redacted[i] === `${name}=${MASK}`, isSecret, `bundle redaction of ${name}`);
      assert.equal(inText[i] === `${name}=${MASK}`, isSecret, `log-text redaction of ${name}: ${inText[i]}`);
    }
  });

  it('mayMask is false only for text that text() leaves as it is, line by line', () => {
    const r = new Redactor(['s3cr3t-value']);
    const clean = 'I 2026-01-02 3:00:00.000 UTC 28 main.cpp:9] wacore1 started\nI main.cpp:10] shard 3 connected\n';
    assert.equal(r.mayMask(clean), false);
    for (const line of [
      'connecting with s3cr3t-value',
      'Authorization: Bearer abcdefgh',
      'WA_DB_PASSWORD=hunter22',
      '"api_key": "k-123456"',
      'db at mysql://root:pw@db:3306',
      'token refreshed',
    ]) {
      assert.equal(r.mayMask(`${clean}${line}\n`), true, line);
      assert.equal(
        r.mayMask(`${clean}${line}\n`),
        true,
        `${line} (again: the known-secret pattern has no stale lastIndex)`,
      );
    }
    // Whenever mayMask says no, every line comes out unchanged.
    const random = seededRandom(11);
    const parts = ['ok', 'main.cpp:9]', 'pass', 'Key', 's3cr3t', '://x', 'Bearer', 'id=42', 'a: b', 'AUTH', 'jwt', ' '];
    for (let i = 0; i < 2000; i++) {
      const line = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => parts[Math.floor(random() * parts.length)],
      ).join(random() < 0.5 ? ' ' : '');
      if (!r.mayMask(line)) {
        assert.equal(r.text(line), line);
      }
    }
  });
});
