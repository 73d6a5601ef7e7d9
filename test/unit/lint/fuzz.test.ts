import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import { lintFiles } from '../../../src/lint/engine';
import { sharedPath } from '../../support/paths';
import { fixturesDir } from './helpers';

/** A small deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [':', '-', ' ', '\n', '  ', '"', "'", '${', '}', '$$', '${A:?x}', '${B:-${C}}', '[', ']', '{', '}', '&a', '*a', '<<: *a', '#', '\t', 'network_mode: bridge', 'links: [db]', 'WA_DB_PORT: x', '6250-6253', '9090:443', 'null', '~', '!!str', '%'];

function mutate(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const op = r();
    if (op < 0.35) {
      t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 20));
    } else if (op < 0.7) {
      t = t.slice(0, at) + (TOKENS[Math.floor(r() * TOKENS.length)] ?? '') + t.slice(at);
    } else if (op < 0.85) {
      // Duplicate a line somewhere else.
      const lines = t.split('\n');
      const l = lines[Math.floor(r() * lines.length)] ?? '';
      lines.splice(Math.floor(r() * lines.length), 0, l);
      t = lines.join('\n');
    } else {
      // Swap indentation of a line.
      const lines = t.split('\n');
      const k = Math.floor(r() * lines.length);
      lines[k] = (r() < 0.5 ? ' ' : '') + (lines[k] ?? '').replace(/^ /, r() < 0.5 ? '' : '   ');
      t = lines.join('\n');
    }
  }
  return t;
}

describe('linting never throws (fuzz)', function () {
  this.timeout(60_000);

  it('3000 random mutations of fixture files: no exception, no internal-error, bounded time per file', () => {
    const seeds = [
      ...['installation/multiconnect-compose.yml', 'installation/postgres/multiconnect-compose.yml', 'installation/prod-multiconnect-compose.yml', 'installation/docker-compose.yml', 'installation/dbupgrade-compose.yml', 'monitoring/monitoring-compose.yml', 'history/docker-compose.pre-2d1734b-with-links.yml']
        .map((f) => sharedPath('fixtures', 'compose', ...f.split('/'))),
      path.join(fixturesDir, 'base/multiconnect-compose.yml'),
    ];
    const r = rng(20240611);
    let worst = 0;
    for (let i = 0; i < 3000; i++) {
      const file = seeds[i % seeds.length] ?? '';
      const text = mutate(fs.readFileSync(file, 'utf8'), r);
      const dbEnv = mutate(nodeFileReader.read(path.join(path.dirname(file), 'db.env')) ?? 'WA_DB_ENGINE=MYSQL\n', r);
      const started = performance.now();
      const { findings } = lintFiles({
        files: [{ path: file, text }],
        reader: { read: (p) => (p.endsWith('db.env') ? dbEnv : nodeFileReader.read(p)) },
        env: {},
      });
      const ms = performance.now() - started;
      worst = Math.max(worst, ms);
      const internal = findings.filter((f) => f.rule === 'internal-error');
      assert.deepEqual(internal, [], `mutation ${i} of ${file}:\n${text}`);
      assert.ok(ms < 500, `mutation ${i} of ${file} took ${ms.toFixed(0)} ms`);
      for (const f of findings) {
        assert.ok(f.range.start.line >= 0 && f.range.end.line >= f.range.start.line, `bad range ${JSON.stringify(f)}`);
      }
    }
    assert.ok(worst < 500);
  });
});
