import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import * as h from '../emulator/src/harness';

describe('Docker engine smoke test', () => {
  const docker = new Docker();

  it('answers a ping and lists containers through dockerode', async () => {
    const pong: unknown = await docker.ping();
    assert.equal(String(pong), 'OK');
    const containers = await docker.listContainers({ all: true });
    assert.ok(Array.isArray(containers));
  });

  const flavor = h.composeFlavor();
  it(`runs the Compose CLI of this run (${flavor})`, () => {
    const cli = h.composeCli(flavor);
    const out = execFileSync(cli.command, [...cli.baseArgs, 'version', '--short'], { encoding: 'utf8' }).trim();
    assert.match(out, flavor === 'v2' ? /^v?2\.\d+\.\d+/ : /^1\.\d+\.\d+/);
  });
});
