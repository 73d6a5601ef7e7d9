import { timestampKey } from '../util/interleave';
import { sleep } from '../util/abort';
import { DockerError } from './errors';
import { type DockerPort } from './port';
import { type LogLine } from './types';

/** What happened to the followed container, between its lines. */
export type FollowNote = 'stopped' | 'running' | 'recreated';

/** Docker's `since` as `seconds.nanoseconds`, just after an RFC 3339 timestamp (resume without repeats). */
export function sinceAfter(ts: string): string | undefined {
  const key = timestampKey(ts);
  if (!key) {
    return undefined;
  }
  const ns = BigInt(key[0]) * 1_000_000n + BigInt(key[1]) + 1n;
  const s = ns / 1_000_000_000n;
  return `${s}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** The Compose replica a container is (project, service, number), to find it again after a recreate. */
interface Replica {
  readonly project: string | undefined;
  readonly service: string;
  readonly containerNumber: number | undefined;
}

/**
 * Follows one node's log (`docker logs -f --timestamps`, the last `tail` lines first). When the
 * container stops it waits for the node to run again and resumes right after the last line seen;
 * when Compose recreated the node (Upgrade, `up -d` with a changed file) it follows the new
 * container. The log view stays useful through restarts, failovers and upgrades.
 */
export async function followContainer(
  docker: DockerPort,
  containerId: string,
  tail: number,
  signal: AbortSignal,
  onLine: (line: LogLine) => void,
  onNote: (note: FollowNote) => void,
  pollMs = 2000,
): Promise<void> {
  let id = containerId;
  const first = await docker.inspect(id, signal);
  const replica: Replica | undefined = first.service
    ? { project: first.project, service: first.service, containerNumber: first.containerNumber }
    : undefined;
  let since: string | undefined;
  for (;;) {
    await docker.logs(
      id,
      { follow: true, timestamps: true, signal, ...(since !== undefined ? { since } : { tail }) },
      (l) => {
        if (l.timestamp) {
          since = sinceAfter(l.timestamp) ?? since;
        }
        onLine(l);
      },
    );
    if (signal.aborted) {
      return;
    }
    onNote('stopped');
    for (;;) {
      await sleep(pollMs, signal);
      const newer = replica ? await newestReplica(docker, replica, signal) : undefined;
      if (newer && newer.id !== id && newer.state === 'running') {
        id = newer.id;
        onNote('recreated');
        break;
      }
      const d = await inspectIfPresent(docker, id, signal);
      if (d?.state === 'running') {
        onNote('running');
        break;
      }
    }
    since ??= String(Math.floor(Date.now() / 1000) - 5);
  }
}

async function newestReplica(
  docker: DockerPort,
  r: Replica,
  signal: AbortSignal,
): Promise<{ id: string; state: string } | undefined> {
  const all = await docker.listContainers(r.project, signal);
  return all
    .filter((c) => !c.oneoff && c.service === r.service && c.containerNumber === r.containerNumber)
    .sort((a, b) => b.createdAt - a.createdAt)[0];
}

async function inspectIfPresent(
  docker: DockerPort,
  id: string,
  signal: AbortSignal,
): Promise<{ state: string } | undefined> {
  try {
    return await docker.inspect(id, signal);
  } catch (e) {
    if (e instanceof DockerError && e.kind === 'notFound') {
      return undefined;
    }
    throw e;
  }
}
