import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Issue 12, found already #1: `status` hung forever when the web never answered /v1/health,
 * because `AbortSignal.any([signal, AbortSignal.timeout(ms)])` loses its timeout after a garbage
 * collection on Node 20 (nodejs/node#57736). The reproducer runs in a child `node --expose-gc`
 * that forces a collection every 20 ms while each request waits on a server that never answers.
 */
describe('timeouts survive garbage collection (node --expose-gc, hung servers)', function () {
  this.timeout(60_000);

  it('the API transport, the Docker client and the raw inspector all time out after ~400 ms', () => {
    const script = path.join(__dirname, 'hungServerGc.script.js');
    const child = spawnSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(
      child.signal,
      null,
      `the child hung (killed by ${child.signal}): a timeout was lost\n${child.stdout}${child.stderr}`,
    );
    assert.equal(child.status, 0, child.stderr);
    const results = child.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; outcome: string; ms: number });
    assert.deepEqual(
      results.map((r) => r.name),
      [
        'api transport',
        'api transport with a caller signal',
        'docker client',
        'raw inspector',
        'signalWithTimeout alone',
      ],
    );
    for (const r of results) {
      assert.ok(r.outcome === 'timeout' || r.outcome === 'TimeoutError', `${r.name}: ${r.outcome}`);
      assert.ok(r.ms >= 350 && r.ms < 5000, `${r.name} took ${r.ms} ms`);
    }
  });
});
