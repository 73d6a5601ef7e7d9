import { type FileReader, type Finding } from '../compose/types';
import { lintFiles, type RuleSettings } from '../lint/engine';
import { type Translate } from '../util/translate';

/**
 * The pre-run gate: a cluster's compose files are linted before Up or Upgrade runs them
 * ("checked before it runs"). Errors stop the run unless the user chooses to go on; a rule the
 * user turned off never blocks (the same rules, severities and words as the Problems panel).
 * There is no way around the question but answering it.
 */
export type RunGate =
  | { readonly kind: 'go' }
  | {
      readonly kind: 'ask';
      readonly errors: readonly Finding[];
      readonly question: string;
      readonly first: Finding;
      readonly goOn: string;
    };

export interface RunGateInput {
  readonly project: string;
  readonly files: readonly string[];
  readonly reader: FileReader;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly lint: { readonly enable: boolean; readonly rules: RuleSettings };
  /** The verb on the "… Anyway" button: Start, Upgrade. */
  readonly action: string;
}

export function runGate(input: RunGateInput, t: Translate): RunGate {
  if (!input.lint.enable) {
    return { kind: 'go' };
  }
  const files = input.files.map((path) => ({ path, text: input.reader.read(path) ?? '' }));
  const { findings } = lintFiles({ files, reader: input.reader, env: input.env }, { rules: input.lint.rules, t });
  const errors = findings.filter((f) => f.severity === 'error');
  const first = errors[0];
  if (!first) {
    return { kind: 'go' };
  }
  return {
    kind: 'ask',
    errors,
    first,
    question: t(
      'The compose files of {0} have {1} error(s); Compose may fail or start a broken cluster.',
      input.project,
      errors.length,
    ),
    goOn: t('{0} Anyway', input.action),
  };
}
