import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { composeFailureCause } from '../../../src/docker/composeFailure';
import { repoRoot } from '../../support/paths';

const sample = (name: string): string =>
  fs.readFileSync(path.join(repoRoot, 'test/fixtures/compose-stderr', name), 'utf8');

describe('docker/composeFailure (the one line that says why Compose failed)', () => {
  it('v1, image missing: the pull error at the end, not the orphan warning that comes first', () => {
    const text = sample('v1-missing-image-pull.txt');
    assert.match(text.split('\n')[0]!, /Found orphan containers/);
    assert.equal(
      composeFailureCause(text),
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
    );
  });

  it("v2, image missing: the daemon's answer, without the per-service progress", () => {
    assert.equal(
      composeFailureCause(sample('v2-missing-image-pull.txt')),
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
    );
    assert.equal(
      composeFailureCause(sample('v2-missing-image-pull-never.txt')),
      'No such image: wa-emulator/coreapp:v2.99.0',
    );
  });

  it("port taken: v1's last ERROR line and v2's daemon error, without the endpoint id", () => {
    assert.equal(
      composeFailureCause(sample('v1-port-allocated.txt')),
      'Cannot start service wacore: driver failed programming external connectivity on endpoint upgs222937_wacore_1: Bind for 127.0.0.1:39517 failed: port is already allocated',
    );
    assert.equal(
      composeFailureCause(sample('v2-port-allocated.txt')),
      'driver failed programming external connectivity on endpoint upgs222937-wacore-1: Bind for 127.0.0.1:39517 failed: port is already allocated',
    );
  });

  it('colour codes are ignored; nothing to go on gives undefined; a very long cause is cut', () => {
    assert.equal(composeFailureCause('\u001b[31mError response from daemon: boom\u001b[0m\n'), 'boom');
    assert.equal(composeFailureCause(''), undefined);
    assert.equal(composeFailureCause('Found orphan containers (x) for this project.\n'), undefined);
    const long = composeFailureCause(`Error: ${'x'.repeat(1000)}`)!;
    assert.equal(long.length, 300);
    assert.ok(long.endsWith('…'));
  });
});
