import { LineCounter, parseDocument, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type Scalar } from 'yaml';
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

/** Offset → 0-based line/column. Out-of-range offsets are clamped. */
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
  return { line: lo, column: o - (src.lineStarts[lo] ?? 0) };
}

export function offsetAt(src: SourceFile, pos: Position): number {
  const start = src.lineStarts[Math.max(0, Math.min(pos.line, src.lineStarts.length - 1))] ?? 0;
  return Math.min(start + pos.column, src.text.length);
}

export function rangeOf(src: SourceFile, start: number, end: number): Range {
  return { start: positionAt(src, start), end: positionAt(src, end) };
}

/** Parses a compose file; never throws (YAML problems become `problems`). */
export function parseCompose(path: string, text: string): ComposeSource {
  const base = makeSourceFile(path, text);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, merge: true, prettyErrors: false, strict: true, keepSourceTokens: false });
  const problems: ComposeSource['problems'] = [];
  for (const e of doc.errors) {
    problems.push({ span: { file: path, start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) }, message: firstLine(e.message), code: e.code, warning: false });
  }
  for (const w of doc.warnings) {
    problems.push({ span: { file: path, start: w.pos[0], end: Math.max(w.pos[1], w.pos[0] + 1) }, message: firstLine(w.message), code: w.code, warning: true });
  }
  return { ...base, doc, problems };
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

/** The pair of `map` whose key is the scalar `key`. */
export function pairOf(map: unknown, key: string): Pair<Scalar, unknown> | undefined {
  if (!isMap(map)) {
    return undefined;
  }
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) {
      return item as Pair<Scalar, unknown>;
    }
  }
  return undefined;
}

export function getNode(map: unknown, key: string): Node | undefined {
  const v = pairOf(map, key)?.value;
  return v === null || v === undefined ? undefined : (v as Node);
}

/** Pairs of a map whose keys are scalars, in source order. */
export function entries(map: unknown): { key: string; keyNode: Scalar; value: Node | null; pair: Pair }[] {
  if (!isMap(map)) {
    return [];
  }
  const out: { key: string; keyNode: Scalar; value: Node | null; pair: Pair }[] = [];
  for (const item of map.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value !== null && item.key.value !== undefined) {
      out.push({ key: scalarKey(item.key.value), keyNode: item.key, value: (item.value ?? null) as Node | null, pair: item });
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
export function subSpan(src: SourceFile, node: unknown, valueOffset: number, length: number, nthOccurrence = 0): Span | undefined {
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
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : JSON.stringify(v) ?? '';
}
