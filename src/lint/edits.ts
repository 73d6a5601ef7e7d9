import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { EnvValue, Service } from '../compose/project';
import { entries, getNode, parseCompose, type ComposeSource, type SourceFile } from '../compose/source';
import type { Span } from '../compose/types';
import type { SpanEdit } from './rule';

/** Offset of the start of the line holding `offset`. */
function lineStart(src: SourceFile, offset: number): number {
  return src.text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
}

/** Offset just after the newline ending the line holding `offset` (or the end of the text). */
function nextLineStart(src: SourceFile, offset: number): number {
  const nl = src.text.indexOf('\n', offset);
  return nl < 0 ? src.text.length : nl + 1;
}

function indentAt(src: SourceFile, offset: number): string {
  const s = lineStart(src, offset);
  return /^[ \t]*/.exec(src.text.slice(s, offset))?.[0] ?? '';
}

function range(node: unknown): [number, number] | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r ? [r[0], r[1]] : undefined;
}

/**
 * Whether `value` is written right here after `key` (not an alias `*a` whose node sits at its
 * anchor elsewhere): edits that work on lines must not reach into another part of the file.
 */
function writtenAfter(key: [number, number], value: [number, number]): boolean {
  return value[0] >= key[1];
}

/** Deletes the whole lines of a block-map pair (`key: value` plus nested lines). */
export function deletePair(src: ComposeSource, pair: Pair): SpanEdit | undefined {
  const k = range(pair.key);
  const v = range(pair.value) ?? k;
  if (!k || !v || !writtenAfter(k, v)) {
    return undefined;
  }
  const start = lineStart(src, k[0]);
  if (src.text.slice(start, k[0]).trim() !== '') {
    return undefined;
  }
  // Stop at the end of the value, but keep a following comment line that belongs to the next key.
  let endOfValue = Math.max(k[1], v[1]);
  while (endOfValue > k[0] && /\s/.test(src.text[endOfValue - 1] ?? '')) {
    endOfValue--;
  }
  return { span: { file: src.path, start, end: nextLineStart(src, endOfValue) }, newText: '' };
}

/**
 * Whether the file parses as well once `edit` is applied. For an edit whose neighbours YAML reads
 * differently afterwards: without the document's first key, a next line that only continued a
 * map (`ser` then `  : nginx` below it) no longer parses. One parse: for a fix per file, not per service.
 */
export function keepsParsing(src: ComposeSource, edit: SpanEdit): boolean {
  const text = src.text.slice(0, edit.span.start) + edit.newText + src.text.slice(edit.span.end);
  return parseCompose(src.path, text).doc.errors.length <= src.doc.errors.length;
}

/** Text to insert so that new lines are appended right after a block node's last line. */
function appendAfter(src: ComposeSource, node: Node): { at: number; prefix: string } | undefined {
  const r = range(node);
  if (!r) {
    return undefined;
  }
  let end = r[1];
  while (end > r[0] && /\s/.test(src.text[end - 1] ?? '')) {
    end--;
  }
  const at = nextLineStart(src, end);
  return { at, prefix: at === src.text.length && !src.text.endsWith('\n') ? '\n' : '' };
}

/** The indentation of the keys of a service (from its first key), and the step between levels. */
function serviceIndent(src: ComposeSource, map: YAMLMap, key: Node): { child: string; step: string } | undefined {
  const first = map.items[0];
  const fk = range(first?.key);
  const sk = range(key);
  if (!fk || !sk || map.flow) {
    return undefined;
  }
  const child = indentAt(src, fk[0]);
  const parent = indentAt(src, sk[0]);
  const step = child.length > parent.length ? ' '.repeat(child.length - parent.length) : '  ';
  return { child, step };
}

/** Adds `key: value` lines (value already formatted, possibly multi-line with `\n` + relative indent) to a service. */
export function addServiceKey(svc: Service, key: string, valueLines: string[]): SpanEdit | undefined {
  const at = serviceAppendPoint(svc);
  if (!at) {
    return undefined;
  }
  const { def, ind, pos } = at;
  if (entries(def.map).some((e) => e.key === key)) {
    // The key is there already, in a form the model does not read (a list, a map, merged): adding it would duplicate it.
    return undefined;
  }
  const [first, ...rest] = valueLines;
  const lines =
    rest.length === 0 && first !== undefined && !first.startsWith('- ')
      ? [`${ind.child}${key}: ${first}`]
      : [`${ind.child}${key}:`, ...valueLines.map((l) => `${ind.child}${ind.step}${l}`)];
  return { span: { file: def.source.path, start: pos.at, end: pos.at }, newText: `${pos.prefix}${lines.join('\n')}\n` };
}

/** Appends an item to a block sequence or mapping that is the value of `pairKey` in the service. */
export function appendToServiceBlock(
  svc: Service,
  pairKey: string,
  /** Undefined for a key Compose only takes as a list (`volumes`, `ports`): a map there gets no edit. */
  mapLine: string | undefined,
  listLine: string,
): SpanEdit | undefined {
  const entry = svc.pairs.get(pairKey);
  if (!entry) {
    return undefined;
  }
  const node = entry.pair.value as Node | null;
  if (
    (!isMap(node) && !isSeq(node)) ||
    node.flow ||
    node.items.length === 0 ||
    (isMap(node) && mapLine === undefined)
  ) {
    return undefined;
  }
  const firstItem: unknown = isMap(node) ? node.items[0]?.key : node.items[0];
  const fr = range(firstItem);
  const nr = range(node);
  const kr = range(entry.pair.key);
  const pos = appendAfter(entry.source, node);
  // The block, and its first item, must be written here (not reached through an alias).
  if (!fr || !pos || !nr || !kr || !writtenAfter(kr, nr) || fr[0] < nr[0] || fr[1] > nr[1]) {
    return undefined;
  }
  let indent = indentAt(entry.source, fr[0]);
  if (isSeq(node)) {
    // A block sequence starts at its first dash: the new item's dash goes in the same column (the
    // first item's content may start anywhere after a tag or an anchor).
    const dashLine = entry.source.text.slice(lineStart(entry.source, nr[0]), nr[0]);
    if (dashLine.trim() !== '') {
      return undefined;
    }
    indent = dashLine;
    return {
      span: { file: entry.source.path, start: pos.at, end: pos.at },
      newText: `${pos.prefix}${indent}- ${listLine}\n`,
    };
  }
  return {
    span: { file: entry.source.path, start: pos.at, end: pos.at },
    newText: `${pos.prefix}${indent}${mapLine ?? ''}\n`,
  };
}

/** Sets an environment variable of a service: edits the existing entry or adds one. */
export function setServiceEnv(svc: Service, name: string, value: string): SpanEdit | undefined {
  const existing = svc.composeEnv.get(name);
  if (existing) {
    return replaceEnvValue(existing, value);
  }
  if (svc.pairs.has('environment')) {
    const quoted = /^[\w./-]+$/.test(value) ? value : JSON.stringify(value);
    return appendToServiceBlock(svc, 'environment', `${name}: ${quoted}`, `${name}=${value}`);
  }
  return addEnvironmentBlock(svc, name, value);
}

/** Where a new key goes at the end of the service's last definition, and with which indents. */
function serviceAppendPoint(svc: Service) {
  const def = svc.defs[svc.defs.length - 1];
  if (!def) {
    return undefined;
  }
  const ind = serviceIndent(def.source, def.map, def.key);
  const pos = appendAfter(def.source, def.map);
  return ind && pos ? { def, ind, pos } : undefined;
}

function addEnvironmentBlock(svc: Service, name: string, value: string): SpanEdit | undefined {
  const at = serviceAppendPoint(svc);
  if (!at) {
    return undefined;
  }
  const { def, ind, pos } = at;
  return {
    span: { file: def.source.path, start: pos.at, end: pos.at },
    newText: `${pos.prefix}${ind.child}environment:\n${ind.child}${ind.step}${name}: ${value}\n`,
  };
}

/** Replaces the value of an environment entry (compose `environment:` or an env file), keeping its quoting. */
export function replaceEnvValue(env: EnvValue, value: string): SpanEdit | undefined {
  if (env.envEntry) {
    const e = env.envEntry;
    if (e.quote) {
      return {
        span: { file: e.valueSpan.file, start: e.valueSpan.start + 1, end: e.valueSpan.end - 1 },
        newText: value,
      };
    }
    return { span: e.valueSpan, newText: /[\s#"']/.test(value) ? JSON.stringify(value) : value };
  }
  if (env.form === 'list') {
    return { span: env.valueSpan, newText: value };
  }
  return replaceScalar(env.source, env.valueSpan, value, env.valueSpan.start === env.valueSpan.end);
}

/** Replaces a scalar written at `span`, keeping its quote style. */
export function replaceScalar(
  src: SourceFile | undefined,
  span: Span,
  value: string,
  insertAfterColon = false,
): SpanEdit {
  if (insertAfterColon) {
    return { span, newText: ` ${needsQuotes(value) ? JSON.stringify(value) : value}` };
  }
  const first = src?.text[span.start];
  if (first === '|' || first === '>') {
    // A block scalar's range runs to the start of the next line: keep that line break.
    const raw = src?.text.slice(span.start, span.end) ?? '';
    return { span, newText: `${needsQuotes(value) ? JSON.stringify(value) : value}${raw.includes('\n') ? '\n' : ''}` };
  }
  if (first === '"') {
    return { span, newText: JSON.stringify(value) };
  }
  if (first === "'") {
    return { span, newText: `'${value.replace(/'/g, "''")}'` };
  }
  return { span, newText: needsQuotes(value) ? JSON.stringify(value) : value };
}

function needsQuotes(v: string): boolean {
  return v === '' || /^[\s&*!|>'"%@`{[\]},#?:-]|[:#]\s|\s$|^(true|false|null|yes|no|on|off|~)$/i.test(v);
}

/** The span of a scalar node, when it is one. */
export function scalarSpan(src: ComposeSource, node: unknown): Span | undefined {
  if (!isScalar(node)) {
    return undefined;
  }
  const r = range(node);
  return r ? { file: src.path, start: r[0], end: r[1] } : undefined;
}

export { getNode };
