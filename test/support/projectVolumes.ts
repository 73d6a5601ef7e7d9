/**
 * The volumes of a Compose project as the engine lists them (name, driver, mount point, labels),
 * for before/after comparisons in data-safety tests. Not the creation time: the local driver
 * reports the folder's modification time, which moves with every database write.
 */
import assert from 'node:assert/strict';
import { type ExecResult } from '../emulator/src/harness';

export async function projectVolumes(
  docker: (args: string[]) => Promise<ExecResult>,
  project: string,
): Promise<string[]> {
  const names = (await docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).stdout
    .split('\n')
    .filter(Boolean);
  assert.ok(names.length >= 2, `the project's volumes: ${names.join(', ')}`);
  return (
    await docker(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Mountpoint}} {{json .Labels}}', ...names])
  ).stdout
    .split('\n')
    .filter(Boolean)
    .sort();
}
