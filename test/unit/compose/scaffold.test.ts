import assert from 'node:assert/strict';
import path from 'node:path';
import { parse } from 'yaml';
import { loadProject } from '../../../src/compose/project';
import { generateScaffold } from '../../../src/compose/scaffold';
import { lintFiles } from '../../../src/lint/engine';

function lintScaffold(files: Record<string, string>) {
  const dir = '/virtual/cluster';
  const texts = new Map(Object.entries(files).map(([k, v]) => [path.join(dir, k), v]));
  const file = path.join(dir, 'multiconnect-compose.yml');
  return lintFiles({
    files: [{ path: file, text: texts.get(file) ?? '' }],
    reader: { read: (p) => texts.get(p) },
    env: {},
  });
}

describe('scaffold generator', () => {
  for (const engine of ['mysql', 'postgres'] as const) {
    for (const coreapps of [2, 3]) {
      it(`${engine}, 2 masters, ${coreapps} coreapps: lints clean (no finding at all)`, () => {
        const files = generateScaffold({ engine, masters: 2, coreapps });
        const { findings, project } = lintScaffold({ ...files });
        assert.deepEqual(
          findings.map((f) => `${f.rule} ${f.message}`),
          [],
        );
        const roles = [...project.services.values()].map((s) => s.role).sort();
        assert.deepEqual(
          roles,
          ['coreapp', 'coreapp', 'db', 'master', 'master', 'web', ...(coreapps === 3 ? ['coreapp'] : [])].sort(),
        );
      });
    }
  }

  it('mirrors the vendor structure: same services and keys as installation/multiconnect-compose.yml (3 coreapps)', () => {
    const files = generateScaffold({ coreapps: 3 });
    const doc = parse(files['multiconnect-compose.yml']) as { services: Record<string, Record<string, unknown>> };
    assert.deepEqual(Object.keys(doc.services), ['db', 'waweb', 'master1', 'master2', 'wacore1', 'wacore2', 'wacore3']);
    assert.deepEqual(doc.services.wacore1?.cap_drop, ['MKNOD']);
    assert.match(files['db.env'], /^WA_DB_ENGINE=MYSQL$/m);
    assert.match(files['.env'], /^WA_API_VERSION=2\.41\.2$/m);
  });

  it('honours the registry prefix, web port and db image', () => {
    const files = generateScaffold({
      engine: 'postgres',
      registry: 'wa-emulator',
      webPort: 9443,
      dbImage: 'postgres:14',
      coreapps: 2,
    });
    const text = files['multiconnect-compose.yml'];
    assert.match(text, /image: wa-emulator\/coreapp:v\$\{WA_API_VERSION/);
    assert.match(text, /"9443:443"/);
    assert.match(text, /image: postgres:14/);
    const { findings } = lintScaffold({ ...files });
    assert.deepEqual(
      findings.map((f) => `${f.rule} ${f.message}`),
      [],
    );
    const p = loadProject({
      files: [{ path: '/v/multiconnect-compose.yml', text }],
      reader: { read: () => undefined },
      env: { WA_API_VERSION: '2.41.2' },
    });
    assert.equal(p.services.get('waweb')?.role, 'web');
  });

  it('rejects invalid options', () => {
    assert.throws(() => generateScaffold({ masters: 0 }));
    assert.throws(() => generateScaffold({ dbPassword: 'bad!pass' }));
  });
});
