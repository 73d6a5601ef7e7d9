/**
 * Compose variable interpolation, as `docker compose` does it (compose-go template package):
 * `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
 * `${VAR:+replacement}`, `${VAR+replacement}`, `$$` for a literal `$`; defaults may nest.
 */

import { english, type Translate } from '../util/translate';

export type Operator = '' | ':-' | '-' | ':?' | '?' | ':+' | '+';

/** One variable reference; offsets are into the raw string given to {@link interpolate}. */
export interface VarRef {
  name: string;
  /** The whole expression (`${…}` or `$NAME`). */
  start: number;
  end: number;
  op: Operator;
  /** Text after the operator (default, message or replacement), raw. */
  arg?: string;
  argStart?: number;
  /** Whether the variable is set (possibly empty). */
  set: boolean;
  value: string | undefined;
  /** Required (`?`/`:?`) but unset (or empty for `:?`): Compose aborts with `arg` as message. */
  missingRequired: boolean;
  /** Plain `${VAR}`/`$VAR` that is unset: Compose warns and substitutes "". */
  unsetPlain: boolean;
  /** When the result came from the default text (`:-`/`-`), where that default starts. */
  usedDefault: boolean;
}

export interface InterpolationError {
  start: number;
  end: number;
  /** The message in English ({@link word} with {@link english}). */
  message: string;
  /** The message worded by `t` (the editor passes `vscode.l10n.t`). */
  word: (t: Translate) => string;
}

export interface Interpolated {
  value: string;
  refs: VarRef[];
  errors: InterpolationError[];
  /** True when Compose would refuse the value (syntax error or missing required variable). */
  unresolved: boolean;
}

export type Lookup = (name: string) => string | undefined;

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;
const OPERATORS: Operator[] = [':-', ':?', ':+', '-', '?', '+'];

/** Interpolates `raw`; never throws. `base` shifts all reported offsets (used for nesting). */
export function interpolate(raw: string, lookup: Lookup, base = 0, depth = 0): Interpolated {
  const refs: VarRef[] = [];
  const errors: InterpolationError[] = [];
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = raw[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(raw, i + 2);
      if (close < 0) {
        const text = raw.slice(i);
        errors.push(
          interpolationError(base + i, base + raw.length, (t) =>
            t('Invalid interpolation format: "{0}" has no closing "}".', text),
          ),
        );
        out += raw.slice(i);
        break;
      }
      const inner = raw.slice(i + 2, close);
      const m = NAME.exec(inner);
      const name = m?.[0];
      const rest = name === undefined ? inner : inner.slice(name.length);
      const op = OPERATORS.find((o) => rest.startsWith(o)) ?? (rest === '' ? '' : undefined);
      if (name === undefined || op === undefined) {
        // The `${…}` forms are arguments: a `{` in the message would hide the placeholders after it from VS Code's formatter.
        errors.push(
          interpolationError(base + i, base + close + 1, (t) =>
            t(
              'Invalid interpolation format: "{0}" is not a variable reference (use {1}, {2} or {3}; write $$ for a literal $).',
              `\${${inner}}`,
              '${NAME}',
              '${NAME:-default}',
              '${NAME:?message}',
            ),
          ),
        );
        out += raw.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      const argRaw = op === '' ? undefined : rest.slice(op.length);
      const argStart = i + 2 + name.length + op.length;
      const value = lookup(name);
      const set = value !== undefined;
      const nonEmpty = set && value !== '';
      let result = value ?? '';
      let missingRequired = false;
      let usedDefault = false;
      const arg = (): string => {
        if (argRaw === undefined || depth > 20) {
          return argRaw ?? '';
        }
        const nested = interpolate(argRaw, lookup, base + argStart, depth + 1);
        refs.push(...nested.refs);
        errors.push(...nested.errors);
        return nested.value;
      };
      switch (op) {
        case ':-':
          if (!nonEmpty) {
            result = arg();
            usedDefault = true;
          }
          break;
        case '-':
          if (!set) {
            result = arg();
            usedDefault = true;
          }
          break;
        case ':?':
          missingRequired = !nonEmpty;
          break;
        case '?':
          missingRequired = !set;
          break;
        case ':+':
          result = nonEmpty ? arg() : '';
          break;
        case '+':
          result = set ? arg() : '';
          break;
        default:
          break;
      }
      refs.push({
        name,
        start: base + i,
        end: base + close + 1,
        op,
        ...(argRaw === undefined ? {} : { arg: argRaw, argStart: base + argStart }),
        set,
        value,
        missingRequired,
        unsetPlain: op === '' && !set,
        usedDefault,
      });
      out += result;
      i = close + 1;
      continue;
    }
    const m = NAME.exec(raw.slice(i + 1));
    if (m) {
      const name = m[0];
      const value = lookup(name);
      refs.push({
        name,
        start: base + i,
        end: base + i + 1 + name.length,
        op: '',
        set: value !== undefined,
        value,
        missingRequired: false,
        unsetPlain: value === undefined,
        usedDefault: false,
      });
      out += value ?? '';
      i += 1 + name.length;
      continue;
    }
    // A lone "$" (e.g. "$ 5" or a trailing "$") is kept as it is.
    out += '$';
    i++;
  }
  return { value: out, refs, errors, unresolved: errors.length > 0 || refs.some((r) => r.missingRequired) };
}

function interpolationError(start: number, end: number, word: (t: Translate) => string): InterpolationError {
  return { start, end, message: word(english), word };
}

/** Index of the `}` closing a `${` whose body starts at `from`, honouring nested `${…}`. */
function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let j = from; j < s.length; j++) {
    if (s[j] === '$' && s[j + 1] === '{') {
      depth++;
      j++;
    } else if (s[j] === '}') {
      depth--;
      if (depth === 0) {
        return j;
      }
    }
  }
  return -1;
}
