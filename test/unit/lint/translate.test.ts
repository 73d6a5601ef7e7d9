import assert from 'node:assert/strict';
import fs from 'node:fs';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import type { FileReader, Finding, ReadRefusal } from '../../../src/compose/types';
import { ALL_RULES } from '../../../src/lint/allRules';
import { lintFiles } from '../../../src/lint/engine';
import { describeImage, describeVariable, WA_VARIABLES } from '../../../src/lint/glossary';
import { english, type Translate } from '../../../src/util/translate';
import { sharedPath } from '../../support/paths';

/** A translator that marks what it words, so a message that bypasses it stands out. */
const mark: Translate = (m, ...a) => `«${english(m, ...a)}»`;
const unmark = (s: string): string => s.replace(/[«»]/g, '');

const VENDOR = [
  'installation/multiconnect-compose.yml',
  'installation/docker-compose.yml',
  'installation/dbupgrade-compose.yml',
  'history/docker-compose.pre-2d1734b-with-links.yml',
];

/** Broken compose files, written to trip as many rules (and as many messages of the compose loader) as possible. */
const INLINE: Record<string, string> = {
  '/p/yaml/docker-compose.yml': 'services:\n  a:\n    image: x\n    image: y\n  b: [\n',
  '/p/cluster/docker-compose.yml': `version: "3.7"
services:
  master1:
    image: docker.whatsapp.biz/coreapp:vv2.41.2
    restart: "no"
    network_mode: bridge
    environment:
      WA_MASTER_NODE: 1
      WA_DB_ENGINE: PGSQL
      WA_DB_HOSTNAME: db
      WA_DB_PORT: 33060
      WA_DB_USERNAME: bob
      WA_DB_PASSWORD: "a!b"
      COREAPP_HOSTNAME: wacore1
      COREAPP_EXTERNAL_PORTS: "1,2"
  wacore1:
    image: docker.whatsapp.biz/coreapp:v2.41
    depends_on: [nosuch]
    volumes: [media:/usr/local/wamedia, undeclared:/data]
    environment:
      WA_DB_HOSTNAME: mysql
      WA_API_KEY: short
      X: \${NOT_SET} \${REQUIRED:?set it} \${BROKEN
  web:
    image: docker.whatsapp.biz/web:v2.41.2
    links: [wacore1]
    ports: ["80:80", "80:80"]
    unknown_key: 1
  dbupgrade:
    image: docker.whatsapp.biz/coreapp:v2.41.2
    restart: always
    environment:
      WA_DB_UPGRADE: 0
  db:
    image: mysql:8.0
    ports: ["33060:3306"]
    environment:
      MYSQL_ROOT_PASSWORD: x
volumes:
  media: {}
`,
  '/p/schema/docker-compose.yml': `services:
  web:
    image: x
    imag: y
    ports: 5
    healthcheck: {test: 3}
    environment: [1]
    labels: "\${1A}"
    depends_on: {db: {}}
  db: 3
  "bad name!":
    image: z
unknownTop: 2
`,
  '/p/empty/docker-compose.yml': '',
  '/p/list/docker-compose.yml': '- a\n',
  '/p/alias/docker-compose.yml': 'a: *nowhere\n',
  '/p/cycle/docker-compose.yml': 'include: [docker-compose.yml]\nservices:\n  a:\n    image: x\n    extends: a\n',
  '/p/special/docker-compose.yml':
    'services:\n  a:\n    image: x\n    env_file: [fifo.env, dir.env, device.env, big.env]\n',
  '/p/deep/docker-compose.yml': `a: ${'['.repeat(1000)}`,
  '/p/bomb/docker-compose.yml': `a: &a [x, x, x, x, x, x, x, x, x, x]\n${[...'bcdefg'].map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`).join('\n')}\n`,
  '/p/utf8/docker-compose.yml': 'services:\n  a:\n    image: \ufffd\n',
  '/p/utf16/docker-compose.yml': '\u0000s\u0000:\u0000',
};

/** Files that exist but are not regular (the reader refuses them). */
const REFUSED: Record<string, ReadRefusal> = {
  '/p/special/fifo.env': { reason: 'fifo' },
  '/p/special/dir.env': { reason: 'directory' },
  '/p/special/device.env': { reason: 'device' },
  '/p/special/big.env': { reason: 'tooLarge', size: 20 * 1048576, limit: 16 * 1048576 },
};

/** The env files beside the compose files above: each bad line env-file-syntax knows. */
const ENV_FILES: Record<string, string> = {
  '/p/cluster/.env': 'export OK=1\n=no key\nNOT A LINE\nOPEN="unterminated\n',
  '/p/schema/.env': "OPEN='unterminated\n",
  '/p/utf8/.env': 'A\u0000=1\n',
};

function vendorFile(rel: string): { path: string; text: string } {
  const p = sharedPath('fixtures', 'compose', ...rel.split('/'));
  return { path: p, text: fs.readFileSync(p, 'utf8') };
}

/** The finding without its words: what must not change with the language. */
function shape(f: Finding): unknown {
  return { ...f, message: undefined, fix: f.fix ? { ...f.fix, title: undefined } : undefined };
}

describe('lint messages go through the translator', () => {
  it('marks every message and fix title of every rule (rules, ranges and edits as in English)', () => {
    const reader: FileReader = {
      read: (p) => INLINE[p] ?? ENV_FILES[p] ?? (REFUSED[p] ? undefined : nodeFileReader.read(p)),
      refusal: (p) => REFUSED[p],
    };
    const projects = [...VENDOR.map(vendorFile), ...Object.entries(INLINE).map(([path, text]) => ({ path, text }))];
    const rules = new Set<string>();
    for (const file of projects) {
      const load = { files: [file], reader, env: {} };
      const en = lintFiles(load).findings;
      const tr = lintFiles(load, { t: mark }).findings;
      assert.ok(en.length > 0, `${file.path}: no findings`);
      assert.deepEqual(tr.map(shape), en.map(shape), file.path);
      tr.forEach((f, i) => {
        const e = en[i]!;
        rules.add(f.rule);
        assert.match(f.message, /^«[\s\S]*»$/, `${file.path}: ${f.rule} is not worded through t: ${f.message}`);
        assert.equal(unmark(f.message), e.message);
        if (f.fix) {
          assert.match(
            f.fix.title,
            /^«[\s\S]*»$/,
            `${file.path}: the fix title of ${f.rule} is not worded through t: ${f.fix.title}`,
          );
          assert.equal(unmark(f.fix.title), e.fix?.title);
        }
      });
    }
    assert.deepEqual(
      ALL_RULES.map((r) => r.id).filter((id) => !rules.has(id)),
      [],
      'rules the files above do not trip',
    );
  });

  it('words the parts of a compose-schema message through the translator too', () => {
    const file = '/p/schema/docker-compose.yml';
    const text = INLINE[file] ?? '';
    const messages = lintFiles(
      { files: [{ path: file, text }], reader: { read: (p) => ENV_FILES[p] }, env: {} },
      { t: mark },
    ).findings.map((f) => f.message);
    assert.ok(
      messages.includes(
        '«Unknown key `imag` in «service `web`»: Compose rejects the file. Did you mean `image`? Remove it or prefix it with `x-`.»',
      ),
      messages.join('\n'),
    );
    assert.ok(
      messages.includes(
        '«Unknown key `unknownTop` in «the top level»: Compose rejects the file. Remove it or prefix it with `x-`.»',
      ),
      messages.join('\n'),
    );
    assert.ok(
      messages.includes('««`ports` of service `web`» has the wrong type («a number»): expected array.»'),
      messages.join('\n'),
    );
  });

  it('words the glossary hovers (variables and images) through the translator', () => {
    const names = Object.keys(WA_VARIABLES);
    assert.ok(names.length > 20);
    for (const name of names) {
      const marked = describeVariable(name, mark) ?? '';
      assert.match(marked, /^«[\s\S]*»$/, `${name} is not worded through t`);
      assert.equal(unmark(marked), describeVariable(name, english));
    }
    assert.equal(describeVariable('NOT_A_WA_VARIABLE', mark), undefined);
    assert.equal(describeVariable('constructor', mark), undefined);
    for (const [image, role, resolved] of [
      ['docker.whatsapp.biz/coreapp:v${WA_API_VERSION}', 'master', 'docker.whatsapp.biz/coreapp:v2.41.2'],
      ['mysql:8.0', 'other', undefined],
    ] as const) {
      const marked = describeImage(image, role, resolved, mark);
      const lines = marked.split('\n').filter((l) => l !== '');
      assert.ok(lines.length > 0);
      for (const line of lines) {
        assert.match(line, /^«[\s\S]*»$/, `${image}: a hover line is not worded through t: ${line}`);
      }
      assert.equal(unmark(marked), describeImage(image, role, resolved, english));
    }
    assert.equal(
      describeImage(
        'docker.whatsapp.biz/coreapp:v${WA_API_VERSION}',
        'master',
        'docker.whatsapp.biz/coreapp:v2.41.2',
        english,
      ).split('\n').length,
      5,
    );
  });
});
