import assert from 'node:assert/strict';
import { parseSettings } from '../../../src/config/schema';

describe('settings schema', () => {
  it('gives every default when nothing is set', () => {
    const { settings, problems } = parseSettings({});
    assert.deepEqual(problems, []);
    assert.equal(settings.apiUrl, 'https://127.0.0.1:9090');
    assert.equal(settings.apiUser, 'admin');
    assert.equal(settings.pollIntervalSeconds, 5);
    assert.equal(settings.notifyClusterEvents, true);
    assert.deepEqual(settings.composeFiles, []);
  });

  it('keeps valid values', () => {
    const { settings, problems } = parseSettings({
      apiUrl: 'https://10.0.0.5:9090',
      pollIntervalSeconds: 2,
      composeFiles: ['a.yml', 'b.yml'],
    });
    assert.deepEqual(problems, []);
    assert.equal(settings.apiUrl, 'https://10.0.0.5:9090');
    assert.equal(settings.pollIntervalSeconds, 2);
    assert.deepEqual(settings.composeFiles, ['a.yml', 'b.yml']);
  });

  it('replaces each invalid value by its default and names the setting', () => {
    const { settings, problems } = parseSettings({
      apiUrl: 'not a url',
      pollIntervalSeconds: 0,
      apiCertificateFingerprint: 'AB:CD',
      apiUser: 'ops',
    });
    assert.equal(settings.apiUrl, 'https://127.0.0.1:9090');
    assert.equal(settings.pollIntervalSeconds, 5);
    assert.equal(settings.apiCertificateFingerprint, '');
    assert.equal(settings.apiUser, 'ops');
    assert.deepEqual(problems.map((p) => p.key).sort(), [
      'waCluster.api.certificateFingerprint',
      'waCluster.api.url',
      'waCluster.health.pollIntervalSeconds',
    ]);
  });

  it('rejects wrong types without throwing', () => {
    const { problems } = parseSettings({ composeFiles: 'a.yml', notifyClusterEvents: 'yes' });
    assert.equal(problems.length, 2);
  });
});
