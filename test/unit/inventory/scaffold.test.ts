import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FileReader } from '../../../src/compose/types';
import { loadProject } from '../../../src/compose/project';
import { lintInventory, loadHostProject } from '../../../src/inventory/lint';
import { loadInventory } from '../../../src/inventory/inventory';
import { generateProductionScaffold, PRODUCTION_COMPOSE_FILE } from '../../../src/inventory/scaffold';
import { lintFiles } from '../../../src/lint/engine';
import { sharedPath } from '../../support/paths';

const dir = '/scaffold';
const hosts = [
  { name: 'a', docker: 'unix:///var/run/docker.sock', externalHostname: 'wa-a.example.internal' },
  { name: 'b', docker: 'ssh://deploy@wa-b.example.internal', externalHostname: 'wa-b.example.internal' },
  { name: 'c', docker: 'prod-c', externalHostname: 'wa-c.example.internal' },
];

function readerOf(files: Record<string, string>): FileReader {
  return { read: (p) => (path.dirname(p) === dir ? files[path.basename(p)] : undefined) };
}

describe('New Cluster: production layout with its inventory (pure scaffold)', () => {
  it("three hosts: the inventory and every host's compose project lint without errors", () => {
    const files = generateProductionScaffold({ hosts, dbHost: 'db.example.internal', shards: 2 });
    assert.deepEqual(
      Object.keys(files).sort(),
      ['a.env', 'b.env', 'c.env', 'db.env', PRODUCTION_COMPOSE_FILE, 'wa-cluster.inventory.yml'].sort(),
    );
    const reader = readerOf(files);
    const inv = path.join(dir, 'wa-cluster.inventory.yml');
    const r = lintInventory(inv, files['wa-cluster.inventory.yml'] ?? '', { reader, contexts: ['default', 'prod-c'] });
    assert.deepEqual(r.findings, []);
    assert.equal(r.inventory?.shards, 2);
    for (const h of hosts) {
      const env = path.join(dir, `${h.name}.env`);
      const { findings } = lintFiles({
        files: [{ path: path.join(dir, PRODUCTION_COMPOSE_FILE), text: files[PRODUCTION_COMPOSE_FILE] ?? '' }],
        reader,
        envFile: env,
        env: {},
      });
      assert.deepEqual(
        findings.filter((f) => f.severity === 'error' || f.rule === 'wa-external-ports'),
        [],
        h.name,
      );
      assert.equal(
        r.projects.get(h.name)?.services.get('master')?.environment.get('COREAPP_HOSTNAME')?.value,
        h.externalHostname,
      );
    }
  });

  it("runs the vendor's services with the same ports and advertised names as prod-multiconnect-compose.yml", () => {
    const files = generateProductionScaffold({ hosts, dbHost: 'db.example.internal' });
    const env = { EXTERNAL_HOSTNAME: 'wa-a.example.internal', WA_API_VERSION: '2.41.2' };
    const vendorPath = sharedPath('fixtures', 'compose', 'installation', PRODUCTION_COMPOSE_FILE);
    const ours = loadProject({
      files: [{ path: path.join(dir, PRODUCTION_COMPOSE_FILE), text: files[PRODUCTION_COMPOSE_FILE] ?? '' }],
      reader: readerOf(files),
      env,
    });
    const vendor = loadProject({
      files: [{ path: vendorPath, text: fs.readFileSync(vendorPath, 'utf8') }],
      reader: { read: () => undefined },
      env,
    });
    const shape = (p: typeof ours): unknown =>
      [...p.services.values()].map((s) => ({
        name: s.name,
        image: s.image?.value,
        restart: s.restart?.value,
        ports: s.ports.map((x) => x.raw),
        env: [
          'WA_APP_MULTICONNECT',
          'WA_MASTER_NODE',
          'COREAPP_EXTERNAL_PORTS',
          'COREAPP_HOSTNAME',
          'WEBAPP_EXTERNAL_PORTS',
          'WEBAPP_HOSTNAME',
        ].map((k) => s.environment.get(k)?.value),
      }));
    assert.deepEqual(shape(ours), shape(vendor));
  });

  it('one host: the inventory warns that masters, coreapps and web have no second copy', () => {
    const first = hosts[0];
    assert.ok(first);
    const files = generateProductionScaffold({ hosts: [first], dbHost: '10.0.0.5' });
    const inv = path.join(dir, 'wa-cluster.inventory.yml');
    const r = lintInventory(inv, files['wa-cluster.inventory.yml'] ?? '', { reader: readerOf(files) });
    assert.deepEqual(
      r.findings.map((f) => f.rule),
      ['inventory-coreapps', 'inventory-masters', 'inventory-web-copy'],
    );
    const loaded = loadInventory(inv, files['wa-cluster.inventory.yml'] ?? '').inventory;
    assert.ok(loaded?.hosts[0] && loadHostProject(loaded.hosts[0], readerOf(files)));
  });

  it('rejects bad options (duplicate host names, a DB host with a space, shards 3)', () => {
    assert.throws(() => generateProductionScaffold({ hosts: [hosts[0]!, hosts[0]!], dbHost: 'db.example.internal' }));
    assert.throws(() => generateProductionScaffold({ hosts, dbHost: 'db host' }));
    assert.throws(() => generateProductionScaffold({ hosts, dbHost: 'db', shards: 3 }));
  });
});
