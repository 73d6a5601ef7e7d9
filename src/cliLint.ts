import * as path from 'node:path';
import { nodeFileReader, readTextFile } from './compose/nodeReader';
import type { Finding } from './compose/types';
import { lintFiles } from './lint/engine';

export const lintUsage = 'lint <compose files…> [--env-file F] [--format text|json]   lint files as one project (like -f a -f b); exit 1 on any error';

interface LintArgs {
  files: string[];
  envFile?: string;
  format: 'text' | 'json';
}

function parseArgs(args: string[]): LintArgs | string {
  const out: LintArgs = { files: [], format: 'text' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--env-file' || flag === '--format') {
      const v = inline ?? args[++i];
      if (v === undefined) {
        return `${flag} needs a value`;
      }
      if (flag === '--env-file') {
        out.envFile = v;
      } else if (v === 'text' || v === 'json') {
        out.format = v;
      } else {
        return `--format must be text or json, not "${v}"`;
      }
    } else if (flag === '--help' || flag === '-h') {
      return '';
    } else if (flag.startsWith('-') && flag !== '-') {
      return `unknown option ${flag}`;
    } else {
      out.files.push(a);
    }
  }
  return out.files.length === 0 ? 'no compose file given' : out;
}

/** Formats one finding as `file:line:col severity rule message` (1-based). */
export function formatFinding(f: Finding, cwd = process.cwd()): string {
  const rel = path.relative(cwd, f.file);
  const file = rel.startsWith('..') || path.isAbsolute(rel) ? f.file : rel;
  return `${file}:${f.range.start.line + 1}:${f.range.start.column + 1} ${f.severity} ${f.rule} ${f.message}`;
}

export function runLint(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `${parsed}\n` : ''}usage: wa-cluster ${lintUsage}\n`);
    return Promise.resolve(parsed ? 2 : 0);
  }
  const files: { path: string; text: string }[] = [];
  for (const f of parsed.files) {
    const abs = path.resolve(f);
    // Regular files only, size-limited: `lint /dev/zero` or a FIFO must not hang or exhaust memory.
    const read = readTextFile(abs);
    if (!read || 'refused' in read) {
      const why = !read ? 'no such file or not readable' : read.refused.reason === 'tooLarge' ? `larger than ${read.refused.limit} bytes` : `not a regular file (${read.refused.reason})`;
      process.stderr.write(`cannot read ${f}: ${why}\n`);
      return Promise.resolve(2);
    }
    files.push({ path: abs, text: read.text });
  }
  const { findings } = lintFiles({ files, reader: nodeFileReader, env: process.env, ...(parsed.envFile ? { envFile: path.resolve(parsed.envFile) } : {}) });
  if (parsed.format === 'json') {
    process.stdout.write(`${JSON.stringify(findings.map((f) => ({ ...f, file: f.file })), null, 2)}\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${formatFinding(f)}\n`);
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    process.stderr.write(`${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
  }
  return Promise.resolve(findings.some((f) => f.severity === 'error') ? 1 : 0);
}
