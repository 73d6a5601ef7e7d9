import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TailFileWriter, rewriteLines } from '../../../src/util/tailFile';

describe('tail file writer', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-tail-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every line under the cap, with no header and no segment files left', () => {
    const file = path.join(dir, 'a.log');
    const w = new TailFileWriter(file, 1 << 20);
    for (let i = 0; i < 1000; i++) {
      w.write(`line ${i}`);
    }
    w.finish((d) => (d > 0 ? `# ${d} dropped\n` : undefined));
    assert.equal(fs.readFileSync(file, 'utf8'), `${Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n')}\n`);
    assert.deepEqual(fs.readdirSync(dir), ['a.log']);
    assert.equal(w.dropped, 0);
  });

  it('writes blocks of whole lines beside single lines, counting each line', () => {
    const file = path.join(dir, 'blocks.log');
    const w = new TailFileWriter(file, 1 << 20);
    w.write('one');
    w.writeLines('two\nthree\n');
    w.writeLines(`${'x'.repeat(300_000)}\nfour\n`); // more than a chunk: straight to disk
    w.write('five');
    w.finish();
    assert.equal(fs.readFileSync(file, 'utf8'), `one\ntwo\nthree\n${'x'.repeat(300_000)}\nfour\nfive\n`);
    assert.equal(w.lines, 6);
  });

  it('keeps the newest lines of one large block within the cap', () => {
    const file = path.join(dir, 'block-cap.log');
    const cap = 10_000;
    const w = new TailFileWriter(file, cap);
    w.writeLines(Array.from({ length: 5000 }, (_, i) => `line ${String(i).padStart(6, '0')}\n`).join(''));
    w.finish((d) => `# ${d} dropped\n`);
    const text = fs.readFileSync(file, 'utf8');
    const kept = text.split('\n').filter((l) => l.startsWith('line '));
    assert.ok(text.length <= cap + 100 && text.length >= cap / 2, String(text.length));
    assert.equal(kept.at(-1), 'line 004999');
    assert.equal(kept.length + w.dropped, 5000);
  });

  it('keeps the newest lines (at least half the cap) and counts the dropped ones', () => {
    const file = path.join(dir, 'b.log');
    const cap = 10_000;
    const w = new TailFileWriter(file, cap);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      w.write(`line ${String(i).padStart(6, '0')}`);
    }
    w.finish((d) => `# ${d} dropped\n`);
    const [header, ...rest] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(header, `# ${w.dropped} dropped`);
    assert.equal(rest.length + w.dropped, n);
    assert.equal(rest.at(-1), `line ${String(n - 1).padStart(6, '0')}`);
    const bytes = rest.join('\n').length + 1;
    assert.ok(bytes <= cap && bytes >= cap / 2, String(bytes));
    assert.deepEqual(fs.readdirSync(dir), ['b.log']);
  });

  it('keeps lines longer than its chunk and multi-byte lines in order', () => {
    const file = path.join(dir, 'long.log');
    const w = new TailFileWriter(file, 64 << 20);
    const lines = ['first', 'x'.repeat(300 * 1024), '密码 ünïcode', 'y'.repeat(200 * 1024), 'last'];
    for (const l of lines) {
      w.write(l);
    }
    w.finish();
    assert.equal(fs.readFileSync(file, 'utf8'), `${lines.join('\n')}\n`);
    assert.equal(w.lines, lines.length);
  });

  it('rewrites a file line by line across chunk boundaries, multi-byte characters intact', () => {
    const file = path.join(dir, 'c.log');
    const text = `${Array.from({ length: 200_000 }, (_, i) => `${i} secret-value 密码`).join('\n')}\nlast without newline secret-value`;
    fs.writeFileSync(file, text);
    rewriteLines(file, (l) => l.replaceAll('secret-value', '***'));
    assert.equal(fs.readFileSync(file, 'utf8'), text.replaceAll('secret-value', '***'));
    assert.deepEqual(fs.readdirSync(dir), ['c.log']);
  });
});
