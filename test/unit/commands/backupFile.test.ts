import assert from 'node:assert/strict';
import {
  BACKUP_FORMAT,
  backupFileName,
  buildBackupFile,
  compareWithCluster,
  parseBackupFile,
  serializeBackupFile,
} from '../../../src/cluster/backupFile';

const WHEN = new Date('2026-01-02T03:04:05.678Z');
const sample = () =>
  buildBackupFile({
    project: 'biz',
    apiUrl: 'https://127.0.0.1:9090',
    version: 'v2.45.1',
    shards: 2,
    createdAt: WHEN,
    data: 'V0FFTVUx...',
  });

describe('cluster/backupFile', () => {
  it('names files <project>-<UTC stamp>.wabackup, safe on every file system', () => {
    assert.equal(backupFileName('biz', WHEN), 'biz-20260102T030405Z.wabackup');
    assert.equal(backupFileName('my proj/x', WHEN), 'my_proj_x-20260102T030405Z.wabackup');
  });

  it('builds the documented shape and round-trips through the file text', () => {
    const b = sample();
    assert.deepEqual(b, {
      format: BACKUP_FORMAT,
      project: 'biz',
      apiUrl: 'https://127.0.0.1:9090',
      version: '2.45.1',
      shards: 2,
      createdAt: '2026-01-02T03:04:05.678Z',
      data: 'V0FFTVUx...',
    });
    const text = serializeBackupFile(b);
    assert.deepEqual(JSON.parse(text), b);
    assert.deepEqual(parseBackupFile(text), { ok: true, value: b });
  });

  it('keeps unknown version and shards as null', () => {
    const b = buildBackupFile({
      project: 'p',
      apiUrl: 'u',
      version: undefined,
      shards: null,
      createdAt: WHEN,
      data: 'x',
    });
    assert.equal(b.version, null);
    assert.equal(b.shards, null);
    assert.ok(parseBackupFile(serializeBackupFile(b)).ok);
  });

  it('says which kind of wrong file it is', () => {
    assert.deepEqual(parseBackupFile('PK\u0003\u0004 zip'), { ok: false, problem: { kind: 'notJson' } });
    assert.deepEqual(parseBackupFile(serializeBackupFile(sample()).slice(0, 40)), {
      ok: false,
      problem: { kind: 'notJson' },
    });
    assert.deepEqual(parseBackupFile('{"name":"package.json"}'), { ok: false, problem: { kind: 'notBackup' } });
    assert.deepEqual(parseBackupFile('[1,2]'), { ok: false, problem: { kind: 'notBackup' } });
    assert.deepEqual(parseBackupFile(JSON.stringify({ ...sample(), format: 'wa-cluster-backup/2' })), {
      ok: false,
      problem: { kind: 'unsupportedFormat', format: 'wa-cluster-backup/2' },
    });
  });

  it('rejects a damaged backup and names the bad fields', () => {
    const { data: _data, ...noData } = sample();
    const r = parseBackupFile(JSON.stringify(noData));
    assert.ok(!r.ok && r.problem.kind === 'invalid' && /data/.test(r.problem.detail));
    const r2 = parseBackupFile(JSON.stringify({ ...sample(), shards: 'two', createdAt: 'yesterday' }));
    assert.ok(
      !r2.ok &&
        r2.problem.kind === 'invalid' &&
        /shards/.test(r2.problem.detail) &&
        /createdAt/.test(r2.problem.detail),
    );
    const r3 = parseBackupFile(JSON.stringify({ ...sample(), data: '' }));
    assert.ok(!r3.ok && r3.problem.kind === 'invalid');
  });

  it('compares with the running cluster: shards and version, only when both are known', () => {
    const b = sample();
    assert.deepEqual(compareWithCluster(b, { version: '2.45.1', shards: 2 }), {});
    assert.deepEqual(compareWithCluster(b, { version: 'v2.45.1', shards: 2 }), {}, 'v prefix ignored');
    assert.deepEqual(compareWithCluster(b, { version: '2.47.0', shards: 1 }), {
      shards: { backup: 2, cluster: 1 },
      version: { backup: '2.45.1', cluster: '2.47.0' },
    });
    assert.deepEqual(compareWithCluster(b, { version: undefined, shards: null }), {});
    assert.deepEqual(compareWithCluster({ ...b, shards: null, version: null }, { version: '2.47.0', shards: 4 }), {});
  });
});
