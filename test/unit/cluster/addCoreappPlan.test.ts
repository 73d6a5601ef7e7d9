import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { nextServiceName, planAddCoreapp } from '../../../src/cluster/addCoreappPlan';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import { lintFiles } from '../../../src/lint/engine';
import { sharedPath } from '../../support/paths';

const vendorDir = sharedPath('fixtures', 'compose', 'installation');

/** A copy of a vendor folder (its db.env too) with `compose` as the compose file's text. */
function workspace(compose: string, env = 'WA_API_VERSION=2.41.2\n'): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-addcore-'));
  fs.copyFileSync(path.join(vendorDir, 'db.env'), path.join(dir, 'db.env'));
  fs.writeFileSync(path.join(dir, '.env'), env);
  const file = path.join(dir, 'multiconnect-compose.yml');
  fs.writeFileSync(file, compose);
  return { dir, file };
}

function plan(file: string, text: string) {
  return planAddCoreapp({ files: [{ path: file, text }], env: {}, reader: nodeFileReader });
}

describe('Add Coreapp: a new coreapp service in the compose file', () => {
  it('names the next free wacoreN', () => {
    assert.equal(nextServiceName('wacore3', new Set(['wacore1', 'wacore2', 'wacore3', 'master1'])), 'wacore4');
    assert.equal(nextServiceName('wacore', new Set(['wacore'])), 'wacore2');
    assert.equal(nextServiceName('wacore2', new Set(['wacore1', 'wacore2', 'wacore7'])), 'wacore8');
  });

  it("copies the vendor file's last coreapp as wacore4 with its own COREAPP_HOSTNAME, keeps every comment, lints clean", () => {
    const text = fs.readFileSync(path.join(vendorDir, 'multiconnect-compose.yml'), 'utf8');
    const { dir, file } = workspace(text);
    try {
      const p = plan(file, text);
      assert.ok(p.ok, p.ok ? '' : p.reason);
      assert.equal(p.service, 'wacore4');
      assert.equal(p.hostname, 'wacore4');
      assert.equal(p.template, 'wacore3');
      // The rest of the file is byte for byte what it was: the new block is only inserted.
      const lines = p.text.split('\n');
      assert.equal(lines[p.line], '  wacore4:');
      const found = lines.findIndex((l, i) => i > p.line && /^\S|^ {2}\S|^$/.test(l));
      const end = found < 0 ? lines.length : found;
      const copied = lines.slice(p.line, end).join('\n');
      assert.match(copied, /COREAPP_HOSTNAME: "wacore4"/);
      assert.match(copied, /# This is the version of the docker templates/);
      assert.equal([...lines.slice(0, p.line), ...lines.slice(end)].join('\n'), text);
      const doc = parseDocument(p.text);
      assert.equal(doc.errors.length, 0);
      assert.deepEqual(
        (doc.getIn(['services', 'wacore4', 'depends_on']) as { toJSON(): unknown }).toJSON(),
        (doc.getIn(['services', 'wacore3', 'depends_on']) as { toJSON(): unknown }).toJSON(),
      );
      const before = lintFiles({ files: [{ path: file, text }], reader: nodeFileReader, env: {} }).findings;
      const after = lintFiles({ files: [{ path: file, text: p.text }], reader: nodeFileReader, env: {} }).findings;
      assert.deepEqual(
        after.filter((f) => f.severity === 'error').map((f) => f.message),
        before.filter((f) => f.severity === 'error').map((f) => f.message),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves fixed host ports past every published one, COREAPP_EXTERNAL_PORTS with them', () => {
    const text = `services:
  waweb:
    image: docker.whatsapp.biz/web:v\${WA_API_VERSION}
    ports:
      - "9090:443"
    environment:
      WA_APP_MULTICONNECT: 1
  wacore1:
    image: docker.whatsapp.biz/coreapp:v\${WA_API_VERSION}
    restart: unless-stopped
    ports:
      - "6250-6253:6250-6253"
    environment:
      WA_APP_MULTICONNECT: 1
      COREAPP_EXTERNAL_PORTS: "6250,6251,6252,6253"
      COREAPP_HOSTNAME: wacore1 # per node
`;
    const { dir, file } = workspace(text);
    try {
      const p = plan(file, text);
      assert.ok(p.ok, p.ok ? '' : p.reason);
      assert.match(
        p.text,
        / {2}wacore2:\n[\s\S]*"9091-9094:6250-6253"[\s\S]*COREAPP_EXTERNAL_PORTS: "9091,9092,9093,9094"\n {6}COREAPP_HOSTNAME: wacore2 # per node\n$/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses, saying why, when COREAPP_HOSTNAME comes from a variable (a per-host prod file)', () => {
    const text = fs.readFileSync(path.join(vendorDir, 'prod-multiconnect-compose.yml'), 'utf8');
    const { dir, file } = workspace(text, 'WA_API_VERSION=2.41.2\nEXTERNAL_HOSTNAME=host1\n');
    try {
      const p = plan(file, text);
      assert.equal(p.ok, false);
      assert.match(p.ok ? '' : p.reason, /add the new coreapp by hand/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
