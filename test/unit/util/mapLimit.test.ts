import assert from 'node:assert/strict';
import { mapLimit } from '../../../src/util/mapLimit';

describe('util/mapLimit', () => {
  it('keeps the order, never runs more than the limit at once, and rejects with the first failure', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    assert.deepEqual(out, [0, 10, 20, 30, 40, 50]);
    assert.equal(most, 3);
    assert.deepEqual(await mapLimit([], 3, () => Promise.resolve(1)), []);
    await assert.rejects(
      mapLimit([1, 2, 3], 2, (n) => (n === 2 ? Promise.reject(new Error('two')) : Promise.resolve(n))),
      /two/,
    );
  });
});
