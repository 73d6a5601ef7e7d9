/**
 * Collect Diagnostics' work after its two questions (period: all logs; folder), in a process of its
 * own so its wall time and peak memory compare with `docker compose logs` run the same way.
 *   node out/test/bench/collectWorker.js <project> <outDir>
 */
import { collectDiagnosticsBundle } from '../../src/cluster/diagnosticsBundle';
import { DockerodeClient } from '../../src/docker/client';

async function main(): Promise<number> {
  const [project, outDir] = process.argv.slice(2);
  const docker = DockerodeClient.create();
  if (!project || !outDir || !docker.ok) {
    process.stderr.write('usage: collectWorker <project> <outDir> (and a reachable Docker)\n');
    return 2;
  }
  const r = await collectDiagnosticsBundle({
    docker: docker.value,
    project,
    sinceMs: undefined,
    outDir,
    extensionVersion: 'bench',
  });
  return r.failed > 0 && r.parts.every((p) => p.status !== 'ok') ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`);
    process.exitCode = 2;
  },
);
