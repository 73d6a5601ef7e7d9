import assert from 'node:assert/strict';
import { sameJson } from '../../../src/util/sameJson';

/** The reference: what the diff compared before, two serialisations (key order normalised by building alike). */
const byString = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

describe('sameJson', () => {
  const cases: [string, unknown, unknown][] = [
    ['equal primitives', 1, 1],
    ['different numbers', 1, 2],
    ['number and string', 1, '1'],
    ['null and undefined', null, undefined],
    ['NaN and null (both null in JSON)', Number.NaN, null],
    ['Infinity and NaN', Number.POSITIVE_INFINITY, Number.NaN],
    ['an undefined property and none', { a: 1, b: undefined }, { a: 1 }],
    ['a function property and none', { a: 1, f: () => 1 }, { a: 1 }],
    ['a null property and none', { a: 1, b: null }, { a: 1 }],
    ['undefined and null in arrays', [1, undefined], [1, null]],
    ['arrays of different length', [1, 2], [1, 2, 3]],
    ['array and object', [1], { 0: 1 }],
    ['nested equal', { n: { c: { id: 'x', ports: [1, 2] } } }, { n: { c: { id: 'x', ports: [1, 2] } } }],
    ['nested different', { n: { c: { id: 'x', ports: [1, 2] } } }, { n: { c: { id: 'x', ports: [2, 1] } } }],
    ['a Date and its ISO string', { t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' }],
    ['empty object and null', {}, null],
    ['extra key on the right', { a: 1 }, { a: 1, b: 2 }],
  ];
  for (const [what, a, b] of cases) {
    it(`agrees with comparing JSON.stringify: ${what}`, () => {
      assert.equal(sameJson(a, b), byString(a, b));
      assert.equal(sameJson(b, a), byString(b, a));
    });
  }

  it('does not care about key order (the same JSON, written in another order)', () => {
    assert.equal(sameJson({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }), true);
  });
});
