import fs from 'node:fs';
import path from 'node:path';
import { nodeFileReader } from '../../../src/compose/nodeReader';
import type { FileReader, Finding } from '../../../src/compose/types';
import { applyEdits, lintFiles, type LintResult } from '../../../src/lint/engine';
import { repoRoot } from '../../support/paths';

export const fixturesDir = path.join(repoRoot, 'test/fixtures/compose');

/** Lints compose files from disk as one project, with an empty shell environment. */
export function lintPaths(files: string[], env: Record<string, string> = {}): LintResult {
  return lintFiles({
    files: files.map((f) => ({ path: f, text: fs.readFileSync(f, 'utf8') })),
    reader: nodeFileReader,
    env,
  });
}

/** A reader over in-memory texts, falling back to disk. */
export function overlayReader(texts: Map<string, string>): FileReader {
  return { read: (p) => texts.get(p) ?? nodeFileReader.read(p) };
}

/** `line:col-line:col`, 1-based, as the CLI prints the start. */
export function fmtRange(f: Finding): string {
  return `${f.range.start.line + 1}:${f.range.start.column + 1}-${f.range.end.line + 1}:${f.range.end.column + 1}`;
}

/**
 * Applies the fixes of `rule` one at a time (re-linting in between) to in-memory copies of the
 * project's files and returns the final lint result and texts.
 */
export function applyRuleFixes(
  files: string[],
  rule: string,
  env: Record<string, string> = {},
): { result: LintResult; texts: Map<string, string>; applied: number } {
  let texts = new Map<string, string>();
  const load = (): LintResult =>
    lintFiles({
      files: files.map((f) => ({ path: f, text: texts.get(f) ?? fs.readFileSync(f, 'utf8') })),
      reader: overlayReader(texts),
      env,
    });
  let result = load();
  let applied = 0;
  for (let i = 0; i < 20; i++) {
    const f = result.findings.find((x) => x.rule === rule && x.fix);
    if (!f?.fix) {
      break;
    }
    const current = new Map<string, string>();
    for (const e of f.fix.edits) {
      current.set(e.file, texts.get(e.file) ?? fs.readFileSync(e.file, 'utf8'));
    }
    texts = new Map([...texts, ...applyEdits(current, f.fix.edits)]);
    applied++;
    result = load();
  }
  return { result, texts, applied };
}
