import * as nodePath from 'node:path';

/**
 * The files Compose would merge for a compose file opened in the editor: `compose.yaml` (or
 * `docker-compose.yml`) with its `.override` file, as `docker compose` does without `-f`; any
 * other file stands alone.
 */
export function projectFilesFor(file: string, exists: (p: string) => boolean): string[] {
  const dir = nodePath.dirname(file);
  const base = nodePath.basename(file);
  const m = /^(docker-compose|compose)(\.override)?\.(ya?ml)$/.exec(base);
  if (!m) {
    return [file];
  }
  const stem = m[1] ?? 'compose';
  if (m[2]) {
    const main = ['yaml', 'yml'].map((ext) => nodePath.join(dir, `${stem}.${ext}`)).find(exists);
    return main ? [main, file] : [file];
  }
  const override = ['yaml', 'yml'].map((ext) => nodePath.join(dir, `${stem}.override.${ext}`)).find(exists);
  return override ? [file, override] : [file];
}
