import assert from 'node:assert/strict';
import { BoundedLineBuffer } from '../../../src/util/lineBuffer';

describe('BoundedLineBuffer', () => {
  it('keeps the last N lines and counts the dropped ones', () => {
    const b = new BoundedLineBuffer({ maxLines: 3 });
    b.pushAll(['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(b.lines(), ['c', 'd', 'e']);
    assert.equal(b.dropped, 2);
    assert.equal(b.length, 3);
    assert.equal(b.text(), 'c\nd\ne');
  });

  it('keeps within a character budget, newest first', () => {
    const b = new BoundedLineBuffer({ maxLines: 100, maxChars: 10 });
    b.pushAll(['1234', '5678', 'abcd']);
    assert.deepEqual(b.lines(), ['5678', 'abcd']);
    assert.equal(b.size, 8);
    assert.equal(b.dropped, 1);
  });

  it('truncates a single line longer than the budget instead of losing it', () => {
    const b = new BoundedLineBuffer({ maxLines: 5, maxChars: 4 });
    b.push('0123456789');
    assert.deepEqual(b.lines(), ['6789']);
  });

  it('stays bounded over a million lines (memory never grows with the log)', () => {
    const b = new BoundedLineBuffer({ maxLines: 1000 });
    for (let i = 0; i < 1_000_000; i++) {
      b.push(`line ${i}`);
    }
    assert.equal(b.length, 1000);
    assert.equal(b.dropped, 999_000);
    assert.equal(b.lines()[0], 'line 999000');
    assert.ok((b as unknown as { items: string[] }).items.length <= 3000, 'dead prefix is compacted');
  });

  it('clear() resets counts', () => {
    const b = new BoundedLineBuffer({ maxLines: 1 });
    b.pushAll(['a', 'b']);
    b.clear();
    assert.equal(b.length, 0);
    assert.equal(b.dropped, 0);
    assert.equal(b.size, 0);
  });
});
