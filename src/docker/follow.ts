import { timestampKey } from '../util/interleave';
import { sleep } from '../util/abort';
import { DockerError } from './errors';
import { type DockerPort } from './port';
import { type LogLine } from './types';

/** What happened to the followed container, between its lines. */
export type FollowNote = 'stopped' | 'running' | 'recreated';

/**
 * When a note happened, as RFC 3339, so it sorts among the lines of other nodes in time order:
 * the container's `FinishedAt` for 'stopped', its `StartedAt` otherwise (Docker's zero time
 * `0001-01-01T00:00:00Z` and a stop time older than the last line do not count), else `now`.
 */
export function noteTimestamp(
  note: FollowNote,
  state: { readonly startedAt?: string | undefined; readonly finishedAt?: string | undefined } | undefined,
  now: number,
  lastLine?: string,
): string {
  const at = note === 'stopped' ? state?.finishedAt : state?.startedAt;
  const key = timestampKey(at);
  const last = timestampKey(lastLine);
  if (key && key[0] > 0 && !(last && (key[0] < last[0] || (key[0] === last[0] && key[1] < last[1])))) {
    return at!;
  }
  return new Date(now).toISOString();
}

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
  /** A note and when it happened (RFC 3339, see {@link noteTimestamp}). */
  onNote: (note: FollowNote, at: string) => void,
  pollMs = 2000,
): Promise<void> {
  let id = containerId;
  const first = await docker.inspect(id, signal);
  const replica: Replica | undefined = first.service
    ? { project: first.project, service: first.service, containerNumber: first.containerNumber }
    : undefined;
  let since: string | undefined;
  let lastTimestamp: string | undefined;
  for (;;) {
    await docker.logs(
      id,
      { follow: true, timestamps: true, signal, ...(since !== undefined ? { since } : { tail }) },
      (l) => {
        if (l.timestamp) {
          since = sinceAfter(l.timestamp) ?? since;
          lastTimestamp = l.timestamp;
        }
        onLine(l);
      },
    );
    if (signal.aborted) {
      return;
    }
    onNote('stopped', noteTimestamp('stopped', await inspectIfPresent(docker, id, signal), Date.now(), lastTimestamp));
    for (;;) {
      await sleep(pollMs, signal);
      const newer = replica ? await newestReplica(docker, replica, signal) : undefined;
      if (newer && newer.id !== id && newer.state === 'running') {
        id = newer.id;
        onNote('recreated', noteTimestamp('recreated', await inspectIfPresent(docker, id, signal), Date.now()));
        break;
      }
      const d = await inspectIfPresent(docker, id, signal);
      if (d?.state === 'running') {
        onNote('running', noteTimestamp('running', d, Date.now(), lastTimestamp));
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
): Promise<{ state: string; startedAt?: string | undefined; finishedAt?: string | undefined } | undefined> {
  try {
    return await docker.inspect(id, signal);
  } catch (e) {
    if (e instanceof DockerError && e.kind === 'notFound') {
      return undefined;
    }
    throw e;
  }
}
