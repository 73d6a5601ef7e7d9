import * as vscode from 'vscode';
import { Interleaver, prefixLine } from '../util/interleave';
import { LOG_SCHEME, type LogDocumentProvider, type LogSource } from '../views/logDocuments';
import { type LogCommandDeps, logUri, pickCluster, projectOfArg, targetsOf } from './logTargets';
import { followContainer } from '../docker/follow';
import { followNoteText } from './showNodeLogs';

/** How long lines wait for earlier lines of other nodes before they are shown (ms). */
const HOLD_MS = 400;
const DRAIN_MS = 150;

/** "WA Cluster: Show Logs of All Nodes": every node's log interleaved by timestamp, `[node] ` in front. */
export async function showAllLogs(deps: LogCommandDeps, documents: LogDocumentProvider, arg?: unknown): Promise<void> {
  const cluster = await pickCluster(deps, projectOfArg(arg));
  if (!cluster) {
    return;
  }
  const targets = await targetsOf(cluster);
  if (targets.length === 0) {
    throw new Error(vscode.l10n.t('The cluster has no containers yet. Start it first.'));
  }
  const maxLines = deps.maxLines();
  const tail = Math.max(100, Math.ceil(maxLines / targets.length));
  const source: LogSource = {
    title: vscode.l10n.t('all nodes of {0}', cluster.project ?? ''),
    nodes: targets.map((t) => t.name),
    follow: async (append, signal) => {
      const il = new Interleaver(HOLD_MS);
      const drain = (force: boolean): void => {
        for (const l of il.drain(Date.now(), force)) {
          append(prefixLine(l.source, l.text));
        }
      };
      const timer = setInterval(() => drain(false), DRAIN_MS);
      try {
        const results = await Promise.allSettled(
          targets.map((t) =>
            followContainer(
              t.docker,
              t.containerId,
              tail,
              signal,
              (l) => il.push(t.name, l, Date.now()),
              // At the container's own stop/start time, so the marker sorts among the other nodes' lines.
              (note, at) => il.push(t.name, { timestamp: at, text: `# ${followNoteText(note)}` }, Date.now()),
            ).catch((e: unknown) => {
              if (!signal.aborted) {
                il.push(
                  t.name,
                  {
                    timestamp: new Date().toISOString(),
                    text: `# ${vscode.l10n.t('following failed: {0}', e instanceof Error ? e.message : String(e))}`,
                  },
                  Date.now(),
                );
                throw e;
              }
            }),
          ),
        );
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length === targets.length && !signal.aborted) {
          throw (failed[0] as PromiseRejectedResult).reason;
        }
      } finally {
        clearInterval(timer);
        drain(true);
      }
    },
  };
  await documents.open(logUri(LOG_SCHEME, cluster.project, 'all-nodes'), source, maxLines);
}
