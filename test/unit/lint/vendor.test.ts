import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sharedPath } from '../../support/paths';
import { fmtRange, lintPaths } from './helpers';

const vendor = (...p: string[]): string => sharedPath('fixtures', 'compose', ...p);

function composeFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

describe('vendor compose files (shared/fixtures/compose)', () => {
  it('every file lints without crashing', () => {
    for (const f of composeFilesUnder(vendor())) {
      const { findings } = lintPaths([f]);
      assert.ok(
        !findings.some((x) => x.rule === 'internal-error'),
        `${f}: ${JSON.stringify(findings.filter((x) => x.rule === 'internal-error'))}`,
      );
    }
  });

  for (const f of ['installation/multiconnect-compose.yml', 'installation/postgres/multiconnect-compose.yml']) {
    it(`${f} (with its db.env) has no error-severity finding; the missing WA_API_VERSION is a warning`, () => {
      const { findings } = lintPaths([vendor(...f.split('/'))]);
      assert.deepEqual(
        findings.filter((x) => x.severity === 'error').map((x) => `${x.rule} ${fmtRange(x)} ${x.message}`),
        [],
      );
      const missing = findings.filter((x) => x.rule === 'required-variable');
      assert.equal(missing.length, 6, 'one per WhatsApp image');
      assert.ok(missing.every((x) => x.severity === 'warning' && x.message.includes('WA_API_VERSION')));
    });
  }

  it('the single-instance and prod files keep network_mode: bridge while addressing services by name (wa-network-mode-bridge)', () => {
    for (const f of [
      'installation/docker-compose.yml',
      'installation/postgres/docker-compose.yml',
      'installation/prod-docker-compose.yml',
      'installation/dbupgrade-compose.yml',
    ]) {
      const { findings } = lintPaths([vendor(...f.split('/'))]);
      const bridge = findings.filter((x) => x.rule === 'wa-network-mode-bridge');
      assert.ok(bridge.length > 0, `${f}: no wa-network-mode-bridge finding`);
      assert.ok(bridge.every((x) => x.severity === 'error'));
      const src = fs.readFileSync(vendor(...f.split('/')), 'utf8').split('\n');
      for (const b of bridge) {
        assert.equal(src[b.range.start.line]?.slice(b.range.start.column, b.range.end.column), 'bridge');
      }
    }
  });

  it('the pre-2d1734b file uses legacy links (wa-legacy-links)', () => {
    const { findings } = lintPaths([vendor('history', 'docker-compose.pre-2d1734b-with-links.yml')]);
    assert.deepEqual(
      findings.filter((x) => x.rule === 'wa-legacy-links').map((x) => fmtRange(x)),
      ['48:5-48:10', '70:5-70:10'],
    );
  });

  it('dbupgrade-compose.yml cannot reach the cluster DB by name (wa-dbupgrade)', () => {
    const { findings } = lintPaths([vendor('installation', 'dbupgrade-compose.yml')]);
    const up = findings.filter((x) => x.rule === 'wa-dbupgrade');
    assert.equal(up.length, 1);
    assert.equal(up[0]?.severity, 'error');
    assert.match(up[0]?.message ?? '', /WA_DB_HOSTNAME=db/);
  });

  it('no file sets WA_API_VERSION: required-variable warns wherever it is used', () => {
    for (const f of composeFilesUnder(vendor('installation'))) {
      const text = fs.readFileSync(f, 'utf8');
      const uses = (text.match(/\$\{WA_API_VERSION:\?/g) ?? []).length;
      const { findings } = lintPaths([f]);
      assert.equal(
        findings.filter((x) => x.rule === 'required-variable' && x.message.startsWith('`WA_API_VERSION`')).length,
        uses,
        f,
      );
    }
  });

  it('with WA_API_VERSION=v2.41.2 in the environment, wa-version-prefix fires on every WhatsApp image', () => {
    const { findings } = lintPaths([vendor('installation', 'multiconnect-compose.yml')], { WA_API_VERSION: 'v2.41.2' });
    assert.equal(findings.filter((x) => x.rule === 'wa-version-prefix').length, 6);
    assert.equal(findings.filter((x) => x.rule === 'required-variable').length, 0);
  });
});

describe('compose corpus (shared/fixtures/compose-corpus, 39 valid files)', () => {
  it('no error-severity finding fires on any of them', () => {
    const dir = sharedPath('fixtures', 'compose-corpus');
    const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length >= 39, `only ${files.length} corpus files`);
    const errors: string[] = [];
    for (const f of files) {
      const { findings } = lintPaths([path.join(dir, f)]);
      errors.push(
        ...findings
          .filter((x) => x.severity === 'error' || x.rule === 'internal-error')
          .map((x) => `${f}:${fmtRange(x)} ${x.rule} ${x.message}`),
      );
    }
    assert.deepEqual(errors, []);
  });
});
