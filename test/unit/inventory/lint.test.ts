import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import type { FileReader, Finding } from '../../../src/compose/types';
import { loadInventory } from '../../../src/inventory/inventory';
import { lintInventory } from '../../../src/inventory/lint';
import { english } from '../../../src/util/translate';
import { repoRoot, sharedPath } from '../../support/paths';

const dir = path.join(repoRoot, 'test/fixtures/inventory');
const VENDOR = 'prod-multiconnect-compose.yml';

/** Disk, except that every prod-multiconnect-compose.yml in the fixtures is the vendor's file, unmodified. */
const reader: FileReader = {
  read: (p) =>
    path.basename(p) === VENDOR && p.startsWith(dir)
      ? fs.readFileSync(sharedPath('fixtures', 'compose', 'installation', VENDOR), 'utf8')
      : nodeFileReader.read(p),
};

function lint(file: string, contexts: string[] = ['default', 'prod-a']): Finding[] {
  const p = path.join(dir, file);
  return lintInventory(p, fs.readFileSync(p, 'utf8'), { reader, contexts }).findings;
}

/** `rule file:line:col-line:col text-at-range`, 1-based, so a test shows exactly what is underlined. */
function show(f: Finding): string {
  const lines = fs.existsSync(f.file) ? fs.readFileSync(f.file, 'utf8').split('\n') : [];
  const text =
    f.range.start.line === f.range.end.line
      ? (lines[f.range.start.line] ?? '').slice(f.range.start.column, f.range.end.column)
      : '…';
  return `${f.rule} ${path.relative(dir, f.file)}:${f.range.start.line + 1}:${f.range.start.column + 1}-${f.range.end.line + 1}:${f.range.end.column + 1} ${text}`;
}

describe('inventory lint (test/fixtures/inventory)', () => {
  it("the vendor's production file on three hosts with a correct inventory lints without findings", () => {
    assert.deepEqual(lint('good/wa-cluster.inventory.yml').map(show), []);
  });

  const cases: [string, string[]][] = [
    ['unknown-context', ['inventory-unknown-context mistakes/unknown-context.inventory.yml:7:13-7:19 prod-b']],
    ['duplicate-hostname', ['inventory-duplicate-hostname mistakes/dup-hostname.env:1:19-1:40 wa-a.example.internal']],
    ['port-collision', ['inventory-port-collision mistakes/ports-collide.env:3:23-3:27 6250']],
    [
      'external-ports',
      ['inventory-external-ports mistakes/external-ports-override.yml:4:31-4:52 "6250,6251,6252,6253"'],
    ],
    ['external-web-port', ['inventory-external-ports mistakes/external-web-port-override.yml:4:30-4:36 "9443"']],
    ['db-service', ['inventory-db-service-name mistakes/db-service/db.env:2:16-2:18 db']],
    [
      'one-host',
      [
        'inventory-coreapps mistakes/one-host.inventory.yml:1:1-1:6 hosts',
        'inventory-masters mistakes/one-host.inventory.yml:1:1-1:6 hosts',
        'inventory-web-copy mistakes/one-host.inventory.yml:1:1-1:6 hosts',
      ],
    ],
    ['shards', ['inventory-coreapps mistakes/shards.inventory.yml:1:9-1:10 2']],
    ['two-masters', ['inventory-masters-one-host mistakes/two-masters.inventory.yml:2:3-2:4 a']],
    ['missing-file', ['inventory-schema mistakes/missing-file.inventory.yml:9:26-9:37 missing.env']],
    [
      'schema',
      [
        'inventory-schema mistakes/schema.inventory.yml:1:9-1:10 3',
        'inventory-schema mistakes/schema.inventory.yml:5:14-5:16 []',
        'inventory-schema mistakes/schema.inventory.yml:6:5-6:8 tls',
        'inventory-schema mistakes/schema.inventory.yml:11:13-11:25 "not a host"',
        'inventory-schema mistakes/schema.inventory.yml:13:5-13:11 colour',
      ],
    ],
  ];
  for (const [name, expected] of cases) {
    it(`mistakes/${name}.inventory.yml: exactly ${expected.map((e) => e.split(' ')[0]).join(', ')} at the exact ranges`, () => {
      assert.deepEqual(lint(`mistakes/${name}.inventory.yml`).map(show), expected);
    });
  }

  it('names the hosts and what to do', () => {
    const [dup] = lint('mistakes/duplicate-hostname.inventory.yml');
    assert.match(dup?.message ?? '', /Host `c` advertises `wa-a\.example\.internal`.*as host `a` does/);
    const [db] = lint('mistakes/db-service.inventory.yml');
    assert.match(db?.message ?? '', /`db` on `a`, `b`: a compose service name \(on host `db`\)/);
    const [ports] = lint('mistakes/port-collision.inventory.yml');
    assert.match(
      ports?.message ?? '',
      /On host `b`, `master` publishes host port 6250, which `wacore` already publishes/,
    );
  });

  it('without a list of contexts the context check is skipped; rule settings turn rules off or change severity', () => {
    const p = path.join(dir, 'mistakes/unknown-context.inventory.yml');
    assert.deepEqual(lintInventory(p, fs.readFileSync(p, 'utf8'), { reader }).findings, []);
    const one = path.join(dir, 'mistakes/one-host.inventory.yml');
    const r = lintInventory(one, fs.readFileSync(one, 'utf8'), {
      reader,
      rules: { 'inventory-masters': 'off', 'inventory-web-copy': 'error' },
    });
    assert.deepEqual(
      r.findings.map((f) => `${f.rule} ${f.severity}`),
      ['inventory-coreapps warning', 'inventory-web-copy error'],
    );
  });

  it('words its findings through the translator (zh-CN bundle)', () => {
    const zh = JSON.parse(fs.readFileSync(path.join(repoRoot, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<
      string,
      string
    >;
    const t = (m: string, ...a: (string | number)[]): string => english(zh[m] ?? `UNTRANSLATED ${m}`, ...a);
    for (const file of [
      'mistakes/one-host.inventory.yml',
      'mistakes/port-collision.inventory.yml',
      'mistakes/schema.inventory.yml',
    ]) {
      const p = path.join(dir, file);
      const r = lintInventory(p, fs.readFileSync(p, 'utf8'), { reader, contexts: ['default'], t });
      assert.ok(
        r.findings.length > 0 &&
          r.findings.every((f) => /[\u4e00-\u9fff]/.test(f.message) && !f.message.includes('UNTRANSLATED')),
        JSON.stringify(r.findings.map((f) => f.message)),
      );
    }
  });

  it('parses hosts, endpoints and paths relative to the inventory', () => {
    const p = path.join(dir, 'good/wa-cluster.inventory.yml');
    const inv = loadInventory(p, fs.readFileSync(p, 'utf8')).inventory;
    assert.ok(inv);
    assert.equal(inv.shards, 2);
    assert.deepEqual(
      inv.hosts.map((h) => h.name),
      ['a', 'b', 'c'],
    );
    assert.deepEqual(inv.hosts[1]?.docker, { kind: 'url', url: 'ssh://deploy@wa-b.example.internal' });
    assert.deepEqual(inv.hosts[2]?.docker, {
      kind: 'url',
      url: 'tcp://wa-c.example.internal:2376',
      tls: {
        ca: path.join(dir, 'good/certs/ca.pem'),
        cert: path.join(dir, 'good/certs/cert.pem'),
        key: path.join(dir, 'good/certs/key.pem'),
      },
    });
    assert.deepEqual(inv.hosts[0]?.envFiles, [path.join(dir, 'good/a.env')]);
  });
});
