import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_RULES } from '../../../src/lint/allRules';
import { applyRuleFixes, fixturesDir, fmtRange, lintPaths } from './helpers';

interface Expected {
  /** File the finding is in, relative to the case folder. */
  file: string;
  range: string;
}

interface Case {
  rule: string;
  dir: string;
  severity: 'error' | 'warning' | 'info';
  expected: Expected[];
  /** Whether applying the rule's quick fixes must clear every finding of the rule. */
  fixClears: boolean;
}

const c = (
  rule: string,
  dir: string,
  severity: Case['severity'],
  expected: [string, string][],
  fixClears = true,
): Case => ({ rule, dir, severity, expected: expected.map(([file, range]) => ({ file, range })), fixClears });

/** Positive fixtures: every rule, the exact ranges it reports (1-based, end exclusive). */
const CASES: Case[] = [
  c('yaml-syntax', 'duplicate-key', 'error', [['compose.yml', '4:5-4:10']], false),
  c('yaml-syntax', 'bad-indent', 'error', [['compose.yml', '4:1-4:2']], false),
  c(
    'compose-schema',
    'unknown-key',
    'error',
    [
      ['compose.yml', '4:5-4:15'],
      ['compose.yml', '6:12-6:19'],
    ],
    false,
  ),
  c('interpolation-syntax', 'unclosed', 'error', [['compose.yml', '3:18-3:23']], false),
  c('env-file-syntax', 'bad-line', 'error', [['app.env', '2:1-2:23']], false),
  c(
    'unreadable-file',
    'device',
    'error',
    [
      ['compose.yml', '5:9-5:18'],
      ['compose.yml', '6:9-6:11'],
    ],
    false,
  ),
  c(
    'circular-reference',
    'extends',
    'error',
    [
      ['compose.yml', '2:5-2:16'],
      ['compose.yml', '6:14-6:18'],
      ['compose.yml', '9:16-9:17'],
      ['compose.yml', '13:16-13:17'],
    ],
    false,
  ),
  c(
    'undefined-reference',
    'refs',
    'error',
    [
      ['compose.yml', '5:9-5:12'],
      ['compose.yml', '7:9-7:19'],
      ['compose.yml', '9:9-9:20'],
    ],
    false,
  ),
  c('required-variable', 'unset', 'warning', [['compose.yml', '3:19-3:42']], false),
  c('unset-variable', 'unset', 'info', [['compose.yml', '3:18-3:24']], false),
  c('obsolete-version', 'version', 'info', [['compose.yml', '1:1-1:8']]),
  c('port-conflict', 'same-port', 'error', [['compose.yml', '9:9-9:36']], false),
  c('wa-version-prefix', 'dotenv', 'error', [['.env', '3:16-3:23']]),
  c('wa-version-format', 'dotenv', 'warning', [['.env', '3:16-3:20']], false),
  c('wa-version-mismatch', 'literal', 'error', [['compose.yml', '119:12-119:47']]),
  c('wa-multiconnect-flag', 'missing', 'error', [['compose.yml', '95:3-95:10']]),
  c('wa-ha-topology', 'one-each', 'warning', [['compose.yml', '11:1-11:9']], false),
  c('wa-hostname-mismatch', 'copy-paste', 'error', [['compose.yml', '131:25-131:34']]),
  c('wa-external-ports', 'wrong', 'warning', [
    ['compose.yml', '86:31-86:52'],
    ['compose.yml', '108:31-108:47'],
  ]),
  c(
    'wa-media-volume',
    'mixed',
    'error',
    [
      ['compose.yml', '72:3-72:10'],
      ['compose.yml', '123:9-123:35'],
    ],
    false,
  ),
  c('wa-db-config', 'port', 'error', [['db.env', '3:12-3:17']]),
  c('wa-db-config', 'host', 'error', [['db.env', '2:16-2:21']]),
  c('wa-db-config', 'password', 'error', [['db.env', '5:16-5:25']], false),
  c('wa-db-config', 'engine', 'error', [['db.env', '1:14-1:20']], false),
  c('wa-network-mode-bridge', 'single', 'error', [
    ['compose.yml', '13:19-13:25'],
    ['compose.yml', '23:19-23:25'],
  ]),
  c('wa-legacy-links', 'links', 'warning', [
    ['compose.yml', '13:5-13:10'],
    ['compose.yml', '25:5-25:10'],
  ]),
  c('wa-mysql8-auth', 'no-flag', 'warning', [['compose.yml', '14:12-14:24']]),
  c('wa-web-port', 'no-443', 'error', [['compose.yml', '32:5-32:10']]),
  c('wa-api-key', 'short', 'error', [['compose.yml', '40:19-40:24']], false),
  c('wa-dbupgrade', 'loop', 'error', [
    ['compose.yml', '7:3-7:12'],
    ['compose.yml', '9:14-9:20'],
  ]),
  c('wa-dbupgrade', 'own-project', 'error', [['compose.yml', '2:3-2:12']], false),
  c('wa-restart-policy', 'no-restart', 'info', [
    ['compose.yml', '72:3-72:10'],
    ['compose.yml', '119:14-119:18'],
  ]),
];

const caseFile = (k: Case): string => path.join(fixturesDir, 'rules', k.rule, k.dir, 'compose.yml');

describe('lint rules: positive fixtures', () => {
  for (const k of CASES) {
    describe(`${k.rule} (${k.dir})`, () => {
      it('reports the exact ranges with the rule id and severity', () => {
        const { findings } = lintPaths([caseFile(k)]);
        const mine = findings.filter((f) => f.rule === k.rule);
        const folder = path.dirname(caseFile(k));
        assert.deepEqual(
          mine.map((f) => ({ file: path.relative(folder, f.file), range: fmtRange(f) })),
          k.expected,
          mine.map((f) => `${f.file}:${fmtRange(f)} ${f.message}`).join('\n'),
        );
        for (const f of mine) {
          assert.equal(f.severity, k.severity);
          assert.ok(f.message.length > 20, 'the message says what is wrong and what to do');
        }
      });
      if (k.fixClears) {
        it('quick fixes clear it', () => {
          const { result, applied } = applyRuleFixes([caseFile(k)], k.rule);
          assert.ok(applied > 0, 'no fix was offered');
          const left = result.findings.filter((f) => f.rule === k.rule);
          assert.deepEqual(
            left.map((f) => `${fmtRange(f)} ${f.message}`),
            [],
          );
          const newErrors = result.findings.filter((f) => f.severity === 'error' && f.rule === 'yaml-syntax');
          assert.deepEqual(newErrors, [], 'the fix left valid YAML');
        });
      }
    });
  }

  it('has a positive fixture for every rule', () => {
    const covered = new Set(CASES.map((k) => k.rule));
    assert.deepEqual(
      ALL_RULES.map((r) => r.id).filter((id) => !covered.has(id)),
      [],
    );
  });
});

describe('lint rules: negative fixture', () => {
  it('the base multiconnect cluster (db.env + .env) has no finding at all', () => {
    const { findings } = lintPaths([path.join(fixturesDir, 'base/multiconnect-compose.yml')]);
    assert.deepEqual(
      findings.map((f) => `${f.rule} ${fmtRange(f)} ${f.message}`),
      [],
    );
  });

  it('each positive fixture differs from a clean project only by its rule (no other warnings/errors besides known ones)', () => {
    for (const k of CASES.filter((x) => x.rule.startsWith('wa-'))) {
      const { findings } = lintPaths([caseFile(k)]);
      const others = findings.filter(
        (f) =>
          f.rule !== k.rule &&
          f.severity === 'error' &&
          !['wa-network-mode-bridge', 'wa-dbupgrade', 'wa-db-config'].includes(f.rule),
      );
      assert.deepEqual(
        others.map((f) => `${k.rule}/${k.dir}: ${f.rule} ${f.message}`),
        [],
      );
    }
  });
});

describe('lint settings in package.json', () => {
  it('waCluster.lint.rules lists exactly the rule ids', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(fixturesDir, '../../../package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { properties?: Record<string, unknown> }> }[] };
    };
    const props = manifest.contributes.configuration
      .map((c) => c.properties['waCluster.lint.rules'])
      .find((p) => p !== undefined);
    assert.deepEqual(Object.keys(props?.properties ?? {}).sort(), ALL_RULES.map((r) => r.id).sort());
  });
});
