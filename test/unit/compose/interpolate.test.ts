import assert from 'node:assert/strict';
import { parseDotenv } from '../../../src/compose/dotenv';
import { parseImage } from '../../../src/compose/image';
import { interpolate } from '../../../src/compose/interpolate';
import { classifyRole } from '../../../src/compose/roles';

const env: Record<string, string> = { SET: 'v', EMPTY: '' };
const look = (n: string) => env[n];

describe('interpolation (Compose semantics)', () => {
  const cases: [string, string][] = [
    ['${SET}', 'v'],
    ['$SET', 'v'],
    ['$$SET', '$SET'],
    ['${UNSET}', ''],
    ['${SET:-d}', 'v'],
    ['${EMPTY:-d}', 'd'],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${UNSET-d}', 'd'],
    ['${SET:+r}', 'r'],
    ['${EMPTY:+r}', ''],
    ['${EMPTY+r}', 'r'],
    ['${UNSET+r}', ''],
    ['${UNSET:-${SET}}', 'v'],
    ['a$ b', 'a$ b'],
    ['x${SET}y$SET', 'xvyv'],
  ];
  for (const [raw, want] of cases) {
    it(`${raw} → ${JSON.stringify(want)}`, () => {
      const r = interpolate(raw, look);
      assert.equal(r.value, want);
      assert.equal(r.unresolved, false);
    });
  }

  it('${VAR:?msg} and ${VAR?msg}: missing required variables with offsets', () => {
    const r = interpolate('img:v${UNSET:?set it}', look);
    assert.equal(r.unresolved, true);
    assert.deepEqual(
      r.refs.map((x) => [x.name, x.start, x.end, x.missingRequired, x.arg]),
      [['UNSET', 5, 21, true, 'set it']],
    );
    assert.equal(interpolate('${EMPTY:?m}', look).unresolved, true);
    assert.equal(interpolate('${EMPTY?m}', look).unresolved, false);
  });

  it('reports syntax errors instead of throwing', () => {
    assert.equal(interpolate('${', look).errors.length, 1);
    assert.equal(interpolate('${1A}', look).errors.length, 1);
    assert.equal(interpolate('${A B}', look).errors.length, 1);
  });
});

describe('dotenv', () => {
  it('reads quotes, export, comments and interpolation with exact spans', () => {
    const text = '# c\nexport A=1\nB="x ${A}" # c\nC=\'${A}\'\nD=plain # comment\nE\n';
    const f = parseDotenv('/p/.env', text, () => undefined);
    assert.deepEqual(
      f.entries.map((e) => [e.key, e.value]),
      [
        ['A', '1'],
        ['B', 'x 1'],
        ['C', '${A}'],
        ['D', 'plain'],
        ['E', undefined],
      ],
    );
    const d = f.entries[3];
    assert.equal(text.slice(d?.valueSpan.start, d?.valueSpan.end), 'plain');
    assert.deepEqual(f.problems, []);
  });
});

describe('images and roles', () => {
  it('parses registry, repository and tag', () => {
    assert.deepEqual(parseImage('docker.whatsapp.biz/coreapp:v2.41.2'), {
      registry: 'docker.whatsapp.biz',
      repository: 'coreapp',
      name: 'coreapp',
      tag: 'v2.41.2',
      tagOffset: 28,
    });
    assert.equal(parseImage('localhost:5000/wa/web').name, 'web');
    assert.equal(parseImage('localhost:5000/wa/web').tag, undefined);
  });

  it('classifies by image repository under any registry, WA_MASTER_NODE, WA_DB_UPGRADE and names', () => {
    const none = () => undefined;
    assert.equal(classifyRole('x', 'wa-emulator/coreapp:v1', none), 'coreapp');
    assert.equal(
      classifyRole('x', 'docker.whatsapp.biz/coreapp:v1', (n) => (n === 'WA_MASTER_NODE' ? '1' : undefined)),
      'master',
    );
    assert.equal(
      classifyRole('x', 'mirror.local:5000/whatsapp/coreapp:v1', (n) => (n === 'WA_DB_UPGRADE' ? '1' : undefined)),
      'dbupgrade',
    );
    assert.equal(classifyRole('dbupgrade', 'docker.whatsapp.biz/coreapp:v1', none), 'dbupgrade');
    assert.equal(classifyRole('waweb', 'docker.whatsapp.biz/web:v1', none), 'web');
    assert.equal(classifyRole('web', 'web', none), 'other');
    assert.equal(classifyRole('db', 'postgres:13.8', none), 'db');
    assert.equal(classifyRole('x', 'nginx:1', none), 'other');
    assert.equal(
      classifyRole('m', undefined, (n) => (n === 'WA_MASTER_NODE' ? 'true' : undefined)),
      'master',
    );
  });
});
