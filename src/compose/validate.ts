import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { english, type Translate } from '../util/translate';
import { composeFileSchema, SERVICE_KEYS } from './schema';
import { nodeSpan, type ComposeSource } from './source';
import type { Span } from './types';

export interface SchemaIssue {
  span: Span;
  /** The message in English ({@link word} with {@link english}). */
  message: string;
  /** The message worded by `t` (the editor passes `vscode.l10n.t`). */
  word: (t: Translate) => string;
}

function schemaIssue(span: Span, word: (t: Translate) => string): SchemaIssue {
  return { span, message: word(english), word };
}

type Issue = z.core.$ZodIssue;

/** Validates one compose file against the Compose specification; never throws. */
export function validateComposeSource(src: ComposeSource): SchemaIssue[] {
  if (src.problems.some((p) => !p.warning)) {
    // The YAML itself is broken: yaml-syntax reports it, and the structure is unreliable.
    return [];
  }
  let value: unknown;
  try {
    value = src.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return [
      schemaIssue({ file: src.path, start: 0, end: Math.min(1, src.text.length) }, (t) =>
        t('The file cannot be read as a compose file: {0}.', detail),
      ),
    ];
  }
  if (value === null || value === undefined) {
    return [
      schemaIssue({ file: src.path, start: 0, end: 0 }, (t) =>
        t('The compose file is empty: add a `services:` section.'),
      ),
    ];
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    const span = nodeSpan(src.path, src.doc.contents) ?? { file: src.path, start: 0, end: 0 };
    return [schemaIssue(span, (t) => t('A compose file must be a mapping with top-level keys such as `services:`.'))];
  }
  const r = composeFileSchema.safeParse(value);
  if (r.success) {
    return [];
  }
  const out: SchemaIssue[] = [];
  for (const issue of r.error.issues) {
    collect(src, issue, [], out);
  }
  return dedupe(out);
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.span.start}:${i.span.end}:${i.message}`;
    if (seen.has(k)) {
      return false;
    }
    seen.add(k);
    return true;
  });
}

function collect(src: ComposeSource, issue: Issue, prefix: PropertyKey[], out: SchemaIssue[]): void {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union') {
    // Pick the alternative that got furthest (not a plain type mismatch at the union itself).
    const branches = issue.errors.filter((b) => !b.every((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (branches.length >= 1 && branches[0]) {
      for (const i of branches[0]) {
        collect(src, i, path, out);
      }
      return;
    }
    const expected = [
      ...new Set(
        issue.errors.flatMap((b) =>
          b.filter((i) => i.code === 'invalid_type').map((i) => (i as { expected: string }).expected),
        ),
      ),
    ];
    const at = locate(src, path, false);
    // zod's type names (`string`, `array`, `record`…) are the specification's words: kept as they are.
    const alternatives = (t: Translate): string =>
      expected.length > 0 ? expected.reduce((a, b) => t('{0} or {1}', a, b)) : t('another form');
    out.push(
      schemaIssue(at.span, (t) =>
        t(
          '{0} has the wrong type ({1}): expected {2}. See the Compose specification.',
          describe(path, t),
          received(at.node, t),
          alternatives(t),
        ),
      ),
    );
    return;
  }
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      const at = locate(src, [...path, key], true);
      const hint = suggestion(path, key);
      out.push(
        schemaIssue(at.span, (t) =>
          hint === undefined
            ? t(
                'Unknown key `{0}` in {1}: Compose rejects the file. Remove it or prefix it with `x-`.',
                key,
                describe(path, t),
              )
            : t(
                'Unknown key `{0}` in {1}: Compose rejects the file. Did you mean `{2}`? Remove it or prefix it with `x-`.',
                key,
                describe(path, t),
                hint,
              ),
        ),
      );
    }
    return;
  }
  if (issue.code === 'invalid_type') {
    const at = locate(src, path, false);
    const { expected } = issue;
    if (at.node === undefined) {
      out.push(schemaIssue(at.span, (t) => t('{0} is required here (expected {1}).', describe(path, t), expected)));
    } else {
      out.push(
        schemaIssue(at.span, (t) =>
          t('{0} has the wrong type ({1}): expected {2}.', describe(path, t), received(at.node, t), expected),
        ),
      );
    }
    return;
  }
  if (issue.code === 'invalid_key') {
    const at = locate(src, path, true);
    const name = String(path[path.length - 1]);
    out.push(
      schemaIssue(at.span, (t) => t('Invalid name `{0}`: names may use only letters, digits, ".", "_" and "-".', name)),
    );
    return;
  }
  const at = locate(src, path, false);
  // zod's own message, as it is.
  const { message } = issue;
  out.push(schemaIssue(at.span, (t) => t('{0}: {1}.', describe(path, t), message)));
}

/** What a node holds, worded ("a mapping", "a string"…); a scalar of another JS type by its `typeof`. */
function received(node: Node | undefined, t: Translate): string {
  if (node === undefined) {
    return t('nothing');
  }
  if (isMap(node)) {
    return t('a mapping');
  }
  if (isSeq(node)) {
    return t('a list');
  }
  if (isScalar(node)) {
    const v = node.value;
    return v === null
      ? t('an empty value')
      : typeof v === 'string'
        ? t('a string')
        : typeof v === 'number'
          ? t('a number')
          : typeof v === 'boolean'
            ? t('a boolean')
            : typeof v;
  }
  return t('an alias');
}

/** Where a zod path points: "the top level", "service `web`", "`ports[0]` of service `web`", "`volumes.data`". */
function describe(path: PropertyKey[], t: Translate): string {
  if (path.length === 0) {
    return t('the top level');
  }
  if (path[0] === 'services' && path.length >= 2) {
    const rest = path.slice(2);
    return rest.length === 0
      ? t('service `{0}`', String(path[1]))
      : t('`{0}` of service `{1}`', fmt(rest), String(path[1]));
  }
  return `\`${fmt(path)}\``;
}

function fmt(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** The service key an unknown key of a service is probably a typo of. */
function suggestion(path: PropertyKey[], key: string): string | undefined {
  if (!(path.length === 2 && path[0] === 'services')) {
    return undefined;
  }
  let best: string | undefined;
  let bestD = 3;
  for (const k of SERVICE_KEYS) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) {
    return 99;
  }
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 99;
}

/**
 * Finds the node for a zod path in the YAML document: the key node (`wantKey`) or the value node.
 * Falls back to the deepest node that exists (paths through `<<` merge keys do not exist in source).
 */
function locate(
  src: ComposeSource,
  path: PropertyKey[],
  wantKey: boolean,
): { span: Span; node: Node | undefined; exact: boolean } {
  let node: unknown = src.doc.contents;
  let lastSpan: Span | undefined = nodeSpan(src.path, node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) {
        return { span: lastSpan ?? { file: src.path, start: 0, end: 0 }, node: undefined, exact: false };
      }
      if (last && wantKey) {
        return {
          span: nodeSpan(src.path, pair.key) ?? lastSpan ?? { file: src.path, start: 0, end: 0 },
          node: pair.key as Node,
          exact: true,
        };
      }
      lastSpan = nodeSpan(src.path, pair.key) ?? lastSpan;
      node = pair.value;
      if (node === null || node === undefined) {
        return { span: lastSpan ?? { file: src.path, start: 0, end: 0 }, node: undefined, exact: last };
      }
      if (!last || !wantKey) {
        const s = nodeSpan(src.path, node);
        if (s && s.end > s.start) {
          lastSpan = s;
        }
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      const s = nodeSpan(src.path, node);
      if (!s) {
        return { span: lastSpan ?? { file: src.path, start: 0, end: 0 }, node: undefined, exact: false };
      }
      lastSpan = s;
    } else {
      return { span: lastSpan ?? { file: src.path, start: 0, end: 0 }, node: undefined, exact: false };
    }
  }
  return { span: lastSpan ?? { file: src.path, start: 0, end: 0 }, node: node as Node, exact: true };
}
