import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';

const metaSchema = z.object({ Name: z.string() }).loose();

/**
 * Names of the Docker contexts the docker CLI knows (`~/.docker/contexts/meta/<sha256>/meta.json`,
 * or under DOCKER_CONFIG), plus `default`. Unreadable entries are skipped.
 */
export function dockerContextNames(env: Readonly<Record<string, string | undefined>>, homeDir: string): string[] {
  const metaDir = path.join(env.DOCKER_CONFIG ?? path.join(homeDir, '.docker'), 'contexts', 'meta');
  const names = ['default'];
  let dirs: string[];
  try {
    dirs = fs.readdirSync(metaDir);
  } catch {
    return names;
  }
  for (const d of dirs) {
    try {
      const meta = metaSchema.safeParse(JSON.parse(fs.readFileSync(path.join(metaDir, d, 'meta.json'), 'utf8')));
      if (meta.success) {
        names.push(meta.data.Name);
      }
    } catch {
      // not a context folder
    }
  }
  return names;
}
