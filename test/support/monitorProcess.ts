/**
 * Runs a ClusterMonitor in a process of its own (e.g. as an unprivileged user, for "permission
 * denied on the socket") and prints one JSON line per snapshot change on stdout.
 *   node out/test/support/monitorProcess.js <docker host> <project>
 */
import { ClusterMonitor } from '../../src/cluster/monitor';
import { DockerodeClient } from '../../src/docker/client';

export interface MonitorLine {
  readonly reachable: boolean;
  readonly problem: string | undefined;
  readonly message: string | undefined;
  readonly containers: readonly string[];
}

const [host, project] = process.argv.slice(2);
const docker = DockerodeClient.create({ hostSetting: host, eventBackoffMs: [200, 400, 800, 1000] });
if (!docker.ok) {
  throw docker.error;
}
const monitor = new ClusterMonitor({ project, docker: docker.value, pollIntervalMs: 1000 });
monitor.onDidChange(({ snapshot: s }) => {
  const line: MonitorLine = {
    reachable: s.engine.reachable,
    problem: s.engine.problem?.kind,
    message: s.engine.problem?.message,
    containers: s.nodes.filter((n) => n.container).map((n) => `${n.name}:${n.container?.state ?? ''}`),
  };
  process.stdout.write(JSON.stringify(line) + '\n');
});
// The monitor's timers are unref'd (they never keep an editor or the CLI alive); this process lives until SIGTERM.
const keepAlive = setInterval(() => undefined, 60_000);
process.on('SIGTERM', () => {
  clearInterval(keepAlive);
  monitor.dispose();
  process.exit(0);
});
