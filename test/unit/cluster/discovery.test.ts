import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DiscoveryMemo,
  composeProjectName,
  discoverClusters,
  discoverClustersStepwise,
  folderEventConcernsClusters,
} from '../../../src/cluster/discovery';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import { sharedPath } from '../../support/paths';

function composeFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /compose[^/]*\.ya?ml$/.test(f))
    .map((f) => path.join(dir, f));
}

describe('cluster/discovery', () => {
  it('finds the vendor clusters and skips the DB-upgrade job and monitoring files', () => {
    const root = sharedPath('fixtures', 'compose');
    const clusters = discoverClusters({ candidates: composeFilesUnder(root), reader: nodeFileReader });
    const names = clusters.map((c) => path.relative(root, c.files[0] ?? '')).sort();
    // The alternatives in one folder (docker-compose.yml, prod-*) are one cluster: the biggest file describes it.
    assert.deepEqual(names, [
      'history/docker-compose.pre-2d1734b-with-links.yml',
      'installation/multiconnect-compose.yml',
      'installation/postgres/multiconnect-compose.yml',
    ]);
    assert.ok(!names.some((n) => n.includes('dbupgrade') || n.startsWith('monitoring')), names.join(', '));
    const mc = clusters.find((c) => c.files[0]?.endsWith('installation/multiconnect-compose.yml'));
    assert.ok(mc);
    assert.equal(mc.projectName, 'installation');
    assert.equal(mc.inferredApiUrl, 'https://127.0.0.1:9090');
    assert.deepEqual(
      mc.declared.map((d) => `${d.name}:${d.kind}:${d.hostname ?? ''}`),
      [
        'db:db:',
        'waweb:web:waweb',
        'master1:master:master1',
        'master2:master:master2',
        'wacore1:coreapp:wacore1',
        'wacore2:coreapp:wacore2',
        'wacore3:coreapp:wacore3',
      ],
    );
  });

  it('a folder copied in, or a cluster folder (or one above it) removed, concerns the clusters; other paths do not', () => {
    const dirs = ['/ws/a/biz', '/ws/b'];
    assert.equal(folderEventConcernsClusters('/ws/new', true, dirs), true);
    assert.equal(folderEventConcernsClusters('/ws/a', false, dirs), true);
    assert.equal(folderEventConcernsClusters('/ws/b', false, dirs), true);
    assert.equal(folderEventConcernsClusters('/ws/a/bi', false, dirs), false);
    assert.equal(folderEventConcernsClusters('/ws/a/biz/notes.txt', false, dirs), false);
  });

  it('stepwise: the same clusters, with a pause after each file parsed and after its model (the editor runs in between)', async () => {
    const candidates = composeFilesUnder(sharedPath('fixtures', 'compose'));
    let pauses = 0;
    const stepwise = await discoverClustersStepwise({ candidates, reader: nodeFileReader }, () => {
      pauses++;
      return Promise.resolve();
    });
    assert.deepEqual(stepwise, discoverClusters({ candidates, reader: nodeFileReader }));
    assert.equal(pauses, 2 * candidates.length);
  });

  it('with a memo: a project whose files read the same is not parsed again; one whose .env changed is', async () => {
    const vendor = sharedPath('fixtures', 'compose', 'installation');
    const files = new Map<string, string>();
    for (const p of ['a', 'b']) {
      files.set(
        `/ws/${p}/multiconnect-compose.yml`,
        fs.readFileSync(path.join(vendor, 'multiconnect-compose.yml'), 'utf8'),
      );
      files.set(`/ws/${p}/db.env`, fs.readFileSync(path.join(vendor, 'db.env'), 'utf8'));
      files.set(`/ws/${p}/.env`, `WA_API_VERSION=2.53.${p === 'a' ? 1 : 2}\n`);
    }
    const reads: string[] = [];
    const reader = {
      read(p: string) {
        reads.push(p);
        return files.get(p);
      },
    };
    const memo = new DiscoveryMemo();
    const discover = async (candidates: string[]) => {
      let pauses = 0;
      const clusters = await discoverClustersStepwise({ candidates, reader, memo }, () => {
        pauses++;
        return Promise.resolve();
      });
      memo.forgetUnused();
      return { clusters, pauses, versions: clusters.map((c) => `${c.projectName} ${c.version ?? ''}`) };
    };
    const both = ['/ws/a/multiconnect-compose.yml', '/ws/b/multiconnect-compose.yml'];
    const first = await discover(both);
    assert.deepEqual(first.versions, ['a 2.53.1', 'b 2.53.2']);
    assert.equal(first.pauses, 4);
    assert.ok(reads.includes('/ws/a/db.env'), 'env files are read (and remembered)');

    const again = await discover(both);
    assert.equal(again.pauses, 0, 'nothing parsed');
    assert.equal(again.clusters[0], first.clusters[0], 'the same cluster, not a new one');
    assert.deepEqual(again.versions, first.versions);

    files.set('/ws/b/.env', 'WA_API_VERSION=2.54.0\n');
    const changed = await discover(both);
    assert.equal(changed.pauses, 2, 'only b parsed again');
    assert.deepEqual(changed.versions, ['a 2.53.1', 'b 2.54.0']);
    assert.equal(changed.clusters[0], first.clusters[0]);

    // Unsaved editor text, a removed env file: whatever reads differently counts.
    files.delete('/ws/a/db.env');
    assert.equal((await discover(both)).pauses, 2);
    // A project left the workspace: forgotten, so coming back parses it again.
    await discover(['/ws/a/multiconnect-compose.yml']);
    assert.equal((await discover(both)).pauses, 2);
    // Another project name setting is another discovery, not the memo's.
    let pauses = 0;
    const [named] = await discoverClustersStepwise(
      { candidates: ['/ws/a/multiconnect-compose.yml'], projectName: 'prod', reader, memo },
      () => {
        pauses++;
        return Promise.resolve();
      },
    );
    assert.equal(named?.projectName, 'prod');
    assert.equal(pauses, 2);
  });

  it('reads the version and project name from .env, and honours configured files and name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-disc-'));
    try {
      fs.copyFileSync(
        sharedPath('fixtures', 'compose', 'installation', 'multiconnect-compose.yml'),
        path.join(dir, 'multiconnect-compose.yml'),
      );
      fs.copyFileSync(sharedPath('fixtures', 'compose', 'installation', 'db.env'), path.join(dir, 'db.env'));
      fs.writeFileSync(path.join(dir, '.env'), 'WA_API_VERSION=2.53.2\nCOMPOSE_PROJECT_NAME=biz\n');
      const [c] = discoverClusters({
        candidates: [path.join(dir, 'multiconnect-compose.yml')],
        reader: nodeFileReader,
      });
      assert.ok(c);
      assert.equal(c.version, '2.53.2');
      assert.equal(c.projectName, 'biz');
      assert.equal(c.envFile, path.join(dir, '.env'));
      const [named] = discoverClusters({
        candidates: [],
        configuredFiles: [path.join(dir, 'multiconnect-compose.yml')],
        projectName: 'prod',
        reader: nodeFileReader,
      });
      assert.equal(named?.projectName, 'prod');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names projects the way Compose does', () => {
    assert.equal(
      composeProjectName('/home/me/My Biz.Cluster', () => undefined),
      'mybizcluster',
    );
    assert.equal(
      composeProjectName('/x/biz', (n) => (n === 'COMPOSE_PROJECT_NAME' ? 'other' : undefined)),
      'other',
    );
    // Compose v2 refuses a project name that starts with - or _ (`docker compose -p _biz`: invalid).
    assert.equal(
      composeProjectName('/x/_Biz-1', () => undefined),
      'biz-1',
    );
    assert.equal(
      composeProjectName('/x/biz', () => undefined, 'declared'),
      'declared',
    );
    assert.equal(
      composeProjectName('/x/biz', (n) => (n === 'COMPOSE_PROJECT_NAME' ? 'env' : undefined), 'declared'),
      'env',
    );
  });

  it('takes the project name from the top-level name: of the files, as Compose v2 does (interpolated, last file wins)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-disc-name-'));
    try {
      fs.copyFileSync(
        sharedPath('fixtures', 'compose', 'installation', 'multiconnect-compose.yml'),
        path.join(dir, 'multiconnect-compose.yml'),
      );
      fs.writeFileSync(path.join(dir, 'override.yml'), 'name: biz-${STAGE}\n');
      fs.writeFileSync(path.join(dir, '.env'), 'STAGE=prod\nWA_API_VERSION=2.51.1\n');
      const files = ['multiconnect-compose.yml', 'override.yml'].map((f) => path.join(dir, f));
      const [c] = discoverClusters({ candidates: [], configuredFiles: files, reader: nodeFileReader });
      assert.equal(c?.projectName, 'biz-prod');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skips unreadable and non-cluster files without throwing', () => {
    const clusters = discoverClusters({
      candidates: ['/nonexistent/compose.yml', sharedPath('fixtures', 'compose-corpus', 'flask__compose.yaml')],
      reader: nodeFileReader,
    });
    assert.deepEqual(clusters, []);
  });
});
