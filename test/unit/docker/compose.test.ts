import assert from 'node:assert/strict';
import {
  ComposeError,
  ComposeRunner,
  type Spawner,
  composeFlavorOf,
  detectCompose,
  projectArgsFromLabels,
  spawnLines,
} from '../../../src/docker/compose';

describe('docker/compose', () => {
  it('detects docker compose v2 first, falls back to docker-compose v1', async () => {
    const calls: string[] = [];
    const v1only: Spawner = (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      return Promise.resolve(
        cmd === 'docker'
          ? { exitCode: 1, stdout: '', stderr: "docker: 'compose' is not a docker command." }
          : { exitCode: 0, stdout: '1.29.2\n', stderr: '' },
      );
    };
    const c = await detectCompose({ spawner: v1only });
    assert.deepEqual(c, { command: 'docker-compose', baseArgs: [], flavor: 'v1', version: '1.29.2' });
    assert.deepEqual(calls, ['docker compose version --short', 'docker-compose version --short']);
    const v2: Spawner = () => Promise.resolve({ exitCode: 0, stdout: 'v2.29.7\n', stderr: '' });
    assert.equal((await detectCompose({ spawner: v2 }))?.flavor, 'v2');
    const none: Spawner = () => Promise.reject(new ComposeError('not found', 'notFound', undefined, '', ''));
    assert.equal(await detectCompose({ spawner: none }), undefined);
    const custom = await detectCompose({ configured: ['podman-compose'], spawner: v2 });
    assert.equal(custom?.flavor, 'custom');
  });

  // Recorded `version --short` answers: Debian trixie's plugin (2.26.1-4, no `v`), Debian bookworm's
  // v1 (1.29.2); `docker` without the plugin exits 1 ("docker: unknown command: docker compose").
  const answering =
    (answers: Record<string, string>): Spawner =>
    (cmd, args) => {
      const out = answers[[cmd, ...args.slice(0, -2)].join(' ')];
      return Promise.resolve(
        out === undefined
          ? { exitCode: 1, stdout: '', stderr: 'docker: unknown command: docker compose\n' }
          : { exitCode: 0, stdout: `${out}\n`, stderr: '' },
      );
    };
  it("detects Debian's 2.26.1-4 plugin as v2 without a setting; the waCluster.compose.command setting picks v1 beside it", async () => {
    const both = answering({ 'docker compose': '2.26.1-4', 'docker-compose': '1.29.2' });
    assert.deepEqual(await detectCompose({ spawner: both }), {
      command: 'docker',
      baseArgs: ['compose'],
      flavor: 'v2',
      version: '2.26.1',
    });
    assert.deepEqual(await detectCompose({ configured: ['docker-compose'], spawner: both }), {
      command: 'docker-compose',
      baseArgs: [],
      flavor: 'v1',
      version: '1.29.2',
    });
    assert.deepEqual(await detectCompose({ configured: ['docker', 'compose'], spawner: both }), {
      command: 'docker',
      baseArgs: ['compose'],
      flavor: 'v2',
      version: '2.26.1',
    });
    // v2's standalone binary installed as docker-compose is still v2.
    assert.equal(
      (
        await detectCompose({
          configured: ['/usr/local/bin/docker-compose'],
          spawner: answering({ '/usr/local/bin/docker-compose': '2.29.7' }),
        })
      )?.flavor,
      'v2',
    );
    assert.equal(
      await detectCompose({ configured: ['docker', 'compose'], spawner: answering({ 'docker-compose': '1.29.2' }) }),
      undefined,
      'a configured command that does not work is not replaced by another',
    );
  });

  it("composeFlavorOf: the program decides, the version tells v1 from v2's standalone binary", () => {
    assert.equal(composeFlavorOf('docker', ['compose'], '2.26.1'), 'v2');
    assert.equal(composeFlavorOf('docker-compose', [], '1.29.2'), 'v1');
    assert.equal(composeFlavorOf('C:\\Program Files\\Docker\\docker-compose.exe', [], '2.24.0'), 'v2');
    assert.equal(composeFlavorOf('podman-compose', [], '1.0.6'), 'custom');
    assert.equal(composeFlavorOf('docker', ['compose'], undefined), 'v2');
  });

  it('builds -f/-p/--project-directory/--env-file from container labels', () => {
    const p = projectArgsFromLabels({
      'com.docker.compose.project': 'biz',
      'com.docker.compose.project.working_dir': '/home/u/biz',
      'com.docker.compose.project.config_files': 'multiconnect-compose.yml,/abs/override.yml',
      'com.docker.compose.project.environment_file': '/home/u/biz/.env',
    });
    assert.deepEqual(p, {
      projectName: 'biz',
      files: ['/home/u/biz/multiconnect-compose.yml', '/abs/override.yml'],
      envFiles: ['/home/u/biz/.env'],
      projectDirectory: '/home/u/biz',
    });
    const r = new ComposeRunner({ command: 'docker-compose', baseArgs: [], flavor: 'v1', version: '1.29.2' }, p);
    assert.deepEqual(r.argsFor(['up', '-d', 'wacore3']), [
      '-f',
      '/home/u/biz/multiconnect-compose.yml',
      '-f',
      '/abs/override.yml',
      '-p',
      'biz',
      '--project-directory',
      '/home/u/biz',
      '--env-file',
      '/home/u/biz/.env',
      'up',
      '-d',
      'wacore3',
    ]);
    assert.equal(projectArgsFromLabels({}), undefined);
  });

  it('up/down/ps/logs/config argument shapes; failure carries exit code and stderr', async () => {
    const seen: string[][] = [];
    const spawner: Spawner = (_c, args) => {
      seen.push([...args]);
      return Promise.resolve(
        args.includes('config')
          ? { exitCode: 1, stdout: '', stderr: 'ERROR: Missing mandatory value for "image" option: Set WA_API_VERSION' }
          : { exitCode: 0, stdout: '', stderr: '' },
      );
    };
    const r = new ComposeRunner(
      { command: 'docker', baseArgs: ['compose'], flavor: 'v2', version: '2.29.7' },
      { files: ['c.yml'], projectName: 'p' },
      spawner,
    );
    await r.up(['db', 'waweb']);
    await r.down({ volumes: true });
    await r.ps();
    await r.logs(['wacore1'], { tail: 50, timestamps: true });
    assert.deepEqual(
      seen.map((a) => a.slice(5).join(' ')),
      ['up -d db waweb', 'down -v', 'ps', 'logs --no-color --tail 50 -t wacore1'],
    );
    assert.deepEqual(seen[0]!.slice(0, 5), ['compose', '-f', 'c.yml', '-p', 'p']);
    await assert.rejects(
      r.config(),
      (e: unknown) =>
        e instanceof ComposeError && e.exitCode === 1 && /WA_API_VERSION/.test(e.message) && e.kind === 'failed',
    );
  });

  it('spawnLines streams lines without a shell and can be cancelled', async () => {
    const lines: string[] = [];
    const r = await spawnLines(
      process.execPath,
      ['-e', 'console.log("a; echo b"); console.error("err1"); process.stdout.write("tail")'],
      { onLine: (l, s) => lines.push(`${s}:${l}`) },
    );
    assert.equal(r.exitCode, 0);
    assert.deepEqual(lines.sort(), ['stderr:err1', 'stdout:a; echo b', 'stdout:tail']);
    const ac = new AbortController();
    const p = spawnLines(process.execPath, ['-e', 'setInterval(() => console.log("tick"), 20)'], {
      signal: ac.signal,
      onLine: () => ac.abort(),
    });
    await assert.rejects(p, (e: unknown) => e instanceof ComposeError && e.kind === 'aborted');
    await assert.rejects(
      spawnLines('definitely-not-a-command-xyz', [], {}),
      (e: unknown) => e instanceof ComposeError && e.kind === 'notFound',
    );
  });
});
