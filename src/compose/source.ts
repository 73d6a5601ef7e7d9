import {
  isAlias,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type Scalar,
} from 'yaml';
import type { Position, Range, Span } from './types';

/** One parsed text file with what is needed to turn offsets into line/column. */
export interface SourceFile {
  path: string;
  text: string;
  lineStarts: number[];
}

/** A compose file: its YAML document (with source ranges) and parse errors. */
export interface ComposeSource extends SourceFile {
  doc: Document.Parsed;
  /** YAML errors (including duplicate keys) and warnings, as spans. */
  problems: { span: Span; message: string; code: string; warning: boolean }[];
}

export function makeSourceFile(path: string, text: string): SourceFile {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      lineStarts.push(i + 1);
    }
  }
  return { path, text, lineStarts };
}

/**
 * Offset → 0-based line/column. Out-of-range offsets are clamped. A leading byte order mark is
 * not a column: editors drop it, so the first line's columns count from after it.
 */
export function positionAt(src: SourceFile, offset: number): Position {
  const o = Math.max(0, Math.min(offset, src.text.length));
  let lo = 0;
  let hi = src.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((src.lineStarts[mid] ?? 0) <= o) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  const bom = lo === 0 && src.text.charCodeAt(0) === BOM ? 1 : 0;
  return { line: lo, column: Math.max(0, o - (src.lineStarts[lo] ?? 0) - bom) };
}

export function offsetAt(src: SourceFile, pos: Position): number {
  const line = Math.max(0, Math.min(pos.line, src.lineStarts.length - 1));
  const bom = line === 0 && src.text.charCodeAt(0) === BOM ? 1 : 0;
  return Math.min((src.lineStarts[line] ?? 0) + pos.column + bom, src.text.length);
}

const BOM = 0xfeff;

export function rangeOf(src: SourceFile, start: number, end: number): Range {
  return { start: positionAt(src, start), end: positionAt(src, end) };
}

/** Deeper than this, a compose file is refused before parsing (the YAML composer recurses per level). */
export const MAX_NESTING = 500;
/** An alias expansion larger than this many nodes (and than ten times the file) is an alias bomb. */
const MAX_EXPANDED_NODES = 200_000;

/** Parses a compose file; never throws (YAML problems become `problems`). */
export function parseCompose(path: string, text: string): ComposeSource {
  const base = makeSourceFile(path, text);
  const problems: ComposeSource['problems'] = [];
  const problem = (start: number, end: number, message: string, code: string, warning = false): void => {
    problems.push({ span: { file: path, start, end: Math.max(end, start + 1) }, message, code, warning });
  };
  const encoding = encodingProblem(text);
  if (encoding) {
    problem(encoding.at, encoding.at + 1, encoding.message, encoding.code);
  }
  const depth = nestingDepth(text);
  if (depth.depth > MAX_NESTING) {
    problem(depth.at, depth.at + 1, `nesting deeper than ${MAX_NESTING} levels`, 'NESTING_TOO_DEEP');
    return { ...base, doc: parseDocument(''), problems };
  }
  // Duplicate keys are checked below in one pass: the library's own check is quadratic in a map's size.
  const doc = parseDocument(text, {
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
    strict: true,
    keepSourceTokens: false,
    logLevel: 'error',
  });
  let deep = false;
  for (const e of doc.errors) {
    if (e.code === 'RESOURCE_EXHAUSTION') {
      // One clear finding instead of one "Maximum call stack size exceeded" per level.
      if (!deep) {
        deep = true;
        problem(e.pos[0], e.pos[1], `nesting too deep to read (more than ${MAX_NESTING} levels)`, 'NESTING_TOO_DEEP');
      }
      continue;
    }
    problem(e.pos[0], e.pos[1], firstLine(e.message), e.code);
  }
  for (const w of doc.warnings) {
    problem(w.pos[0], w.pos[1], firstLine(w.message), w.code, true);
  }
  for (const key of duplicateKeys(doc.contents)) {
    const r = key.range;
    if (r) {
      problem(r[0], r[1], 'Map keys must be unique', 'DUPLICATE_KEY');
    }
  }
  if (!deep && !resolveAliases(doc.contents)) {
    const at = text.indexOf('*');
    problem(
      Math.max(0, at),
      Math.max(0, at) + 1,
      `aliases expand to more than ${MAX_EXPANDED_NODES} nodes (an alias bomb)`,
      'ALIAS_BOMB',
    );
  }
  return { ...base, doc, problems };
}

/** Text that did not decode: invalid UTF-8 (U+FFFD), UTF-16 read as UTF-8 (NUL characters). */
function encodingProblem(text: string): { at: number; code: string; message: string } | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    return { at: nul, code: 'ENCODING_NUL', message: 'NUL character: the file is not UTF-8 text (UTF-16 or binary?)' };
  }
  const bad = text.indexOf('\ufffd');
  if (bad >= 0) {
    return { at: bad, code: 'ENCODING_UTF8', message: 'invalid UTF-8 (shown as U+FFFD)' };
  }
  return undefined;
}

/** The deepest nesting of block indentation plus flow brackets, and where it is reached (an estimate, linear). */
export function nestingDepth(text: string): { depth: number; at: number } {
  const indents: number[] = [];
  let flow = 0;
  let best = { depth: 0, at: 0 };
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32 || c === 45 /* - */) {
        indent++;
        continue;
      }
      lineStart = false;
      if (c !== 35 /* # */ && c !== 13 && c !== 9) {
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) {
          indents.pop();
        }
        indents.push(indent);
      }
    }
    if (c === 91 || c === 123) {
      flow++;
    } else if ((c === 93 || c === 125) && flow > 0) {
      flow--;
    } else if (c === 34 || c === 39) {
      // Skip a quoted string on this line (brackets inside do not nest).
      const end = text.indexOf(String.fromCharCode(c), i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end > 0 && (nl < 0 || end < nl)) {
        i = end;
      }
    } else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) === 32)) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
    }
    const d = indents.length + flow;
    if (d > best.depth) {
      best = { depth: d, at: i };
    }
  }
  return best;
}

/** Keys written twice in one map (merge keys `<<` may repeat), in one pass per map. */
function duplicateKeys(root: unknown): Scalar[] {
  const out: Scalar[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const item of node.items) {
        if (isScalar(item.key) && typeof item.key.value !== 'symbol' && item.key.value !== '<<') {
          if (seen.has(item.key.value)) {
            out.push(item.key);
          }
          seen.add(item.key.value);
        }
        stack.push(item.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  return out;
}

/**
 * Replaces every alias (`*a`) in map values and sequence items by the node its anchor names, as
 * Compose resolves them before it reads the file (the nodes are shared, not copied: findings and
 * edits point at the anchored text). Returns false, leaving the aliases in place, when the
 * expansion would be an alias bomb.
 */
function resolveAliases(root: unknown): boolean {
  const anchors = new Map<string, Node>();
  const open = new Set<unknown>();
  const undo: (() => void)[] = [];
  let written = 0;
  const resolve = (a: Alias): Node | undefined => {
    const target = anchors.get(a.source);
    return target && !open.has(target) ? target : undefined;
  };
  const stack: { node: unknown; exit: boolean }[] = [{ node: root, exit: false }];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) {
      break;
    }
    const node = top.node;
    if (top.exit) {
      open.delete(node);
      continue;
    }
    if (!isCollection(node) && !isScalar(node)) {
      continue;
    }
    written++;
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      anchors.set(anchor, node);
    }
    if (!isCollection(node)) {
      continue;
    }
    open.add(node);
    stack.push({ node, exit: true });
    const children: unknown[] = [];
    if (isMap(node)) {
      for (const item of node.items) {
        if (isAlias(item.value)) {
          const alias = item.value;
          const target = resolve(alias);
          if (target) {
            item.value = target;
            undo.push(() => {
              item.value = alias;
            });
          }
        } else {
          children.push(item.key, item.value);
        }
      }
    } else {
      const items: unknown[] = node.items;
      items.forEach((item, i) => {
        if (isAlias(item)) {
          const target = resolve(item);
          if (target) {
            items[i] = target;
            undo.push(() => {
              items[i] = item;
            });
          }
        } else {
          children.push(item);
        }
      });
    }
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ node: children[i], exit: false });
    }
  }
  if (undo.length === 0 || expandedSize(root) <= Math.max(MAX_EXPANDED_NODES, 10 * written)) {
    return true;
  }
  for (const u of undo) {
    u();
  }
  return false;
}

/** How many nodes the tree has once shared nodes count once per place they appear (memoized, no recursion). */
function expandedSize(root: unknown): number {
  const size = new Map<unknown, number>();
  const stack: { node: unknown; exit: boolean }[] = [{ node: root, exit: false }];
  const kids = (node: unknown): unknown[] =>
    (isMap(node) ? node.items.map((p) => p.value) : isSeq(node) ? node.items : []).filter((k) => isCollection(k));
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) {
      break;
    }
    if (size.has(top.node)) {
      continue;
    }
    if (top.exit) {
      let n = 1;
      const c = top.node as { items: unknown[] };
      n += c.items.length;
      for (const k of kids(top.node)) {
        n += size.get(k) ?? 0;
      }
      size.set(top.node, Math.min(n, Number.MAX_SAFE_INTEGER));
      continue;
    }
    if (!isCollection(top.node)) {
      continue;
    }
    stack.push({ node: top.node, exit: true });
    for (const k of kids(top.node)) {
      if (!size.has(k)) {
        stack.push({ node: k, exit: false });
      }
    }
  }
  return size.get(root) ?? 0;
}

/** Whether a pair is a YAML merge key (`<<: *base`). */
export function isMergePair(item: Pair): boolean {
  return isScalar(item.key) && (typeof item.key.value === 'symbol' || item.key.value === '<<');
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).trim();
}

/** The span of a node's value (without trailing comments), or undefined when it has none. */
export function nodeSpan(file: string, node: unknown): Span | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!r) {
    return undefined;
  }
  return { file, start: r[0], end: Math.max(r[0], r[1]) };
}

/** Merge keys nest (a merged map may merge others); deeper than this is ignored. */
const MAX_MERGE_DEPTH = 32;

/** The maps a merge key pulls in, in precedence order (`<<: [*a, *b]`: `a` wins over `b`). */
function mergeSources(item: Pair): YAMLMap[] {
  const v = item.value;
  return (isSeq(v) ? v.items : [v]).filter((m): m is YAMLMap => isMap(m));
}

/** The pair of `map` whose key is the scalar `key`; keys written in the map win over merged ones (`<<`). */
export function pairOf(map: unknown, key: string, depth = 0): Pair<Scalar, unknown> | undefined {
  if (!isMap(map)) {
    return undefined;
  }
  let merges = false;
  for (const item of map.items) {
    if (isMergePair(item)) {
      merges = true;
    } else if (isScalar(item.key) && String(item.key.value) === key) {
      return item as Pair<Scalar, unknown>;
    }
  }
  if (!merges || depth >= MAX_MERGE_DEPTH) {
    return undefined;
  }
  for (const item of map.items) {
    if (isMergePair(item)) {
      for (const m of mergeSources(item)) {
        const found = pairOf(m, key, depth + 1);
        if (found) {
          return found;
        }
      }
    }
  }
  return undefined;
}

export function getNode(map: unknown, key: string): Node | undefined {
  const v = pairOf(map, key)?.value;
  return v === null || v === undefined ? undefined : (v as Node);
}

export interface Entry {
  key: string;
  keyNode: Scalar;
  value: Node | null;
  pair: Pair;
  /** True when the pair comes from a merge key (`<<: *base`), i.e. is written elsewhere. */
  merged: boolean;
}

/**
 * Pairs of a map whose keys are scalars, in source order, with merge keys resolved as Compose
 * does: a key written in the map wins over merged ones, and among merged maps the first wins.
 */
export function entries(map: unknown, depth = 0): Entry[] {
  if (!isMap(map)) {
    return [];
  }
  const out: Entry[] = [];
  const own = new Set<string>();
  for (const item of map.items) {
    if (!isMergePair(item) && isScalar(item.key) && item.key.value !== null && item.key.value !== undefined) {
      own.add(scalarKey(item.key.value));
    }
  }
  const taken = new Set<string>();
  for (const item of map.items) {
    if (isMergePair(item)) {
      if (depth >= MAX_MERGE_DEPTH) {
        continue;
      }
      for (const m of mergeSources(item)) {
        for (const e of entries(m, depth + 1)) {
          if (!own.has(e.key) && !taken.has(e.key)) {
            taken.add(e.key);
            out.push({ ...e, merged: true });
          }
        }
      }
    } else if (isScalar(item.key) && item.key.value !== null && item.key.value !== undefined) {
      out.push({
        key: scalarKey(item.key.value),
        keyNode: item.key,
        value: (item.value ?? null) as Node | null,
        pair: item,
        merged: false,
      });
    }
  }
  return out;
}

/** A scalar's value as a string (numbers and booleans as written), or undefined for null/non-scalars. */
export function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) {
    return undefined;
  }
  const v = node.value;
  if (v === null || v === undefined) {
    return undefined;
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
    // Keep what was written ("1.10" stays "1.10"), where the source is available.
    const src = (node as Scalar & { source?: string }).source;
    return typeof src === 'string' && node.type === 'PLAIN' ? src : String(v);
  }
  return undefined;
}

export function seqItems(node: unknown): Node[] {
  if (!isSeq(node)) {
    return [];
  }
  return node.items.filter((n): n is Node => n !== null && n !== undefined && typeof n === 'object');
}

export function isMapNode(node: unknown): node is YAMLMap {
  return isMap(node);
}

/**
 * Where the text `needle` (a slice of the scalar's *value*) sits in the source of `node`.
 * Exact for plain, single-quoted and block scalars and for double-quoted scalars without escapes;
 * otherwise falls back to the whole node.
 */
export function subSpan(
  src: SourceFile,
  node: unknown,
  valueOffset: number,
  length: number,
  nthOccurrence = 0,
): Span | undefined {
  const whole = nodeSpan(src.path, node);
  if (!whole) {
    return undefined;
  }
  const value = scalarString(node);
  if (value === undefined) {
    return whole;
  }
  const needle = value.slice(valueOffset, valueOffset + length);
  const raw = src.text.slice(whole.start, whole.end);
  let from = 0;
  let idx = -1;
  for (let n = 0; n <= nthOccurrence; n++) {
    idx = raw.indexOf(needle, from);
    if (idx < 0) {
      return whole;
    }
    from = idx + Math.max(1, needle.length);
  }
  return { file: src.path, start: whole.start + idx, end: whole.start + idx + needle.length };
}

function scalarKey(v: unknown): string {
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
      ? String(v)
      : (JSON.stringify(v) ?? '');
}
