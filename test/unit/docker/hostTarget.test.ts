import assert from 'node:assert/strict';
import {
  declaredOnHost,
  downRuns,
  inventoryForFiles,
  inventoryProject,
  spareCoreapps,
  upRuns,
  versionEnvFile,
  type HostServices,
} from '../../../src/cluster/hostPlacement';
import { resolveDockerEndpoint } from '../../../src/docker/endpoint';
import { composeV1Refusal, engineEnvForHostSetting, hostComposeTarget } from '../../../src/docker/hostTarget';
import { type InventoryHost } from '../../../src/inventory/inventory';
import { inventoryHostEndpoint } from '../../../src/inventory/endpoint';
import { container } from '../../fakes/builders';

const files: Record<string, string> = {
  '/t/ca.pem': 'CA',
  '/t/cert.pem': 'CERT',
  '/t/key.pem': 'KEY',
  '/x/my-ca.crt': 'CA',
  '/x/client.crt': 'CERT',
  '/x/client.key': 'KEY',
};
const inputs = {
  env: { DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_CONTEXT: 'prod', DOCKER_CERT_PATH: '/home/u/.docker' },
  homeDir: '/home/u',
  platform: 'linux' as const,
  readFile: (p: string) => files[p],
  exists: () => false,
};

function host(docker: InventoryHost['docker']): InventoryHost {
  const span = { file: '', start: 0, end: 0 };
  return {
    name: 'b',
    docker,
    composeFiles: ['/w/prod.yml'],
    envFiles: [],
    spans: { key: span, docker: span, compose: [], env: [] },
  };
}

function target(docker: InventoryHost['docker']) {
  const h = host(docker);
  const ep = inventoryHostEndpoint(h, inputs);
  assert.ok(ep.ok);
  return hostComposeTarget(h, ep.value);
}

describe('hostComposeTarget (how Compose reaches an inventory host)', function () {
  it('Compose v1 is refused on ssh and tcp+TLS hosts (it failed on both on the bench) and allowed on unix and plain tcp', function () {
    assert.equal(composeV1Refusal(target({ kind: 'url', url: 'unix:///run/h1/docker.sock' }), 'h1'), undefined);
    assert.equal(composeV1Refusal(target({ kind: 'url', url: 'tcp://10.0.0.2:2375' }), 'h2'), undefined);
    const tls = { ca: '/t/ca.pem', cert: '/t/cert.pem', key: '/t/key.pem' };
    assert.match(
      composeV1Refusal(target({ kind: 'url', url: 'tcp://10.0.0.3:2376', tls }), 'h3') ?? '',
      /^Compose v1 \(docker-compose\) cannot run on host h3 .*install Compose v2/,
    );
    assert.match(composeV1Refusal(target({ kind: 'url', url: 'ssh://wa@10.0.0.4' }), 'h4') ?? '', /host h4/);
  });

  it("unix:// and tcp:// with ca.pem/cert.pem/key.pem in one folder: engine variables, every other one cleared (never the editor's DOCKER_HOST or context)", function () {
    assert.deepEqual(target({ kind: 'url', url: 'unix:///run/h1/docker.sock' }), {
      kind: 'env',
      env: {
        DOCKER_HOST: 'unix:///run/h1/docker.sock',
        DOCKER_CONTEXT: undefined,
        DOCKER_TLS_VERIFY: undefined,
        DOCKER_CERT_PATH: undefined,
      },
      description: 'unix:///run/h1/docker.sock (setting) (host b)',
    });
    const tls = target({
      kind: 'url',
      url: 'tcp://10.0.0.3:2376',
      tls: { ca: '/t/ca.pem', cert: '/t/cert.pem', key: '/t/key.pem' },
    });
    assert.equal(tls.kind, 'env');
    assert.deepEqual(tls.kind === 'env' && tls.env, {
      DOCKER_HOST: 'tcp://10.0.0.3:2376',
      DOCKER_CONTEXT: undefined,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/t',
    });
  });

  it('ssh:// and TLS files under other names are forwarded over our own verified connection', function () {
    const ssh = target({ kind: 'url', url: 'ssh://root@10.0.0.2', ssh: { knownHostsFile: '/k' } });
    assert.equal(ssh.kind, 'forward');
    assert.equal(ssh.kind === 'forward' && ssh.endpoint.kind, 'ssh');
    const named = target({
      kind: 'url',
      url: 'tcp://10.0.0.3:2376',
      tls: { ca: '/x/my-ca.crt', cert: '/x/client.crt', key: '/x/client.key' },
    });
    assert.equal(named.kind, 'forward');
    assert.equal(named.kind === 'forward' && named.endpoint.modemOptions.ca, 'CA');
  });

  it('a context that resolves to a unix socket is that socket; a remote context is forwarded (docker-compose v1 ignores DOCKER_CONTEXT)', function () {
    const h = host({ kind: 'context', name: 'default' });
    const ep = resolveDockerEndpoint({ ...inputs, env: {} });
    assert.ok(ep.ok);
    assert.equal(hostComposeTarget(h, ep.value).kind, 'env');
    const remote = resolveDockerEndpoint({ ...inputs, setting: 'tcp://10.0.0.9:2376', env: {} });
    assert.ok(remote.ok);
    assert.equal(hostComposeTarget(h, remote.value).kind, 'forward');
  });
});

const HOSTS: HostServices[] = [
  {
    host: 'h1',
    declared: [
      { name: 'waweb', kind: 'web' },
      { name: 'wacore', kind: 'coreapp' },
      { name: 'master', kind: 'master' },
    ],
    running: ['waweb', 'wacore', 'master'],
  },
  { host: 'h2', declared: [{ name: 'wacore', kind: 'coreapp' }], running: [] },
  {
    host: 'db',
    declared: [
      { name: 'db', kind: 'other' },
      { name: 'dbupgrade', kind: 'other' },
    ],
    running: ['db'],
  },
];

describe('host placement (which host a command runs on, for which services)', function () {
  it('Up: hosts without WhatsApp nodes (the database) first, then masters, then the rest; never the DB upgrade service', function () {
    assert.deepEqual(upRuns(HOSTS), [
      { host: 'db', services: ['db'] },
      { host: 'h1', services: ['waweb', 'wacore', 'master'] },
      { host: 'h2', services: ['wacore'] },
    ]);
    assert.deepEqual(upRuns(HOSTS, [{ host: 'h2', service: 'wacore' }]), [{ host: 'h2', services: ['wacore'] }]);
  });

  it('Down: the reverse, the database last; Add Coreapp: a coreapp that does not run, with its host', function () {
    assert.deepEqual(
      downRuns(HOSTS).map((r) => r.host),
      ['h2', 'h1', 'db'],
    );
    assert.deepEqual(spareCoreapps(HOSTS), [{ host: 'h2', service: 'wacore' }]);
  });

  it('the inventory of a cluster, its project (from the containers made in its folder) and the env file naming WA_API_VERSION', function () {
    const inv = { hosts: [{ composeFiles: ['/w/prod.yml', '/w/images.yml'] }] };
    assert.equal(inventoryForFiles([inv], ['/w/prod.yml']), inv);
    assert.equal(inventoryForFiles([inv], ['/other/docker-compose.yml']), undefined);
    const c = (project: string, dir: string) =>
      container({ service: 'master', project, labels: { 'com.docker.compose.project.working_dir': dir } });
    assert.equal(inventoryProject([c('wa', '/w'), c('wa', '/w'), c('x', '/elsewhere')], '/w', 'w'), 'wa');
    assert.equal(inventoryProject([], '/w', 'w'), 'w');
    const text: Record<string, string> = { '/w/a.env': 'EXTERNAL_HOSTNAME=a\n', '/w/v.env': 'WA_API_VERSION=2.51.1\n' };
    const reader = { read: (p: string) => text[p] };
    assert.equal(
      versionEnvFile({ composeFiles: ['/w/prod.yml'], envFiles: ['/w/v.env', '/w/a.env'] }, reader),
      '/w/v.env',
    );
    assert.equal(versionEnvFile({ composeFiles: ['/w/prod.yml'], envFiles: [] }, reader), '/w/.env');
  });

  it("declaredOnHost reads the host's compose files with its env file", function () {
    const text: Record<string, string> = {
      '/w/prod.yml':
        'services:\n  master:\n    image: docker.whatsapp.biz/coreapp:v${WA_API_VERSION}\n    environment:\n      WA_MASTER_NODE: 1\n',
      '/w/h.env': 'WA_API_VERSION=2.51.1\n',
    };
    const d = declaredOnHost({ composeFiles: ['/w/prod.yml'], envFiles: ['/w/h.env'] }, { read: (p) => text[p] }, {});
    assert.deepEqual(
      d.map((x) => [x.name, x.kind, x.image]),
      [['master', 'master', 'docker.whatsapp.biz/coreapp:v2.51.1']],
    );
  });
});

describe('docker/hostTarget: the waCluster.docker.host setting', () => {
  it('sends Compose to the engine the setting names (clearing DOCKER_CONTEXT); nothing when it is empty', () => {
    assert.deepEqual(engineEnvForHostSetting(' tcp://10.0.0.5:2375 '), {
      DOCKER_HOST: 'tcp://10.0.0.5:2375',
      DOCKER_CONTEXT: undefined,
    });
    assert.equal(engineEnvForHostSetting(''), undefined);
    assert.equal(engineEnvForHostSetting('   '), undefined);
  });
});
