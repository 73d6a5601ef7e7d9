import assert from 'node:assert/strict';
import { ApiError, envelopeError } from '../../../src/api/errors';
import { fingerprintCommand } from '../../../src/api/tls';
import { downArgs } from '../../../src/cluster/downPlan';
import { isRefusedCode, isRefusedPassword, refusalText } from '../../../src/cluster/refusals';
import { assessShards, parseShardInput } from '../../../src/cluster/shardChoice';
import { normaliseCountryCode, normalisePhoneNumber } from '../../../src/util/phoneNumber';
import { askUntilAccepted, MAX_TRIES } from '../../../src/util/retry';
import { confirmsName, safeFirst } from '../../../src/util/safeChoice';

describe('safe defaults: the order of a confirmation, the typed name', () => {
  it('puts the first safe choice first (the primary button Enter presses), the rest in their order', () => {
    const items = safeFirst([
      { title: 'Set Anyway', risky: true },
      { title: 'Choose Again', risky: false },
      { title: 'Other', risky: false },
    ]);
    assert.deepEqual(
      items.map((i) => i.title),
      ['Choose Again', 'Set Anyway', 'Other'],
    );
    // No item replaces VS Code's own Cancel: Escape never answers with a risky choice.
    assert.ok(items.every((i) => i.isCloseAffordance === false));
  });

  it('refuses a confirmation without a safe choice', () => {
    assert.throws(() => safeFirst([{ title: 'Delete', risky: true }]), /needs a safe choice/);
  });

  it('the typed project name confirms only when exact (blanks around it aside)', () => {
    assert.equal(confirmsName('biz', 'biz'), true);
    assert.equal(confirmsName('  biz ', 'biz'), true);
    assert.equal(confirmsName('Biz', 'biz'), false);
    assert.equal(confirmsName('bi', 'biz'), false);
    assert.equal(confirmsName('', 'biz'), false);
  });
});

describe('shard choice', () => {
  it('matches typed digits exactly: 3 is refused with the allowed counts, never 32', () => {
    assert.deepEqual(parseShardInput('3'), { kind: 'notAllowed', typed: '3', allowed: [1, 2, 4, 8, 16, 32] });
    assert.deepEqual(parseShardInput('32'), { kind: 'exact', shards: 32 });
    assert.deepEqual(parseShardInput('1'), { kind: 'exact', shards: 1 });
    assert.deepEqual(parseShardInput(' 2 '), { kind: 'exact', shards: 2 });
    assert.equal(parseShardInput('02').kind, 'exact');
    assert.equal(parseShardInput('two').kind, 'notAllowed');
    assert.equal(parseShardInput('2.0').kind, 'notAllowed');
    assert.deepEqual(parseShardInput(''), { kind: 'all' });
  });

  it('is safe only with a spare coreapp (shards ≤ coreapps − 1)', () => {
    assert.deepEqual(assessShards(1, 2), { kind: 'safe', spares: 1 });
    assert.deepEqual(assessShards(2, 3), { kind: 'safe', spares: 1 });
    assert.deepEqual(assessShards(2, 2), { kind: 'noSpare' });
    assert.deepEqual(assessShards(32, 2), { kind: 'tooFewCoreapps', missing: 30 });
    assert.deepEqual(assessShards(1, 0), { kind: 'tooFewCoreapps', missing: 1 });
  });
});

describe('phone numbers as people type them', () => {
  it('drops spaces, dashes, dots and parentheses', () => {
    assert.deepEqual(normalisePhoneNumber('631 555-0200'), { ok: true, digits: '6315550200' });
    assert.deepEqual(normalisePhoneNumber('(631) 555.0200'), { ok: true, digits: '6315550200' });
    assert.deepEqual(normalisePhoneNumber('6315550200'), { ok: true, digits: '6315550200' });
  });

  it('says what is wrong: a country code, letters, too short or too long', () => {
    assert.deepEqual(normalisePhoneNumber('+1 631 555 0200'), { ok: false, problem: 'countryCode' });
    assert.deepEqual(normalisePhoneNumber('0049 30 1234'), { ok: false, problem: 'countryCode' });
    assert.deepEqual(normalisePhoneNumber('631-CALL-NOW'), { ok: false, problem: 'notDigits' });
    assert.deepEqual(normalisePhoneNumber('12 3'), { ok: false, problem: 'length' });
    assert.deepEqual(normalisePhoneNumber('1234567890123456'), { ok: false, problem: 'length' });
  });

  it('takes the country code with or without "+"', () => {
    assert.equal(normaliseCountryCode('+1'), '1');
    assert.equal(normaliseCountryCode(' 49 '), '49');
    assert.equal(normaliseCountryCode('01'), undefined);
    assert.equal(normaliseCountryCode('12345'), undefined);
  });
});

describe('asking again after a refusal', () => {
  const wrongCode = envelopeError(400, [
    { code: 1009, title: 'Parameter value is not valid', details: 'Invalid verification code.' },
  ]);

  it('asks again after a refused answer, with the try number and the refusal, and stops at the accepted one', async () => {
    const asked: [number, unknown][] = [];
    const answers = ['111111', '222222', '123456'];
    const outcome = await askUntilAccepted({
      ask: (n, refusal) => {
        asked.push([n, refusal]);
        return Promise.resolve(answers[n - 1]);
      },
      submit: (code) => (code === '123456' ? Promise.resolve('ok') : Promise.reject(wrongCode)),
      refused: isRefusedCode,
    });
    assert.deepEqual(outcome, { kind: 'done', value: 'ok' });
    assert.deepEqual(
      asked.map(([n, r]) => [n, r === undefined ? undefined : refusalText(r)]),
      [
        [1, undefined],
        [2, 'Invalid verification code.'],
        [3, 'Invalid verification code.'],
      ],
    );
  });

  it(`gives up after ${MAX_TRIES} refused tries with the last refusal`, async () => {
    let tries = 0;
    await assert.rejects(
      askUntilAccepted({
        ask: () => Promise.resolve('000000'),
        submit: () => {
          tries++;
          return Promise.reject(wrongCode);
        },
        refused: isRefusedCode,
      }),
      (e) => e === wrongCode,
    );
    assert.equal(tries, MAX_TRIES);
  });

  it('cancelling ends it; an error that is no refusal is thrown at once', async () => {
    assert.deepEqual(
      await askUntilAccepted({
        ask: () => Promise.resolve(undefined),
        submit: () => Promise.resolve(1),
        refused: () => true,
      }),
      { kind: 'cancelled' },
    );
    const down = new ApiError('network', 'ECONNREFUSED');
    let tries = 0;
    await assert.rejects(
      askUntilAccepted({
        ask: () => Promise.resolve('x'),
        submit: () => {
          tries++;
          return Promise.reject(down);
        },
        refused: isRefusedCode,
      }),
      (e) => e === down,
    );
    assert.equal(tries, 1);
  });

  it('tells a refused code and a refused password from other failures', () => {
    assert.equal(isRefusedCode(wrongCode), true);
    assert.equal(isRefusedCode(new ApiError('network', 'down')), false);
    assert.equal(isRefusedPassword(envelopeError(401, [])), true);
    assert.equal(isRefusedPassword(wrongCode), false);
  });
});

describe('Down and the certificate check', () => {
  it('Down removes the orphans (the DB upgrade container); -v only when asked', () => {
    assert.deepEqual(downArgs({ volumes: false }), ['down', '--remove-orphans']);
    assert.deepEqual(downArgs({ volumes: true }), ['down', '--remove-orphans', '-v']);
  });

  it('the fingerprint check runs on the Docker host against the published port', () => {
    assert.equal(
      fingerprintCommand('https://wa.example.com:9090'),
      'openssl s_client -connect 127.0.0.1:9090 -servername wa.example.com </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256',
    );
    assert.match(fingerprintCommand('https://localhost'), /-connect 127\.0\.0\.1:443 /);
  });
});
