import { WaApiClient } from '../../src/api/client';
import { probeCertificate } from '../../src/api/tls';
import { type HttpRequest, type Transport, createNodeTransport } from '../../src/api/transport';
import { type ClusterMonitor, type MonitorChange } from '../../src/cluster/monitor';
import { type ClusterSnapshot } from '../../src/cluster/types';
import { DockerodeClient } from '../../src/docker/client';

/** Counts requests per "METHOD /path" on top of a real transport. */
export function countingTransport(inner: Transport): {
  transport: Transport;
  count: (key: string) => number;
  log: HttpRequest[];
} {
  const log: HttpRequest[] = [];
  return {
    log,
    count: (key) => log.filter((r) => `${r.method} ${new URL(r.url).pathname}` === key).length,
    transport: (req) => {
      log.push(req);
      return inner(req);
    },
  };
}

export async function pinnedTransport(baseUrl: string): Promise<{ transport: Transport; fingerprint: string }> {
  const u = new URL(baseUrl);
  const probed = await probeCertificate(u.hostname, Number(u.port));
  return {
    transport: createNodeTransport({ kind: 'pinned', fingerprint256: probed.fingerprint256 }),
    fingerprint: probed.fingerprint256,
  };
}

export function dockerClient(): DockerodeClient {
  const d = DockerodeClient.create({ eventBackoffMs: [200, 400, 800, 1000] });
  if (!d.ok) {
    throw d.error;
  }
  return d.value;
}

/** A running monitor with a recorder of every change and a way to wait for a condition. */
export class Watch {
  readonly changes: { at: number; change: MonitorChange }[] = [];
  private readonly sub: { dispose(): void };
  private waiters: {
    pred: (s: ClusterSnapshot) => boolean;
    resolve: (v: { at: number; snapshot: ClusterSnapshot }) => void;
  }[] = [];

  constructor(readonly monitor: ClusterMonitor) {
    this.sub = monitor.onDidChange((change) => {
      const at = Date.now();
      this.changes.push({ at, change });
      for (const w of [...this.waiters]) {
        if (w.pred(change.snapshot)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve({ at, snapshot: change.snapshot });
        }
      }
    });
  }

  /** Resolves with the first snapshot (current or future) matching `pred`, with the time it arrived. */
  until(
    pred: (s: ClusterSnapshot) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<{ at: number; snapshot: ClusterSnapshot }> {
    const cur = this.monitor.snapshot;
    if (cur && pred(cur)) {
      return Promise.resolve({ at: Date.now(), snapshot: cur });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x.pred !== pred);
        const s = this.monitor.snapshot;
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for: ${what}; last snapshot: ${s ? JSON.stringify({ engine: s.engine, api: s.api, cluster: s.cluster, nodes: s.nodes.map((n) => `${n.name}:${n.role}/${n.state}/${n.container?.state ?? '-'}`) }) : 'none'}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        pred,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
      });
    });
  }

  dispose(): void {
    this.sub.dispose();
    this.monitor.dispose();
  }
}

export function node(s: ClusterSnapshot, name: string): ClusterSnapshot['nodes'][number] | undefined {
  return s.nodes.find((n) => n.name === name);
}

export { WaApiClient };
