import * as path from 'node:path';
import { nodeFileReader, readTextFile } from './compose/nodeReader';
import type { Finding } from './compose/types';
import { runInventoryLint } from './cliLintInventory';
import { isInventoryFile } from './inventory/inventory';
import { lintFiles } from './lint/engine';
import { type ParseArgsOptionsConfig, parseCommandLine, regularFileProblem } from './cliArgs';
import { forTerminal } from './util/terminal';

export const lintUsage =
  'lint <compose files…> [--env-file F] [--format text|json]   lint files as one project (like -f a -f b); exit 1 on any error\n  lint --inventory <wa-cluster.inventory.yml> [--format text|json]   lint a cluster across its hosts (or pass the *.inventory.yml alone)';

export interface LintArgs {
  files: string[];
  /** `--inventory FILE`, or a lone `*.inventory.yml` argument: lint a cluster across its hosts. */
  inventory?: string;
  envFile?: string;
  format: 'text' | 'json';
}

const lintOptions = {
  'env-file': { type: 'string' },
  inventory: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsOptionsConfig;

export function parseLintArgs(args: readonly string[]): LintArgs | string {
  const parsed = parseCommandLine(args, lintOptions, true);
  if (typeof parsed === 'string') {
    return parsed;
  }
  const v = parsed.values;
  if (v.help) {
    return '';
  }
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    return `--format must be text or json, not "${format}"`;
  }
  const lone = parsed.positionals.length === 1 ? parsed.positionals[0] : undefined;
  const inventory = v.inventory ?? (lone !== undefined && isInventoryFile(lone) ? lone : undefined);
  if (inventory !== undefined) {
    return { files: [], inventory, format };
  }
  if (parsed.positionals.length === 0) {
    return 'no compose file given';
  }
  return { files: parsed.positionals, format, ...(v['env-file'] !== undefined ? { envFile: v['env-file'] } : {}) };
}

/** Formats one finding as `file:line:col severity rule message` (1-based). */
export function formatFinding(f: Finding, cwd = process.cwd()): string {
  const rel = path.relative(cwd, f.file);
  const file = rel.startsWith('..') || path.isAbsolute(rel) ? f.file : rel;
  return `${file}:${f.range.start.line + 1}:${f.range.start.column + 1} ${f.severity} ${f.rule} ${f.message}`;
}

export function runLint(args: string[]): Promise<number> {
  const parsed = parseLintArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `${forTerminal(parsed)}\n` : ''}usage: wa-cluster ${lintUsage}\n`);
    return Promise.resolve(parsed ? 2 : 0);
  }
  if (parsed.inventory !== undefined) {
    return Promise.resolve(runInventoryLint(parsed.inventory, parsed.format));
  }
  const files: { path: string; text: string }[] = [];
  for (const f of [...parsed.files, ...(parsed.envFile !== undefined ? [parsed.envFile] : [])]) {
    // A device or FIFO named here would be read forever (/dev/zero) or block (a FIFO).
    const problem = regularFileProblem(path.resolve(f));
    if (problem) {
      process.stderr.write(`${forTerminal(f)}: ${problem}\n`);
      return Promise.resolve(2);
    }
  }
  for (const f of parsed.files) {
    const abs = path.resolve(f);
    // Regular files only, size-limited: `lint /dev/zero` or a FIFO must not hang or exhaust memory.
    const read = readTextFile(abs);
    if (!read || 'refused' in read) {
      const why = !read
        ? 'no such file or not readable'
        : read.refused.reason === 'tooLarge'
          ? `larger than ${read.refused.limit} bytes`
          : `not a regular file (${read.refused.reason})`;
      process.stderr.write(`${forTerminal(`cannot read ${f}: ${why}`)}\n`);
      return Promise.resolve(2);
    }
    files.push({ path: abs, text: read.text });
  }
  const { findings } = lintFiles({
    files,
    reader: nodeFileReader,
    env: process.env,
    ...(parsed.envFile ? { envFile: path.resolve(parsed.envFile) } : {}),
  });
  if (parsed.format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        findings.map((f) => ({ ...f, file: f.file })),
        null,
        2,
      )}\n`,
    );
  } else {
    for (const f of findings) {
      process.stdout.write(`${forTerminal(formatFinding(f))}\n`);
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    process.stderr.write(
      `${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${files.length} file${files.length === 1 ? '' : 's'}\n`,
    );
  }
  return Promise.resolve(findings.some((f) => f.severity === 'error') ? 1 : 0);
}
