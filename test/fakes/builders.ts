import { type ContainerDetails } from '../../src/docker/types';

/** Builds a container as the Docker layer reports it; ids are padded to 64 hex chars. */
export function container(p: Partial<ContainerDetails> & { service: string; idPrefix?: string }): ContainerDetails {
  const id = (p.id ?? (p.idPrefix ?? hexOf(p.service)).padEnd(64, '0')).toLowerCase();
  const { idPrefix: _i, ...rest } = p;
  return {
    id,
    name: p.name ?? `biz_${p.service}_1`,
    image: p.image ?? 'docker.whatsapp.biz/coreapp:v2.45.1',
    state: 'running',
    status: 'Up 10 minutes',
    createdAt: Date.parse('2025-12-31T23:00:00Z'),
    labels: {},
    ports: [],
    project: 'biz',
    containerNumber: 1,
    oneoff: false,
    health: 'none',
    restartCount: 0,
    startedAt: '2025-12-31T23:00:00Z',
    finishedAt: undefined,
    exitCode: 0,
    hostname: id.slice(0, 12),
    env: {},
    tty: false,
    error: undefined,
    ...rest,
    service: p.service,
  };
}

function hexOf(s: string): string {
  return Buffer.from(s).toString('hex').slice(0, 12);
}

/** The seven containers of the multiconnect walkthrough, ids matching shared/fixtures/health. */
export function walkthroughContainers(opts: { version?: string; include?: string[] } = {}): ContainerDetails[] {
  const v = opts.version ?? '2.45.1';
  const all: ContainerDetails[] = [
    container({
      service: 'db',
      image: 'mysql:8.0.33',
      idPrefix: 'dbdbdbdbdbdb',
      ports: [{ containerPort: 3306, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 33060 }],
    }),
    container({
      service: 'waweb',
      image: `docker.whatsapp.biz/web:v${v}`,
      idPrefix: 'aeaeaeaeaeae',
      ports: [{ containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 9090 }],
      env: { WA_APP_MULTICONNECT: '1', WEBAPP_HOSTNAME: 'waweb' },
    }),
    container({
      service: 'master1',
      image: `docker.whatsapp.biz/coreapp:v${v}`,
      idPrefix: 'b28d835cd579',
      env: { WA_MASTER_NODE: '1', COREAPP_HOSTNAME: 'master1' },
    }),
    container({
      service: 'master2',
      image: `docker.whatsapp.biz/coreapp:v${v}`,
      idPrefix: '7fe542d305b4',
      env: { WA_MASTER_NODE: '1', COREAPP_HOSTNAME: 'master2' },
    }),
    container({
      service: 'wacore1',
      image: `docker.whatsapp.biz/coreapp:v${v}`,
      idPrefix: '35a5fabfc79d',
      env: { COREAPP_HOSTNAME: 'wacore1' },
    }),
    container({
      service: 'wacore2',
      image: `docker.whatsapp.biz/coreapp:v${v}`,
      idPrefix: '05e1a6d70665',
      env: { COREAPP_HOSTNAME: 'wacore2' },
    }),
    container({
      service: 'wacore3',
      image: `docker.whatsapp.biz/coreapp:v${v}`,
      idPrefix: '23b50199bec2',
      env: { COREAPP_HOSTNAME: 'wacore3' },
    }),
  ];
  return opts.include ? all.filter((c) => opts.include!.includes(c.service!)) : all;
}
