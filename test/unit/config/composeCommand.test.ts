import assert from 'node:assert/strict';
import { parseComposeCommandSetting } from '../../../src/config/composeCommand';

describe('waCluster.compose.command (shell words)', () => {
  it('splits on spaces and keeps quoted paths with spaces whole', () => {
    assert.deepEqual(parseComposeCommandSetting('docker compose'), ['docker', 'compose']);
    assert.deepEqual(parseComposeCommandSetting('"/opt/my tools/docker" compose --ansi never'), [
      '/opt/my tools/docker',
      'compose',
      '--ansi',
      'never',
    ]);
    assert.deepEqual(parseComposeCommandSetting("'/Applications/Docker Desktop/docker-compose'"), [
      '/Applications/Docker Desktop/docker-compose',
    ]);
    assert.deepEqual(parseComposeCommandSetting('/opt/my\\ tools/docker-compose'), ['/opt/my tools/docker-compose']);
  });

  it('expands nothing (no shell runs it) and refuses operators', () => {
    assert.deepEqual(parseComposeCommandSetting('docker --context $CTX compose'), [
      'docker',
      '--context',
      '$CTX',
      'compose',
    ]);
    assert.throws(() => parseComposeCommandSetting('docker compose | tee log'), /shell syntax \(\|\)/);
    assert.throws(() => parseComposeCommandSetting('docker compose; rm -rf x'), /shell syntax/);
  });
});
