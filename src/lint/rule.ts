import type { Project, Service } from '../compose/project';
import type { ComposeSource } from '../compose/source';
import type { Severity, Span } from '../compose/types';
import type { Translate } from '../util/translate';

/** A text replacement before it is turned into ranges. */
export interface SpanEdit {
  span: Span;
  newText: string;
}

export interface FixSpec {
  title: string;
  edits: SpanEdit[];
}

export interface Report {
  span: Span;
  message: string;
  fix?: FixSpec;
}

export interface RuleContext {
  readonly project: Project;
  readonly report: (r: Report) => void;
  /** Words every message and fix title (`{0}`-style placeholders); the editor passes `vscode.l10n.t`. */
  readonly t: Translate;
}

/** One lint rule: `id` is part of the public contract (settings, CLI output, docs). */
export interface Rule {
  id: string;
  severity: Severity;
  /** One line for settings and docs. */
  description: string;
  check(ctx: RuleContext): void;
}

export type { Project, Service, ComposeSource };
