import assert from 'node:assert/strict';
import fs from 'node:fs';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import type { FileReader, Finding } from '../../../src/compose/types';
import { ALL_RULES } from '../../../src/lint/allRules';
import { lintFiles } from '../../../src/lint/engine';
import { english, type Translate } from '../../../src/util/translate';
import { sharedPath } from '../../support/paths';

/** Rules that pass on what the compose loader (src/compose) wrote: their words do not go through `t`. */
const WORDED_BY_LOADER = new Set(['compose-schema', 'env-file-syntax', 'interpolation-syntax']);

/** A translator that marks what it words, so a message that bypasses it stands out. */
const mark: Translate = (m, ...a) => `«${english(m, ...a)}»`;
const unmark = (s: string): string => s.replace(/[«»]/g, '');

const VENDOR = ['installation/multiconnect-compose.yml', 'installation/docker-compose.yml', 'installation/dbupgrade-compose.yml', 'history/docker-compose.pre-2d1734b-with-links.yml'];

/** Broken compose files, written to trip as many rules as possible. */
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
    const reader: FileReader = { read: (p) => INLINE[p] ?? nodeFileReader.read(p) };
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
        if (WORDED_BY_LOADER.has(f.rule)) {
          assert.equal(f.message, e.message);
          return;
        }
        assert.match(f.message, /^«[\s\S]*»$/, `${file.path}: ${f.rule} is not worded through t: ${f.message}`);
        assert.equal(unmark(f.message), e.message);
        if (f.fix) {
          assert.match(f.fix.title, /^«[\s\S]*»$/, `${file.path}: the fix title of ${f.rule} is not worded through t: ${f.fix.title}`);
          assert.equal(unmark(f.fix.title), e.fix?.title);
        }
      });
    }
    assert.deepEqual(ALL_RULES.map((r) => r.id).filter((id) => !rules.has(id) && !WORDED_BY_LOADER.has(id)), [], 'rules the files above do not trip');
  });
});
