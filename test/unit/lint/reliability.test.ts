import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_READ_BYTES, nodeFileReader, readTextFile } from '../../../src/compose/nodeReader';
import { positionAt, parseCompose } from '../../../src/compose/source';
import type { Finding } from '../../../src/compose/types';
import { lintFiles } from '../../../src/lint/engine';
import { applyRuleFixes, fixturesDir, lintPaths, overlayReader } from './helpers';

/** Defects found by probing the linter as an attacker or a careless user would (issue 12); each kept as its reproducer. */

const lintText = (
  text: string,
  opts: { file?: string; overlay?: Map<string, string>; envFile?: string } = {},
): Finding[] =>
  lintFiles({
    files: [{ path: opts.file ?? '/p/compose.yml', text }],
    reader: overlayReader(opts.overlay ?? new Map<string, string>()),
    env: {},
    ...(opts.envFile ? { envFile: opts.envFile } : {}),
  }).findings;

const rules = (fs: Finding[]): string[] => fs.map((f) => f.rule);

/** CPU milliseconds `f` takes (wall time would measure the other processes of the machine). */
function cpuMs(f: () => void): number {
  const start = process.cpuUsage();
  f();
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
}

describe('reliability: special files are never read whole', function () {
  this.timeout(30_000);
  let dir = '';
  let fifo = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-special-'));
    fifo = path.join(dir, 'pipe.env');
    execFileSync('mkfifo', [fifo]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lintOnDisk = (compose: string, envFile?: string): Finding[] => {
    const file = path.join(dir, 'compose.yml');
    fs.writeFileSync(file, compose);
    return lintFiles({
      files: [{ path: file, text: compose }],
      reader: nodeFileReader,
      env: {},
      ...(envFile ? { envFile } : {}),
    }).findings;
  };

  for (const target of ['/dev/zero', '/dev/urandom', 'FIFO', 'directory']) {
    it(`env_file: ${target} gives an unreadable-file finding (no hang, no unbounded read)`, () => {
      const p = target === 'FIFO' ? fifo : target === 'directory' ? dir : target;
      const findings = lintOnDisk(`services:\n  a:\n    image: x\n    env_file: ${p}\n`);
      const f = findings.find((x) => x.rule === 'unreadable-file');
      assert.ok(f, rules(findings).join(', '));
      assert.match(f.message, /FIFO|device|directory/);
      assert.ok(!rules(findings).includes('undefined-reference'), 'not reported as missing too');
    });
  }

  it('extends.file, .env and --env-file that are a FIFO or a device give unreadable-file too', () => {
    assert.ok(
      rules(lintOnDisk(`services:\n  a:\n    image: x\n    extends: { file: ${fifo}, service: b }\n`)).includes(
        'unreadable-file',
      ),
    );
    assert.ok(rules(lintOnDisk('services:\n  a:\n    image: x\n', fifo)).includes('unreadable-file'));
    assert.ok(rules(lintOnDisk('services:\n  a:\n    image: x\n', '/dev/zero')).includes('unreadable-file'));
    fs.rmSync(path.join(dir, '.env'), { force: true });
    execFileSync('mkfifo', [path.join(dir, '.env')]);
    assert.ok(rules(lintOnDisk('services:\n  a:\n    image: x\n')).includes('unreadable-file'));
    fs.rmSync(path.join(dir, '.env'));
  });

  it('env_file: /dev/null reads as empty, as Compose does', () => {
    assert.deepEqual(rules(lintOnDisk('services:\n  a:\n    image: x\n    env_file: /dev/null\n')), []);
  });

  it('a file larger than the limit is refused by its size, without reading it', () => {
    const big = path.join(dir, 'big.env');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, MAX_READ_BYTES + 1);
    const r = readTextFile(big);
    assert.ok(r && 'refused' in r && r.refused.reason === 'tooLarge');
    assert.ok(rules(lintOnDisk(`services:\n  a:\n    image: x\n    env_file: ${big}\n`)).includes('unreadable-file'));
  });
});

describe('reliability: YAML anchors, aliases and merge keys', () => {
  it('the base cluster written with anchors and merge keys has no finding (Compose accepts it)', () => {
    const { findings } = lintPaths([path.join(fixturesDir, 'anchors/multiconnect-compose.yml')]);
    assert.deepEqual(
      findings.map((f) => `${f.rule} ${f.range.start.line + 1} ${f.message}`),
      [],
    );
  });

  it('restart: *r is the anchored policy: no "no restart policy", and no quick fix writing a second restart', () => {
    const text =
      'x: &r unless-stopped\nservices:\n  master1:\n    image: docker.whatsapp.biz/coreapp:v2.41.2\n    restart: *r\n    environment:\n      WA_MASTER_NODE: 1\n';
    assert.ok(!rules(lintText(text)).includes('wa-restart-policy'));
    const no = lintText(text.replace('&r unless-stopped', '&r "no"')).find((f) => f.rule === 'wa-restart-policy');
    assert.ok(no?.message.includes('restart: no'), no?.message);
  });

  it('explicit keys win over merged ones, and the first merged map wins over later ones (YAML merge, as Compose)', () => {
    const text =
      'x-a: &a {image: a, restart: "no"}\nx-b: &b {image: b, hostname: hb}\nservices:\n  s:\n    <<: [*a, *b]\n    restart: always\n';
    const { project } = lintFiles({
      files: [{ path: '/p/compose.yml', text }],
      reader: overlayReader(new Map()),
      env: {},
    });
    const s = project.services.get('s');
    assert.equal(s?.image?.value, 'a');
    assert.equal(s?.restart?.value, 'always');
    assert.equal(s?.hostname?.value, 'hb');
  });

  it('an alias bomb is refused with a clear finding, quickly', () => {
    let t = 'x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    for (let k = 1; k < 10; k++) {
      t += `x${k}: &x${k} [${Array(9)
        .fill(`*x${k - 1}`)
        .join(', ')}]\n`;
    }
    let findings: Finding[] = [];
    const ms = cpuMs(() => {
      findings = lintText(`${t}services:\n  a:\n    image: x\n    command: *x9\n`);
    });
    assert.ok(
      findings.some((f) => f.rule === 'yaml-syntax' && /alias bomb/.test(f.message)),
      rules(findings).join(', '),
    );
    assert.ok(ms < 2000, `${ms} ms`);
  });

  it('quick fixes after a block scalar (`WA_APP_MULTICONNECT: |` then the next key) leave valid YAML that no longer has the finding', () => {
    const dir = path.join(fixturesDir, 'base');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-block-'));
    try {
      for (const f of fs.readdirSync(dir)) {
        fs.copyFileSync(path.join(dir, f), path.join(tmp, f));
      }
      const file = path.join(tmp, 'multiconnect-compose.yml');
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace('WA_APP_MULTICONNECT: 1\n', 'WA_APP_MULTICONNECT: |\n'),
      );
      const before = lintPaths([file]).findings;
      assert.ok(rules(before).includes('wa-multiconnect-flag'), rules(before).join(', '));
      const { result, applied, texts } = applyRuleFixes([file], 'wa-multiconnect-flag');
      assert.ok(applied > 0);
      assert.deepEqual(
        result.findings.map((f) => `${f.rule} ${f.range.start.line + 1} ${f.message}`),
        [],
      );
      assert.match(texts.get(file) ?? '', /WA_APP_MULTICONNECT: 1\n +WEBAPP_EXTERNAL_PORTS/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('reliability: size, depth, cycles and encodings', function () {
  this.timeout(60_000);

  it('the duplicate-key check is linear in the size of a map (20k and 40k keys)', () => {
    const map = (n: number): string =>
      `services:\n  a:\n    image: x\n    environment:\n${Array.from({ length: n }, (_, k) => `      K${k}: v\n`).join('')}      K7: dup\n`;
    let dup: Finding[] = [];
    const small = cpuMs(() => {
      dup = lintText(map(20_000));
    });
    const large = cpuMs(() => lintText(map(40_000)));
    assert.ok(dup.some((f) => f.rule === 'yaml-syntax' && f.message.includes('`K7`')));
    assert.ok(
      large < small * 3.5 + 200,
      `20k keys ${small.toFixed(0)} ms, 40k keys ${large.toFixed(0)} ms: not linear`,
    );
  });

  it('port-conflict and wa-hostname-mismatch are linear in the service count (1,000 and 4,000 services)', () => {
    const services = (n: number): string =>
      `services:\n${Array.from({ length: n }, (_, k) => `  wacore${k}:\n    image: docker.whatsapp.biz/coreapp:v2.41.2\n    ports: ["${10000 + k}:6250"]\n    environment:\n      COREAPP_HOSTNAME: wacore${k}\n`).join('')}`;
    const one = cpuMs(() => lintText(services(1000)));
    const four = cpuMs(() => lintText(services(4000)));
    assert.ok(
      four < one * 8 + 300,
      `1,000 services ${one.toFixed(0)} ms, 4,000 services ${four.toFixed(0)} ms: not linear`,
    );
  });

  it('extends cycles (itself, within a file, across files) and include of itself are circular-reference findings', () => {
    const self = lintText('services:\n  a:\n    image: x\n    extends: a\n');
    assert.ok(self.some((f) => f.rule === 'circular-reference' && f.message.includes('a → a')));
    const within = lintText('services:\n  a:\n    extends: b\n  b:\n    image: x\n    extends:\n      service: a\n');
    assert.ok(within.some((f) => f.rule === 'circular-reference' && f.message.includes('a → b → a')));
    const across = lintText('services:\n  a:\n    image: x\n    extends: { file: b.yml, service: b }\n', {
      overlay: new Map([['/p/b.yml', 'services:\n  b:\n    extends: { file: compose.yml, service: a }\n']]),
    });
    assert.ok(
      across.some((f) => f.rule === 'circular-reference' && f.message.includes('b.yml#b')),
      rules(across).join(', '),
    );
    const include = lintText('include:\n  - compose.yml\nservices:\n  a:\n    image: x\n');
    assert.ok(include.some((f) => f.rule === 'circular-reference' && f.message.includes('include')));
    const viaOther = lintText('include: [b.yml]\nservices:\n  a:\n    image: x\n', {
      overlay: new Map([['/p/b.yml', 'include:\n  - path: compose.yml\n']]),
    });
    assert.ok(
      viaOther.some((f) => f.rule === 'circular-reference' && f.message.includes('compose.yml → b.yml → compose.yml')),
    );
  });

  it('10,000-deep nesting is one clear finding, not "Maximum call stack size exceeded"', () => {
    for (const text of [
      `a: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
      Array.from({ length: 10_000 }, (_, k) => `${' '.repeat(k)}k${k}:\n`).join(''),
    ]) {
      const findings = lintText(text);
      assert.equal(findings.filter((f) => f.rule === 'yaml-syntax').length, 1);
      assert.ok(!findings.some((f) => /call stack/i.test(f.message)));
      assert.match(findings[0]?.message ?? '', /nests more than/);
    }
  });

  it('invalid UTF-8 and UTF-16 are reported as encodings (not silently accepted, not "must be a mapping")', () => {
    const bad = Buffer.from('services:\n  a:\n    image: x\n', 'utf8');
    bad[24] = 0xff;
    const utf8 = lintText(bad.toString('utf8'));
    assert.ok(
      utf8.some((f) => f.rule === 'yaml-syntax' && /not valid UTF-8/.test(f.message)),
      rules(utf8).join(', '),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-utf16-'));
    try {
      const file = path.join(dir, 'compose.yml');
      fs.writeFileSync(file, Buffer.from('\ufeffservices:\n  a:\n    image: x\n', 'utf16le'));
      const r = readTextFile(file);
      const text = r && 'text' in r ? r.text : '';
      const utf16 = lintText(text);
      assert.ok(
        utf16.some((f) => /UTF-16/.test(f.message)),
        utf16.map((f) => f.message).join('\n'),
      );
      assert.ok(!utf16.some((f) => /must be a mapping/.test(f.message)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a UTF-8 byte order mark does not shift columns', () => {
    const text = 'services:\n  a:\n    image: x\n    image: y\n';
    const plain = lintText(text).map((f) => f.range);
    assert.deepEqual(
      lintText(`\ufeff${text}`).map((f) => f.range),
      plain,
    );
    assert.deepEqual(positionAt(parseCompose('/p/c.yml', '\ufeffa: 1\n'), 1), { line: 0, column: 0 });
    assert.deepEqual(
      lintText('\ufeffbad key\n').map((f) => f.range.start.column),
      lintText('bad key\n').map((f) => f.range.start.column),
    );
  });

  it('collection keys (`? [a]`) do not make the YAML library print a warning (process warning → stderr)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.message);
    };
    process.on('warning', onWarning);
    try {
      lintText('services:\n  a:\n    image: x\n    labels:\n      ? [a, b]\n      : 1\n');
      // Node emits process warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });
});
