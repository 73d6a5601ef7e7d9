import { english, type Translate } from '../util/translate';
import { interpolate, type Lookup } from './interpolate';
import { makeSourceFile, type SourceFile } from './source';
import type { Span } from './types';

/** One `KEY=value` line of a `.env` or `env_file`. */
export interface DotenvEntry {
  key: string;
  keySpan: Span;
  /** The value as written, quotes included (empty span after `=` when the value is empty). */
  valueSpan: Span;
  /** Offset of the first character of the value's content (after an opening quote). */
  contentStart: number;
  quote: '' | '"' | "'";
  /** The value after unquoting (escapes applied), before interpolation. */
  literal: string;
  /** The value after interpolation (what the container or Compose sees), or undefined for a bare `KEY`. */
  value: string | undefined;
  /** Whether the value contains an interpolation Compose cannot resolve. */
  unresolved: boolean;
  /** The line, from its first character to the end of its last character (no newline). */
  lineSpan: Span;
}

/** A line Compose cannot read. */
export interface DotenvProblem {
  span: Span;
  /** The message in English ({@link word} with {@link english}). */
  message: string;
  /** The message worded by `t` (the editor passes `vscode.l10n.t`). */
  word: (t: Translate) => string;
}

export interface DotenvFile extends SourceFile {
  entries: DotenvEntry[];
  problems: DotenvProblem[];
}

/** A variable name as compose-go reads it: letters and digits of any script, `_ . - [ ]`. */
const KEY = /^[\p{L}\p{N}_.\-[\]]*/u;
/** compose-go's `isSpace`: a space that is not a line break. */
const SPACE = /[\t\v\f\r \u0085\u00a0]/;
/** The escapes compose-go expands in double-quoted values (POSIX echo's, plus `\$` and `\"`). */
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0[0-7]{3}|0\d{0,3})/g;
const ESCAPED: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
  $: '$$',
};

/**
 * compose-go's `expandEscapes`: `\n` and the other echo escapes become their characters, `\0ddd`
 * an octal byte, and `\$` the `$$` that interpolation turns into a literal `$` (so
 * `B="\$HOME"` is `$HOME`, never expanded). Other backslashes stay as written.
 */
function expandEscapes(value: string): string {
  return value.replace(ESCAPE, (m) => {
    const e = m.slice(1);
    if (e.startsWith('0')) {
      return /^0[0-7]{3}$/.test(e) ? String.fromCharCode(parseInt(e.slice(1), 8)) : m;
    }
    return ESCAPED[e] ?? m;
  });
}

/**
 * Parses a dotenv file the way Compose reads `.env` and `env_file` (compose-go dotenv/parser.go):
 * `#` comments, optional `export `, `KEY=value` or YAML-style `KEY: value`, single quotes literal
 * (only `\'` escaped), double quotes with echo escapes (`\$` keeps a literal `$`), unquoted values
 * trimmed and cut at ` #`; unquoted and double-quoted values are interpolated with `lookup` and
 * the keys defined above them. Never throws. Compose's own test cases are our fixtures
 * (test/unit/compose/dotenv.test.ts).
 */
export function parseDotenv(path: string, text: string, lookup: Lookup = () => undefined): DotenvFile {
  const src = makeSourceFile(path, text);
  const entries: DotenvEntry[] = [];
  const problems: DotenvProblem[] = [];
  const problem = (span: Span, word: (t: Translate) => string): void => {
    problems.push({ span, message: word(english), word });
  };
  const own = new Map<string, string>();
  const scoped: Lookup = (name) => own.get(name) ?? lookup(name);
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    // UTF-16 (or binary) read as UTF-8: every line would be a bad line; say what it is once.
    problem({ file: path, start: nul, end: nul + 1 }, (t) =>
      t('This file is not UTF-8 text (it has NUL characters: saved as UTF-16?). Save it as UTF-8.'),
    );
    return { ...src, entries, problems };
  }
  // A UTF-8 byte order mark is not part of the first key.
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) {
      eol = text.length;
    }
    const lineStart = pos;
    const rawLine = text.slice(pos, eol).replace(/\r$/, '');
    let lead = rawLine.length - rawLine.trimStart().length;
    let line = rawLine.slice(lead);
    const exp = /^export\s+/.exec(line);
    if (exp) {
      lead += exp[0].length;
      line = line.slice(exp[0].length);
    }
    const trimmedLine = line.trimEnd();
    if (trimmedLine === '' || trimmedLine.startsWith('#')) {
      pos = eol + 1;
      continue;
    }
    const keyStart = lineStart + lead;
    const km = KEY.exec(line);
    if (!km) {
      problem(
        { file: path, start: keyStart, end: lineStart + text.slice(lineStart, eol).replace(/\r$/, '').length },
        (t) => t('Cannot read this line: expected KEY=value.'),
      );
      pos = eol + 1;
      continue;
    }
    const key = km[0];
    const keySpan: Span = { file: path, start: keyStart, end: keyStart + key.length };
    let after = line.slice(key.length);
    let ws = 0;
    while (ws < after.length && SPACE.test(after[ws]!)) {
      ws++;
    }
    after = after.slice(ws);
    if (after === '' && key !== '') {
      // A bare KEY: passed through from the environment.
      const value = lookup(key);
      entries.push({
        key,
        keySpan,
        valueSpan: { file: path, start: keySpan.end, end: keySpan.end },
        contentStart: keySpan.end,
        quote: '',
        literal: '',
        value,
        unresolved: false,
        lineSpan: { file: path, start: lineStart, end: keySpan.end },
      });
      if (value !== undefined) {
        own.set(key, value);
      }
      pos = eol + 1;
      continue;
    }
    if (!after.startsWith('=') && !after.startsWith(':')) {
      const written = line.trimEnd();
      problem({ file: path, start: keyStart, end: keyStart + written.length }, (t) =>
        t('Cannot read "{0}": expected KEY=value.', written),
      );
      pos = eol + 1;
      continue;
    }
    let valueStart = keyStart + key.length + ws + 1;
    while (valueStart < eol && SPACE.test(text[valueStart]!)) {
      valueStart++;
    }
    const q = text[valueStart];
    let literal: string;
    let valueEnd: number;
    let quote: DotenvEntry['quote'] = '';
    let next = eol + 1;
    if (q === '"' || q === "'") {
      quote = q;
      let j = valueStart + 1;
      let lit = '';
      // As compose-go scans: a backslash escapes the closing quote; any other stays for expandEscapes.
      while (j < text.length && text[j] !== q) {
        if (text[j] === '\\' && j + 1 < text.length) {
          lit += text[j + 1] === q ? q : `\\${text[j + 1]}`;
          j += 2;
          continue;
        }
        lit += text[j];
        j++;
      }
      if (j >= text.length) {
        problem({ file: path, start: valueStart, end: eol }, (t) =>
          q === '"'
            ? t('Unterminated double-quoted value for {0}: add the closing ".', key)
            : t("Unterminated single-quoted value for {0}: add the closing '.", key),
        );
        literal = text.slice(valueStart + 1, eol).replace(/\r$/, '');
        valueEnd = eol;
      } else {
        literal = q === '"' ? expandEscapes(lit) : lit;
        valueEnd = j + 1;
        const nl = text.indexOf('\n', valueEnd);
        next = nl < 0 ? text.length : nl + 1;
      }
    } else {
      const rest = text.slice(valueStart, eol).replace(/\r$/, '');
      const hash = rest.indexOf(' #');
      literal = (hash >= 0 ? rest.slice(0, hash) : rest).trimEnd();
      valueEnd = valueStart + literal.length;
    }
    let value = literal;
    let unresolved = false;
    if (quote !== "'") {
      const r = interpolate(literal, scoped);
      value = r.value;
      unresolved = r.unresolved;
    }
    own.set(key, value);
    entries.push({
      key,
      keySpan,
      valueSpan: { file: path, start: valueStart, end: valueEnd },
      contentStart: quote ? valueStart + 1 : valueStart,
      quote,
      literal,
      value,
      unresolved,
      lineSpan: { file: path, start: lineStart, end: valueEnd },
    });
    pos = next;
  }
  return { ...src, entries, problems };
}
