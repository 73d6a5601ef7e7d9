import * as vscode from 'vscode';
import { type DockerPort } from '../docker/port';
import { type LogLine } from '../docker/types';
import { sleep } from '../util/abort';
import { timestampKey } from '../util/interleave';
import { LOG_SCHEME, type LogDocumentProvider, type LogSource } from '../views/logDocuments';
import { type LogCommandDeps, logUri, maxLinesOf, resolveNodeTarget } from './logTargets';

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

/**
 * Follows one container's log (`docker logs -f --tail N --timestamps`) and, when the container
 * stops, waits for it to run again and resumes right after the last line seen: the log view
 * stays useful through restarts and failovers.
 */
export async function followContainer(
  docker: DockerPort,
  containerId: string,
  tail: number,
  signal: AbortSignal,
  onLine: (line: LogLine) => void,
  onNote: (note: string) => void,
  pollMs = 2000,
): Promise<void> {
  let since: string | undefined;
  for (;;) {
    await docker.logs(containerId, { follow: true, timestamps: true, signal, ...(since !== undefined ? { since } : { tail }) }, (l) => {
      if (l.timestamp) {
        since = sinceAfter(l.timestamp) ?? since;
      }
      onLine(l);
    });
    if (signal.aborted) {
      return;
    }
    onNote(vscode.l10n.t('--- the container stopped; waiting for it to start again ---'));
    for (;;) {
      await sleep(pollMs, signal);
      const d = await docker.inspect(containerId, signal);
      if (d.state === 'running') {
        break;
      }
    }
    onNote(vscode.l10n.t('--- the container is running again ---'));
    since ??= String(Math.floor(Date.now() / 1000) - 5);
  }
}

/** "WA Cluster: Show Logs": follows one node's log in a read-only walog editor. */
export async function showNodeLogs(deps: LogCommandDeps, documents: LogDocumentProvider, arg?: unknown): Promise<void> {
  const target = await resolveNodeTarget(deps, arg);
  if (!target) {
    return;
  }
  const maxLines = maxLinesOf(deps);
  const source: LogSource = {
    title: target.name,
    follow: (append, signal) =>
      followContainer(target.docker, target.containerId, maxLines, signal, (l) => append(l.text), (note) => append(`# ${note}`)).catch((e: unknown) => {
        if (!signal.aborted) {
          throw e;
        }
      }),
  };
  await documents.open(logUri(LOG_SCHEME, target.cluster.project, target.name), source, maxLines);
}
