import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';

describe('Docker engine smoke test', () => {
  const docker = new Docker();

  it('answers a ping and lists containers through dockerode', async () => {
    const pong: unknown = await docker.ping();
    assert.equal(String(pong), 'OK');
    const containers = await docker.listContainers({ all: true });
    assert.ok(Array.isArray(containers));
  });

  it('runs the Compose CLI', () => {
    const out = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).trim();
    assert.match(out, /^v?\d+\.\d+\.\d+/);
  });
});
