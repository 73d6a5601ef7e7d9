import fs from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';

export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode, with its errors turned into one usage line (the caller
 * prints it with the usage and exits 2) instead of a thrown TypeError.
 */
export function parseCommandLine<O extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: O,
  allowPositionals: boolean,
): ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean }>> | string {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (e) {
    // e.g. "Unknown option '--pinn'", "Option '--pin <value>' argument missing"
    return e instanceof Error
      ? e.message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '')
      : String(e);
  }
}

/** Why `file` cannot be read as a small regular file (missing, a folder, a device or FIFO), or undefined. */
export function regularFileProblem(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : `cannot read it (${code ?? String(e)})`;
  }
  return st.isFile()
    ? undefined
    : st.isDirectory()
      ? 'is a folder, not a file'
      : 'is not a regular file (a device, FIFO or socket)';
}
