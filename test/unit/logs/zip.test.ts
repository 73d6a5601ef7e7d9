import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ZipWriter, crc32, zipFolder } from '../../../src/util/zip';

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;

describe('zip writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-zip-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes CRC-32 like zlib', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    const big = Buffer.from('x'.repeat(100_000) + 'yz');
    assert.equal(crc32(big), zlib.crc32(big));
  });

  it('writes an archive that unzip -t accepts, with deflated and stored entries', function () {
    if (!hasUnzip) {
      this.skip();
    }
    const z = new ZipWriter(path.join(dir, 'a.zip'));
    z.addFile('logs/wacore1.log', 'I 2024 main.cpp:1] hello\n'.repeat(1000));
    z.addFile('empty.txt', '');
    z.addFile('random.bin', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7919) % 256)));
    z.addFile('ünïcode.txt', 'ok');
    z.close();
    const t = spawnSync('unzip', ['-t', path.join(dir, 'a.zip')], { encoding: 'utf8' });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /No errors detected/);
    const text = execFileSync('unzip', ['-p', path.join(dir, 'a.zip'), 'logs/wacore1.log'], { encoding: 'utf8' });
    assert.equal(text, 'I 2024 main.cpp:1] hello\n'.repeat(1000));
  });

  it('zips a folder under a prefix', function () {
    if (!hasUnzip) {
      this.skip();
    }
    fs.mkdirSync(path.join(dir, 'b', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'b', 'README.txt'), 'index');
    fs.writeFileSync(path.join(dir, 'b', 'sub', 'x.json'), '{}');
    const names = zipFolder(path.join(dir, 'b'), path.join(dir, 'b.zip'), 'bundle');
    assert.deepEqual(names, ['bundle/README.txt', 'bundle/sub/x.json']);
    const l = execFileSync('unzip', ['-Z1', path.join(dir, 'b.zip')], { encoding: 'utf8' });
    assert.deepEqual(l.trim().split('\n'), names);
  });
});
