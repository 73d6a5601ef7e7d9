import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireMachineLock, withMachineLock } from '../../support/machineLock';

describe('test support: machine lock (two Compose legs at once)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-lock-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time and names the holder when a waiter gives up', async () => {
    const lock = path.join(dir, 'ports');
    const release = await acquireMachineLock(lock, { timeoutMs: 1000, what: 'the ports' });
    await assert.rejects(
      acquireMachineLock(lock, { timeoutMs: 300, what: 'the ports' }),
      new RegExp(`the ports: still held by process ${process.pid}`),
    );
    release();
    assert.equal(await withMachineLock(lock, { timeoutMs: 300, what: 'the ports' }, () => Promise.resolve(42)), 42);
    assert.equal(fs.existsSync(lock), false, 'released after the work');
  });

  it('takes over a lock whose owner died', async () => {
    const lock = path.join(dir, 'build');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), dead);
    const release = await acquireMachineLock(lock, { timeoutMs: 1000, what: 'the build' });
    assert.equal(fs.readFileSync(path.join(lock, 'pid'), 'utf8'), String(process.pid));
    release();
  });
});
