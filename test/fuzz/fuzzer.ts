/**
 * The seeded fuzzer of the compose model, the linter and its quick fixes. Input `i` of seed `s`
 * depends only on (s, i), so any failure replays with `npm run fuzz -- --seed s --only i`.
 *
 * Each input is one or more compose files plus env files (in memory, over the real disk so that
 * FIFOs, devices and directories are the real thing). Checks per input: no exception, no
 * `internal-error`, valid ranges, bounded time and heap; and for inputs whose YAML parses, every
 * quick fix applied gives a file that still parses (no new yaml-syntax / env-file-syntax error) and
 * no longer has the finding.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isCollection, isMap, isScalar, isSeq, parseDocument, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { nodeFileReader } from '../../src/compose/nodeReader';
import type { FileReader, Finding } from '../../src/compose/types';
import { applyEdits, lintFiles } from '../../src/lint/engine';
import { repoRoot, sharedDir } from '../support/paths';

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Seed {
  /** The compose file's path (its folder holds the env files it names). */
  path: string;
  text: string;
  /** Env files beside it (db.env, .env), mutated too. */
  env: Map<string, string>;
}

export interface FuzzInput {
  kind: string;
  files: { path: string; text: string }[];
  /** Texts that shadow the disk (env files, extended or included files). */
  overlay: Map<string, string>;
  envFile?: string;
}

export interface Failure {
  index: number;
  kind: string;
  reason: string;
  input: FuzzInput;
}

export interface FuzzStats {
  inputs: number;
  fixesApplied: number;
  worstMs: number;
  worstKind: string;
  maxHeapMB: number;
  byKind: Record<string, number>;
  failures: Failure[];
}

export const LIMITS = { ms: 1000, heapMB: 1536 };

/** Every compose fixture the fuzzer mutates: the repository's, the vendor files and the corpus. */
export function loadSeeds(): Seed[] {
  const roots = [
    path.join(repoRoot, 'test/fixtures/compose'),
    path.join(sharedDir, 'fixtures/compose'),
    path.join(sharedDir, 'fixtures/compose-corpus'),
  ];
  const out: Seed[] = [];
  for (const root of roots) {
    for (const file of walk(root)) {
      if (!/\.ya?ml$/.test(file)) {
        continue;
      }
      const env = new Map<string, string>();
      for (const name of ['db.env', '.env', 'app.env']) {
        const p = path.join(path.dirname(file), name);
        const text = nodeFileReader.read(p);
        if (text !== undefined) {
          env.set(p, text);
        }
      }
      out.push({ path: file, text: fs.readFileSync(file, 'utf8'), env });
    }
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...walk(p));
    } else if (e.isFile()) {
      out.push(p);
    }
  }
  return out;
}

const TOKENS = [
  ':',
  '-',
  ' ',
  '\n',
  '  ',
  '"',
  "'",
  '${',
  '}',
  '$$',
  '${A:?x}',
  '${B:-${C}}',
  '[',
  ']',
  '{',
  '}',
  '&a',
  '*a',
  '<<: *a',
  '#',
  '\t',
  '|',
  '>-',
  '|+\n',
  '? ',
  'network_mode: bridge',
  'links: [db]',
  'WA_DB_PORT: x',
  '6250-6253',
  '9090:443',
  'null',
  '~',
  '!!str',
  '!!binary',
  '%',
  '\r\n',
  '\u00a0',
  '\ufeff',
  '\u0000',
  '\ufffd',
  '😀',
  'restart: "no"',
  'WA_APP_MULTICONNECT: |',
  'extends: x',
  'env_file: /dev/zero',
  'include: [x.yml]',
  'ports: ["1-65535:1-65535"]',
];

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

/** Text-level mutations (deletions, tokens, line moves, indentation, line endings, tabs). */
function mutateText(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (t.length + 1));
    const op = r();
    if (op < 0.3) {
      t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 20));
    } else if (op < 0.6) {
      t = t.slice(0, at) + pick(r, TOKENS) + t.slice(at);
    } else if (op < 0.75) {
      const lines = t.split('\n');
      const l = lines[Math.floor(r() * lines.length)] ?? '';
      lines.splice(Math.floor(r() * lines.length), 0, l);
      t = lines.join('\n');
    } else if (op < 0.88) {
      const lines = t.split('\n');
      const k = Math.floor(r() * lines.length);
      lines[k] = (r() < 0.5 ? ' ' : '') + (lines[k] ?? '').replace(/^ /, r() < 0.5 ? '' : '   ');
      t = lines.join('\n');
    } else if (op < 0.93) {
      t = t.replace(/\n/g, '\r\n');
    } else {
      t = t.replace(/^( {2})+/gm, (m) => (r() < 0.3 ? '\t'.repeat(m.length / 2) : m));
    }
  }
  return t;
}

/** Byte-level mutations, decoded as the reader decodes: invalid UTF-8, NUL, BOM, UTF-16. */
function mutateBytes(text: string, r: () => number): string {
  const op = r();
  if (op < 0.15) {
    return `\ufeff${text}`;
  }
  if (op < 0.25) {
    return Buffer.from(`\ufeff${text}`, 'utf16le').toString('utf8');
  }
  const buf = Buffer.from(text, 'utf8');
  const n = 1 + Math.floor(r() * 6);
  const bytes = [...buf];
  for (let i = 0; i < n; i++) {
    const at = Math.floor(r() * (bytes.length + 1));
    const b = r() < 0.5 ? 0x80 + Math.floor(r() * 0x80) : Math.floor(r() * 256);
    if (r() < 0.5) {
      bytes.splice(at, 0, b);
    } else {
      bytes[Math.min(at, bytes.length - 1)] = b;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Structure-level mutations on the YAML tree: drop, duplicate, swap, alias, merge, retype. */
function mutateStructure(text: string, r: () => number): string {
  const doc = parseDocument(text, { logLevel: 'silent', merge: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    return mutateText(text, r);
  }
  const nodes: (Scalar | YAMLMap | YAMLSeq)[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && nodes.length < 5000) {
    const node = stack.pop();
    if (isMap(node)) {
      nodes.push(node);
      for (const p of node.items) {
        stack.push(p.value);
      }
    } else if (isSeq(node)) {
      nodes.push(node);
      stack.push(...node.items);
    } else if (isScalar(node)) {
      nodes.push(node);
    }
  }
  const collections = nodes.filter((n) => isCollection(n));
  if (collections.length === 0) {
    return mutateText(text, r);
  }
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const target = pick(r, collections);
    const op = r();
    const items = target.items as unknown[];
    if (items.length === 0) {
      continue;
    }
    const k = Math.floor(r() * items.length);
    if (op < 0.2) {
      items.splice(k, 1);
    } else if (op < 0.35) {
      items.splice(k, 0, items[k]);
    } else if (op < 0.5) {
      // Move a value from elsewhere here (type confusion: a map where a string was).
      const other = pick(r, nodes);
      if (isMap(target)) {
        const pair = target.items[k];
        if (pair && other !== target) {
          pair.value = doc.createNode(other.toJSON());
        }
      } else {
        items[k] = doc.createNode(other.toJSON());
      }
    } else if (op < 0.7) {
      // Anchor a node and alias it from another place.
      const anchored = pick(r, nodes);
      anchored.anchor = `a${i}`;
      const alias = doc.createAlias(anchored, `a${i}`);
      if (isMap(target)) {
        const pair = target.items[k];
        if (pair && !isAncestor(pair.value, anchored)) {
          pair.value = alias;
        }
      } else if (!isAncestor(items[k], anchored)) {
        items[k] = alias;
      }
    } else if (op < 0.85) {
      // A merge key pulling another map in.
      const source = pick(r, collections);
      if (isMap(target) && isMap(source) && source !== target && !isAncestor(source, target)) {
        source.anchor = `m${i}`;
        target.items.unshift(doc.createPair('<<', doc.createAlias(source, `m${i}`)));
      }
    } else {
      const values = [null, 0, 1, 'no', 'true', '', '${X}', [1, 2], { a: 1 }, 65536, -1, 'x'.repeat(300)];
      if (isMap(target)) {
        const pair = target.items[k];
        if (pair) {
          pair.value = doc.createNode(pick(r, values));
        }
      } else {
        items[k] = doc.createNode(pick(r, values));
      }
    }
  }
  try {
    return doc.toString({ lineWidth: 0 });
  } catch {
    return mutateText(text, r);
  }
}

/** Whether `node` is `inside` or contains it (an alias there would be recursive). */
function isAncestor(node: unknown, inside: unknown): boolean {
  const stack: unknown[] = [node];
  let seen = 0;
  while (stack.length > 0 && seen++ < 100_000) {
    const n = stack.pop();
    if (n === inside) {
      return true;
    }
    if (isMap(n)) {
      for (const p of n.items) {
        stack.push(p.value);
      }
    } else if (isSeq(n)) {
      stack.push(...n.items);
    }
  }
  return false;
}

/** The special files the special inputs point at: a FIFO, a directory, devices. */
export interface SpecialFiles {
  dir: string;
  fifo: string;
  directory: string;
}

export function makeSpecialFiles(): SpecialFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-fuzz-'));
  const fifo = path.join(dir, 'fifo.env');
  execFileSync('mkfifo', [fifo]);
  const directory = path.join(dir, 'dir.env');
  fs.mkdirSync(directory);
  return { dir, fifo, directory };
}

export function removeSpecialFiles(s: SpecialFiles): void {
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** Hand-made hard inputs: huge files, deep nesting, alias bombs, cycles, special env files. */
function special(i: number, r: () => number, sp: SpecialFiles): FuzzInput {
  const dir = sp.dir;
  const f = (name: string): string => path.join(dir, name);
  const one = (kind: string, text: string, overlay: [string, string][] = [], envFile?: string): FuzzInput => ({
    kind,
    files: [{ path: f('compose.yml'), text }],
    overlay: new Map(overlay),
    ...(envFile ? { envFile } : {}),
  });
  // The heavy kinds (huge, deep, bombs) cost up to a second each: one special in four is heavy.
  const heavy = [0, 1, 2, 3, 4, 12];
  const light = [5, 6, 7, 8, 9, 10, 11, 13, 14, 15];
  const which = r() < 0.25 ? pick(r, heavy) : pick(r, light);
  const n = 1 + Math.floor(r() * 4);
  switch (which) {
    case 0: {
      let t = 'services:\n  a:\n    image: x\n    environment:\n';
      for (let k = 0; k < 10000; k++) {
        t += `      K${k % (r() < 0.5 ? 10000 : 9500)}: v\n`;
      }
      return one('huge-map', t);
    }
    case 1: {
      let t = 'services:\n';
      for (let k = 0; k < 500; k++) {
        t += `  wacore${k}:\n    image: docker.whatsapp.biz/coreapp:v2.41.2\n    ports: ["${10000 + (k % 4000)}:6250"]\n    hostname: h${k}\n    environment:\n      WA_APP_MULTICONNECT: 1\n      COREAPP_HOSTNAME: h${(k * 7) % 500}\n`;
      }
      return one('many-services', t);
    }
    case 2:
      return one('deep-flow', `services: ${'['.repeat((10000 * n) / 4)}${']'.repeat((10000 * n) / 4)}\n`);
    case 3: {
      // 10,000 levels on one line (`- - - …`), or 2,000 indented lines (the indentation alone is 2 MB).
      if (r() < 0.5) {
        return one('deep-block', `services:\n  a:\n    command:\n      ${'- '.repeat(10000)}x\n`);
      }
      let t = 'services:\n';
      for (let k = 0; k < 2000; k++) {
        t += `${' '.repeat(k + 1)}k${k}:\n`;
      }
      return one('deep-block', t);
    }
    case 4: {
      let t = 'x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
      for (let k = 1; k < 10; k++) {
        t += `x${k}: &x${k} [${Array(9)
          .fill(`*x${k - 1}`)
          .join(', ')}]\n`;
      }
      return one('alias-bomb', `${t}services:\n  a:\n    image: x\n    command: *x9\n`);
    }
    case 5:
      return one('extends-self', 'services:\n  a:\n    image: x\n    extends: a\n');
    case 6:
      return one(
        'extends-cycle',
        `services:\n${Array.from({ length: n + 1 }, (_, k) => `  s${k}:\n    image: x\n    extends: s${(k + 1) % (n + 1)}\n`).join('')}`,
      );
    case 7:
      return one('extends-files', 'services:\n  a:\n    image: x\n    extends: { file: b.yml, service: b }\n', [
        [f('b.yml'), 'services:\n  b:\n    extends: { file: compose.yml, service: a }\n'],
      ]);
    case 8:
      return one('include-self', 'include:\n  - compose.yml\n  - path: [b.yml]\nservices:\n  a:\n    image: x\n', [
        [f('b.yml'), 'include: [compose.yml]\n'],
      ]);
    case 9:
      return one(
        'env-fifo',
        `services:\n  a:\n    image: x\n    env_file: [${sp.fifo}]\n    extends: { file: ${sp.fifo}, service: a }\n`,
      );
    case 10:
      return one(
        'env-devices',
        `services:\n  a:\n    image: x\n    env_file: [/dev/zero, /dev/urandom, /dev/null, ${sp.directory}]\n`,
      );
    case 11:
      return one('dotenv-fifo', 'services:\n  a:\n    image: ${X}\n', [], r() < 0.5 ? sp.fifo : '/dev/zero');
    case 12: {
      const big = `services:\n  a:\n    image: x\n    command: "${'y'.repeat(500_000 * n)}"\n`;
      return one('huge-scalar', big);
    }
    case 13:
      return one('bom-crlf-tabs', `\ufeffservices:\r\n  a:\r\n\timage: x\r\n    restart: *r\r\n`);
    case 14: {
      const bytes = Buffer.from('services:\n  a:\n    image: x\n', 'utf8');
      bytes[Math.floor(r() * bytes.length)] = 0xff;
      return one('invalid-utf8', bytes.toString('utf8'));
    }
    default:
      return one(
        'utf16',
        Buffer.from('\ufeffservices:\n  a:\n    image: x\n', r() < 0.5 ? 'utf16le' : 'latin1').toString('utf8'),
      );
  }
}

/** Input `i` of the run seeded with `seed`. */
export function makeInput(seed: number, i: number, seeds: Seed[], sp: SpecialFiles): FuzzInput {
  const r = rng((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  if (i % 97 === 96) {
    return special(i, r, sp);
  }
  const s = seeds[i % seeds.length];
  if (!s) {
    throw new Error('no fuzz seeds');
  }
  const op = r();
  const mutate = op < 0.5 ? mutateText : op < 0.8 ? mutateStructure : mutateBytes;
  let text: string;
  try {
    text = mutate(s.text, r);
  } catch {
    // The YAML library refuses some trees it was given (e.g. a merge key of a scalar): mutate the text instead.
    text = mutateText(s.text, r);
  }
  const overlay = new Map<string, string>();
  for (const [p, t] of s.env) {
    overlay.set(p, r() < 0.3 ? mutateText(t, r) : t);
  }
  return { kind: op < 0.5 ? 'text' : op < 0.8 ? 'structure' : 'bytes', files: [{ path: s.path, text }], overlay };
}

function readerFor(overlay: Map<string, string>): FileReader {
  return {
    read: (p) => overlay.get(p) ?? nodeFileReader.read(p),
    refusal: (p) => (overlay.has(p) ? undefined : nodeFileReader.refusal?.(p)),
  };
}

const PARSE_RULES = new Set(['yaml-syntax', 'env-file-syntax']);

function countBy(findings: Finding[], pred: (f: Finding) => boolean): number {
  return findings.filter(pred).length;
}

/** Runs one input through the model, the linter and every quick fix; returns why it failed, if it did. */
/** Quick fixes of one rule applied (and re-linted) per input, at most. */
export const FIXES_PER_RULE = 3;

export function check(input: FuzzInput, stats: FuzzStats, maxFixes: number): string | undefined {
  const lint = (texts: Map<string, string>) =>
    lintFiles({
      files: input.files.map((f) => ({ path: f.path, text: texts.get(f.path) ?? f.text })),
      reader: readerFor(new Map([...input.overlay, ...texts])),
      env: {},
      ...(input.envFile ? { envFile: input.envFile } : {}),
    });
  // CPU time, not wall time: the bound must not depend on what else the machine runs.
  const started = process.cpuUsage();
  let findings: Finding[];
  try {
    findings = lint(new Map()).findings;
  } catch (err) {
    return `exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  }
  const used = process.cpuUsage(started);
  const ms = (used.user + used.system) / 1000;
  if (ms > stats.worstMs) {
    stats.worstMs = ms;
    stats.worstKind = input.kind;
  }
  const heap = process.memoryUsage().heapUsed / 1048576;
  stats.maxHeapMB = Math.max(stats.maxHeapMB, heap);
  if (ms > LIMITS.ms) {
    return `took ${ms.toFixed(0)} ms of CPU (limit ${LIMITS.ms})`;
  }
  if (heap > LIMITS.heapMB) {
    return `heap ${heap.toFixed(0)} MB (limit ${LIMITS.heapMB})`;
  }
  const internal = findings.find((f) => f.rule === 'internal-error');
  if (internal) {
    return `internal-error: ${internal.message}`;
  }
  const bad = findings.find(
    (f) =>
      f.range.start.line < 0 ||
      f.range.start.column < 0 ||
      f.range.end.line < f.range.start.line ||
      (f.range.end.line === f.range.start.line && f.range.end.column < f.range.start.column),
  );
  if (bad) {
    return `bad range: ${JSON.stringify(bad)}`;
  }
  if (findings.some((f) => f.rule === 'yaml-syntax')) {
    return undefined;
  }
  const parseErrors = countBy(findings, (f) => PARSE_RULES.has(f.rule));
  let applied = 0;
  // Every rule's fix is tried, but a rule's fix on its 500th service runs the same code as on its
  // third: a few per rule keep a 500-service input from costing 1,000 re-lints.
  const appliedPerRule = new Map<string, number>();
  for (const f of findings) {
    if (!f.fix || applied >= maxFixes || (appliedPerRule.get(f.rule) ?? 0) >= FIXES_PER_RULE) {
      continue;
    }
    appliedPerRule.set(f.rule, (appliedPerRule.get(f.rule) ?? 0) + 1);
    applied++;
    stats.fixesApplied++;
    const base = new Map<string, string>();
    for (const e of f.fix.edits) {
      const t =
        input.files.find((x) => x.path === e.file)?.text ??
        input.overlay.get(e.file) ??
        nodeFileReader.read(e.file) ??
        '';
      base.set(e.file, t);
    }
    let after: Finding[];
    try {
      after = lint(applyEdits(base, f.fix.edits)).findings;
    } catch (err) {
      return `exception after the fix "${f.fix.title}" of ${f.rule}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
    const broken = after.filter((x) => PARSE_RULES.has(x.rule));
    if (broken.length > parseErrors) {
      return `the fix "${f.fix.title}" of ${f.rule} broke the file: ${broken.map((x) => `${x.rule} ${x.range.start.line + 1}:${x.range.start.column + 1} ${x.message}`).join('; ')}`;
    }
    const same = (x: Finding): boolean => x.rule === f.rule && x.message === f.message;
    if (countBy(after, same) >= countBy(findings, same)) {
      return `the fix "${f.fix.title}" of ${f.rule} did not clear: ${f.message}`;
    }
  }
  return undefined;
}

/** Runs inputs [from, from + count) of `seed`; stops collecting after `maxFailures`. */

/** Counters of a fuzz run before its first input. */
export function emptyStats(): FuzzStats {
  return { inputs: 0, fixesApplied: 0, worstMs: 0, worstKind: '', maxHeapMB: 0, byKind: {}, failures: [] };
}

export function runFuzz(opts: {
  seed: number;
  count: number;
  from?: number;
  maxFixes?: number;
  maxFailures?: number;
  only?: number[];
  onProgress?: (done: number, stats: FuzzStats) => void;
}): FuzzStats {
  const seeds = loadSeeds();
  const sp = makeSpecialFiles();
  const stats = emptyStats();
  try {
    const indexes = opts.only ?? Array.from({ length: opts.count }, (_, k) => (opts.from ?? 0) + k);
    for (const i of indexes) {
      const input = makeInput(opts.seed, i, seeds, sp);
      stats.inputs++;
      stats.byKind[input.kind] = (stats.byKind[input.kind] ?? 0) + 1;
      const reason = check(input, stats, opts.maxFixes ?? 1000);
      if (reason) {
        stats.failures.push({ index: i, kind: input.kind, reason, input });
        if (stats.failures.length >= (opts.maxFailures ?? 20)) {
          break;
        }
      }
      if (opts.onProgress && stats.inputs % 1000 === 0) {
        opts.onProgress(stats.inputs, stats);
      }
    }
  } finally {
    removeSpecialFiles(sp);
  }
  return stats;
}

/** Where crashing inputs are kept, each as a folder replayed by the unit test. */
export const crashDir = path.join(repoRoot, 'test/fixtures/fuzz-crashes');

/** Saves a failing input as a fixture folder (files relative to a fake project root) and returns its path. */
export function saveCrash(seed: number, f: Failure): string {
  const dir = path.join(crashDir, `seed${seed}-input${f.index}`);
  fs.mkdirSync(dir, { recursive: true });
  const meta = {
    seed,
    index: f.index,
    kind: f.kind,
    reason: f.reason.split('\n')[0],
    files: f.input.files.map((x) => x.path),
    overlay: [...f.input.overlay.keys()],
    envFile: f.input.envFile,
  };
  fs.writeFileSync(
    path.join(dir, 'input.json'),
    `${JSON.stringify({ ...meta, texts: Object.fromEntries([...f.input.files.map((x) => [x.path, x.text] as const), ...f.input.overlay]) }, null, 1)}\n`,
  );
  return dir;
}

/** The saved crashing inputs, as inputs again. */
export function loadCrashes(): { name: string; input: FuzzInput }[] {
  if (!fs.existsSync(crashDir)) {
    return [];
  }
  return fs
    .readdirSync(crashDir)
    .sort()
    .map((name) => {
      const j = JSON.parse(fs.readFileSync(path.join(crashDir, name, 'input.json'), 'utf8')) as {
        kind: string;
        files: string[];
        overlay: string[];
        envFile?: string;
        texts: Record<string, string>;
      };
      return {
        name,
        input: {
          kind: j.kind,
          files: j.files.map((p) => ({ path: p, text: j.texts[p] ?? '' })),
          overlay: new Map(j.overlay.map((p) => [p, j.texts[p] ?? ''])),
          ...(j.envFile ? { envFile: j.envFile } : {}),
        },
      };
    });
}
