/**
 * Items 1 (event to model) and 3 (status cost), against a running emulated cluster on the real
 * engine. The floor of item 1 is Docker's delivery of the same event to a plain dockerode listener.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import Dockerode from 'dockerode';
import { WaApiClient } from '../../src/api/client';
import { createNodeTransport } from '../../src/api/transport';
import { ClusterMonitor } from '../../src/cluster/monitor';
import { type ClusterSnapshot } from '../../src/cluster/types';
import { DockerodeClient } from '../../src/docker/client';
import * as emulator from '../emulator/src/harness';
import { repoRoot } from '../support/paths';
import { type BenchEntry, composeCommand, entry, failedEntry, timeRounds } from './report';

/** Wall-clock time in ms with sub-ms precision (comparable with Docker's timeNano). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface RawEvent {
  readonly id: string;
  readonly action: string;
  readonly timeMs: number;
  readonly receivedMs: number;
}

/** The floor: a plain dockerode listener, nothing else between Docker and the callback. */
export async function plainListener(project: string, onEvent: (e: RawEvent) => void): Promise<() => void> {
  const stream = (await new Dockerode().getEvents({
    filters: { type: ['container'], label: [`com.docker.compose.project=${project}`] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    const receivedMs = wallMs();
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as { id?: string; Action?: string; timeNano?: number };
      if (e.id && e.Action && e.timeNano) {
        onEvent({ id: e.id, action: e.Action, timeMs: e.timeNano / 1e6, receivedMs });
      }
    }
  });
  return () => stream.destroy();
}

export type Action = 'stop' | 'start' | 'kill';
/** The event each action is measured from, and the container state that shows it. */
export const EXPECT: Record<Action, { event: string; running: boolean }> = {
  stop: { event: 'die', running: false },
  start: { event: 'start', running: true },
  kill: { event: 'die', running: false },
};

export async function act(id: string, a: Action): Promise<void> {
  const c = new Dockerode().getContainer(id);
  if (a === 'stop') {
    await c.stop({ t: 10 });
  } else if (a === 'start') {
    await c.start();
  } else {
    await c.kill({ signal: 'SIGKILL' });
  }
}

/** Waits for the first event of `action` on `id` (from now on). */
export function nextEvent(events: RawEvent[], id: string, action: string, timeoutMs = 30_000): Promise<RawEvent> {
  const from = events.length;
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = (): void => {
      const e = events.slice(from).find((x) => x.id === id && x.action === action);
      if (e) {
        resolve(e);
      } else if (Date.now() > deadline) {
        reject(new Error(`no ${action} event for ${id.slice(0, 12)} within ${timeoutMs} ms`));
      } else {
        setTimeout(check, 5);
      }
    };
    check();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rounds of stop/start/kill on one node: action order that always leaves it running again. */
export function plan(rounds: number): Action[] {
  const out: Action[] = [];
  for (let i = 0; i < rounds; i++) {
    out.push('stop', 'start', 'kill', 'start');
  }
  return out;
}

/** The extension's cluster model on the real engine, its health asked with the API key over a new API client. */
function benchMonitor(ws: emulator.Workspace, docker: DockerodeClient): ClusterMonitor {
  const api = new WaApiClient({
    baseUrl: ws.baseUrl,
    transport: createNodeTransport({ kind: 'caFile', caPem: emulator.caPem() }),
    auth: { kind: 'apikey', key: emulator.DEFAULT_API_KEY },
  });
  return new ClusterMonitor({ project: ws.project, docker, health: (signal) => api.health({ signal }) });
}

export async function modelCases(ws: emulator.Workspace, node: string, rounds: number): Promise<BenchEntry[]> {
  const docker = DockerodeClient.create();
  if (!docker.ok) {
    return [failedEntry('model.stop', 'docker stop → snapshot', '< 50 ms', docker.error.message)];
  }
  const monitor = benchMonitor(ws, docker.value);
  const id = await emulator.containerIdOf(ws, node);
  const running = (s: ClusterSnapshot | undefined): boolean | undefined => {
    const st = s?.nodes.find((n) => n.container?.id === id)?.container?.state;
    return st === undefined ? undefined : st === 'running';
  };
  let waiter: { running: boolean; resolve: (t: number) => void } | undefined;
  const sub = monitor.onDidChange(({ snapshot }) => {
    if (waiter && running(snapshot) === waiter.running) {
      waiter.resolve(wallMs());
      waiter = undefined;
    }
  });
  const events: RawEvent[] = [];
  const stopListening = await plainListener(ws.project, (e) => events.push(e));
  const samples: Record<Action, { ours: number[]; floor: number[] }> = {
    stop: { ours: [], floor: [] },
    start: { ours: [], floor: [] },
    kill: { ours: [], floor: [] },
  };
  try {
    await monitor.refresh();
    for (const a of plan(rounds)) {
      await sleep(1000);
      const want = EXPECT[a];
      const shown = new Promise<number>((resolve) => (waiter = { running: want.running, resolve }));
      const ev = nextEvent(events, id, want.event);
      await act(id, a);
      const [e, t] = await Promise.all([ev, shown]);
      samples[a].ours.push(t - e.timeMs);
      samples[a].floor.push(e.receivedMs - e.timeMs);
    }
  } finally {
    stopListening();
    sub.dispose();
    monitor.dispose();
  }
  const out: BenchEntry[] = [];
  for (const a of ['stop', 'start', 'kill'] as const) {
    out.push(
      entry({
        id: `model.${a}`,
        what: `docker ${a} of ${node} → our snapshot shows it (from the ${EXPECT[a].event} event's timeNano)`,
        unit: 'ms',
        samples: samples[a].ours,
        baseline: { what: 'plain dockerode listener (floor)', samples: samples[a].floor },
        goal: '< 50 ms',
        check: (x) => x.median < 50,
      }),
    );
  }
  return out;
}

export async function statusCases(ws: emulator.Workspace, runs: number): Promise<BenchEntry[]> {
  const cc = composeCommand();
  const env: NodeJS.ProcessEnv = { ...process.env, WA_API_KEY: emulator.DEFAULT_API_KEY };
  delete env.WA_PASSWORD;
  const cli = path.join(repoRoot, 'dist/cli.js');
  const docker = DockerodeClient.create();
  if (!docker.ok) {
    return [failedEntry('status.full', 'status', 'ratio < 1', docker.error.message)];
  }
  const cliProcess = (): void => {
    // Exit 1 = a finding is an error: still a full snapshot.
    const r = spawnSync(
      process.execPath,
      [cli, 'status', '--project-dir', ws.dir, '-p', ws.project, '--format', 'json', '--ca-file', emulator.caCertPath],
      { env, maxBuffer: 16 << 20 },
    );
    const snapshot =
      r.status === 0 || r.status === 1 ? (JSON.parse(r.stdout.toString()) as { nodes?: unknown[] }) : undefined;
    if (!snapshot?.nodes?.length) {
      throw new Error(`status exited with ${r.status} without a snapshot: ${r.stderr.toString()}`);
    }
  };
  // What the extension (and a running `status --watch`) pays for one full snapshot: a new monitor
  // and a new API client each time (a new TLS connection, as the CLI makes), in a process that runs.
  const inProcess = async (): Promise<void> => {
    const monitor = benchMonitor(ws, docker.value);
    try {
      const snapshot = await monitor.refresh();
      if (snapshot.nodes.length === 0 || snapshot.api.status !== 'ok') {
        throw new Error(`refresh gave no full snapshot (API ${snapshot.api.status}: ${snapshot.api.message ?? ''})`);
      }
    } finally {
      monitor.dispose();
    }
  };
  const manualWay = (): void => {
    execFileSync(cc.command, [...cc.args, '-p', ws.project, '-f', ws.composeFile, 'ps'], {
      cwd: ws.dir,
      stdio: 'ignore',
    });
    execFileSync(
      'curl',
      [
        '-sS',
        '--cacert',
        emulator.caCertPath,
        '-H',
        `Authorization: Apikey ${emulator.DEFAULT_API_KEY}`,
        `${ws.baseUrl}/v1/health`,
      ],
      { stdio: 'ignore' },
    );
  };
  const [ours, refresh, manual] = await timeRounds([cliProcess, inProcess, manualWay], runs);
  const baseline = { what: `${cc.name} ps + curl /v1/health`, samples: manual! };
  return [
    entry({
      id: 'status.full',
      what: 'node dist/cli.js status --format json (containers + /v1/health + findings), whole process',
      unit: 'ms',
      samples: ours!,
      baseline,
      goal: 'ratio < 1',
      check: (x) => (x.ratio ?? Infinity) < 1,
    }),
    entry({
      id: 'status.refresh',
      what: 'one full snapshot in a running process (containers list + inspect, /v1/health over a new TLS connection, findings): what the extension pays per refresh',
      unit: 'ms',
      samples: refresh!,
      baseline,
      goal: 'ratio < 1',
      check: (x) => (x.ratio ?? Infinity) < 1,
    }),
  ];
}
