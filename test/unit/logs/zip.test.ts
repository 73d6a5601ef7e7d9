import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { zipFolder } from '../../../src/util/zip';

describe('zip of a folder (streamed through one read buffer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-zip-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('zips a folder under a prefix: deflated text, binary, empty and non-ASCII entries that unzip -t accepts', async () => {
    const b = path.join(dir, 'b');
    fs.mkdirSync(path.join(b, 'logs'), { recursive: true });
    const log = 'I 2024 main.cpp:1] hello\n'.repeat(100_000); // > one read chunk
    fs.writeFileSync(path.join(b, 'logs', 'wacore1.log'), log);
    fs.writeFileSync(path.join(b, 'empty.txt'), '');
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7919) % 256));
    fs.writeFileSync(path.join(b, 'random.bin'), bin);
    fs.writeFileSync(path.join(b, 'ünïcode.txt'), 'ok');
    const names = await zipFolder(b, path.join(dir, 'b.zip'), 'bundle');
    assert.deepEqual(names, ['bundle/empty.txt', 'bundle/logs/wacore1.log', 'bundle/random.bin', 'bundle/ünïcode.txt']);
    const t = spawnSync('unzip', ['-t', path.join(dir, 'b.zip')], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /No errors detected/);
    assert.equal(
      execFileSync('unzip', ['-p', path.join(dir, 'b.zip'), 'bundle/logs/wacore1.log'], {
        encoding: 'utf8',
        maxBuffer: 10_000_000,
      }),
      log,
    );
    const entries = unzipSync(fs.readFileSync(path.join(dir, 'b.zip')));
    assert.deepEqual(Buffer.from(entries['bundle/random.bin']!), bin);
    assert.equal(strFromU8(entries['bundle/ünïcode.txt']!), 'ok');
    assert.ok(fs.statSync(path.join(dir, 'b.zip')).size < log.length / 20, 'deflated');
  });

  it('an unwritable target rejects and leaves no partial archive', async () => {
    fs.writeFileSync(path.join(dir, 'x.txt'), 'x');
    await assert.rejects(zipFolder(dir, path.join(dir, 'no-such-folder', 'a.zip')), /ENOENT/);
  });

  it('a cancel while it deflates rejects with the abort and leaves no partial archive', async () => {
    const b = path.join(dir, 'b');
    fs.mkdirSync(b);
    for (const n of [1, 2, 3]) {
      fs.writeFileSync(path.join(b, `wacore${n}.log`), `I 2024 main.cpp:${n}] line\n`.repeat(400_000));
    }
    const zipPath = path.join(dir, 'b.zip');
    const cancel = new AbortController();
    const zipping = zipFolder(b, zipPath, '', cancel.signal);
    await new Promise((r) => setTimeout(r, 20));
    cancel.abort();
    await assert.rejects(zipping, (e: Error) => e.name === 'AbortError');
    assert.equal(fs.existsSync(zipPath), false);
  });
});
