import assert from 'node:assert/strict';
import { loadProject } from '../../../src/compose/project';
import { lintFiles } from '../../../src/lint/engine';

const reader = (files: Record<string, string>) => ({ read: (p: string) => files[p] });

describe('project model', () => {
  it('merges -f files like Compose: scalars override, environment by key, ports appended, volumes by target', () => {
    const a =
      'services:\n  web:\n    image: nginx:1\n    environment:\n      A: "1"\n      B: "2"\n    ports: ["80:80"]\n    volumes: ["dd:/data"]\nvolumes:\n  dd: {}\n  ee: {}\n';
    const b =
      'services:\n  web:\n    image: nginx:2\n    environment:\n      B: "3"\n    ports: ["81:81"]\n    volumes: ["ee:/data"]\n';
    const p = loadProject({
      files: [
        { path: '/p/a.yml', text: a },
        { path: '/p/b.yml', text: b },
      ],
      reader: reader({}),
      env: {},
    });
    const web = p.services.get('web');
    assert.equal(web?.image?.value, 'nginx:2');
    assert.equal(web?.image?.span.file, '/p/b.yml');
    assert.deepEqual(
      [...(web?.environment.entries() ?? [])].map(([k, v]) => [k, v.value, v.keySpan.file]),
      [
        ['A', '1', '/p/a.yml'],
        ['B', '3', '/p/b.yml'],
      ],
    );
    assert.deepEqual(
      web?.ports.map((x) => x.published?.start),
      [80, 81],
    );
    assert.deepEqual(
      web?.volumes.map((v) => v.source),
      ['ee'],
    );
  });

  it('applies env_file then environment, and .env + shell for interpolation (shell wins)', () => {
    const files = {
      '/p/.env': 'TAG=1.0\nOTHER=x\n',
      '/p/app.env': 'A=from-file\nB=from-file\n',
    };
    const text =
      'services:\n  web:\n    image: nginx:${TAG}\n    env_file: app.env\n    environment:\n      B: ${OTHER}\n';
    const p = loadProject({
      files: [{ path: '/p/compose.yml', text }],
      reader: reader(files),
      env: { OTHER: 'shell' },
    });
    const web = p.services.get('web');
    assert.equal(web?.image?.value, 'nginx:1.0');
    assert.equal(web?.environment.get('A')?.value, 'from-file');
    assert.equal(web?.environment.get('B')?.value, 'shell');
    assert.ok(p.dependencies.includes('/p/app.env') && p.dependencies.includes('/p/.env'));
  });

  it('resolves extends within the file', () => {
    const text =
      'services:\n  base:\n    image: docker.whatsapp.biz/coreapp:v2.41.2\n    environment:\n      WA_MASTER_NODE: 1\n  m:\n    extends: base\n';
    const p = loadProject({ files: [{ path: '/p/c.yml', text }], reader: reader({}), env: {} });
    assert.equal(p.services.get('m')?.role, 'master');
  });

  it('reports findings in the file that defines the value, across merged files', () => {
    const a = 'services:\n  web:\n    image: nginx:1\n    ports: ["8080:80"]\n';
    const b = 'services:\n  api:\n    image: nginx:1\n    ports: ["8080:80"]\n';
    const { findings } = lintFiles({
      files: [
        { path: '/p/a.yml', text: a },
        { path: '/p/b.yml', text: b },
      ],
      reader: reader({}),
      env: {},
    });
    const conflict = findings.filter((f) => f.rule === 'port-conflict');
    assert.equal(conflict.length, 1);
    assert.equal(conflict[0]?.file, '/p/b.yml');
    assert.deepEqual(conflict[0]?.range, { start: { line: 3, column: 12 }, end: { line: 3, column: 21 } });
  });

  it('per-rule settings override severity or disable a rule', () => {
    const text = "version: '3'\nservices:\n  web:\n    image: nginx:1\n";
    const load = { files: [{ path: '/p/c.yml', text }], reader: reader({}), env: {} };
    assert.equal(lintFiles(load, { rules: { 'obsolete-version': 'error' } }).findings[0]?.severity, 'error');
    assert.equal(lintFiles(load, { rules: { 'obsolete-version': 'off' } }).findings.length, 0);
  });
});
