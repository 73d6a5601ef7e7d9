import { z } from 'zod';
import { loadProject, type LoadOptions, type Project } from '../compose/project';
import { rangeOf } from '../compose/source';
import type { Finding, Fix, Severity, Span } from '../compose/types';
import { type Translate, english } from '../util/translate';
import { ALL_RULES } from './allRules';
import type { Report, Rule } from './rule';

/** Per-rule settings: a severity override or "off". */
export const ruleSettingsSchema = z.record(z.string(), z.enum(['error', 'warning', 'info', 'off']));
export type RuleSettings = z.infer<typeof ruleSettingsSchema>;

export interface LintOptions {
  rules?: RuleSettings;
  /** Rules to run instead of the built-in set (tests). */
  ruleSet?: readonly Rule[];
  /** Words the messages and fix titles: `vscode.l10n.t` in the editor, English (the default) elsewhere. */
  t?: Translate;
}

export interface LintResult {
  project: Project;
  findings: Finding[];
}

/** Loads a project from compose files and lints it. Never throws. */
export function lintFiles(load: LoadOptions, options: LintOptions = {}): LintResult {
  const project = loadProject(load);
  return { project, findings: lintProject(project, options) };
}

/** Runs every enabled rule over a loaded project; a rule that throws becomes an `internal-error` finding. */
export function lintProject(project: Project, options: LintOptions = {}): Finding[] {
  const settings = ruleSettingsSchema.safeParse(options.rules ?? {});
  const overrides: RuleSettings = settings.success ? settings.data : {};
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const t = options.t ?? english;
  for (const rule of options.ruleSet ?? ALL_RULES) {
    const setting = overrides[rule.id];
    if (setting === 'off') {
      continue;
    }
    const severity: Severity = setting ?? rule.severity;
    const report = (r: Report): void => {
      const f = toFinding(project, rule.id, severity, r);
      const key = `${f.file}\0${f.range.start.line}:${f.range.start.column}-${f.range.end.line}:${f.range.end.column}\0${f.rule}\0${f.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push(f);
      }
    };
    try {
      rule.check({ project, report, t });
    } catch (err) {
      const file = project.files[0]?.path ?? '';
      findings.push({
        file,
        rule: 'internal-error',
        severity: 'warning',
        range: { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } },
        message: t(
          'Rule {0} failed on this project ({1}); please report it.',
          rule.id,
          err instanceof Error ? err.message : String(err),
        ),
      });
    }
  }
  return findings.sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    a.file.localeCompare(b.file) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column ||
    a.rule.localeCompare(b.rule)
  );
}

function toFinding(project: Project, rule: string, severity: Severity, r: Report): Finding {
  const src = project.sources.get(r.span.file);
  const range = src
    ? rangeOf(src, r.span.start, r.span.end)
    : { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
  const finding: Finding = { file: r.span.file, rule, severity, message: r.message, range };
  if (r.fix && r.fix.edits.length > 0) {
    const fix: Fix = {
      title: r.fix.title,
      edits: r.fix.edits.map((e) => {
        const s = project.sources.get(e.span.file);
        return {
          file: e.span.file,
          start: e.span.start,
          end: e.span.end,
          newText: e.newText,
          range: s ? rangeOf(s, e.span.start, e.span.end) : range,
        };
      }),
    };
    finding.fix = fix;
  }
  return finding;
}

/** Applies a fix's edits to the texts of the files it touches (edits must not overlap). */
export function applyEdits(
  texts: Map<string, string>,
  edits: readonly { file: string; start: number; end: number; newText: string }[],
): Map<string, string> {
  const out = new Map(texts);
  const byFile = new Map<string, { start: number; end: number; newText: string }[]>();
  for (const e of edits) {
    byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  }
  for (const [file, list] of byFile) {
    let text = out.get(file) ?? '';
    for (const e of [...list].sort((a, b) => b.start - a.start)) {
      text = text.slice(0, e.start) + e.newText + text.slice(e.end);
    }
    out.set(file, text);
  }
  return out;
}

export type { Span };
