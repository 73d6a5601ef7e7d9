/**
 * What a followed log view shows: lines classified by node, level and whether they are the web's
 * access-log record of the extension's own `/v1/health` polling, and the filter the user chose
 * (nodes, minimum level, a regular expression). Pure, so the log views and their tests agree.
 */

/** Severities, most severe first. */
export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The User-Agent of every API request the extension (and its CLI) sends, so its polling can be told apart. */
export const API_USER_AGENT = 'wa-cluster';

export interface LogFilter {
  /** Lines less severe than this are hidden (debug: nothing is hidden by level). */
  readonly minLevel: LogLevel;
  /** Nodes whose lines are shown; undefined: every node. */
  readonly nodes?: readonly string[] | undefined;
  /** Regular expression (case-insensitive) a line must match; '' or undefined: any line. */
  readonly text?: string | undefined;
  /** Show the web's access-log lines of our own `/v1/health` polling (hidden by default). */
  readonly showOwnPolling: boolean;
}

export const DEFAULT_LOG_FILTER: LogFilter = { minLevel: 'debug', showOwnPolling: false };

/** One line of a log view: its node (for the all-nodes view, from the `[node] ` prefix) and text. */
export interface ClassifiedLine {
  readonly node: string | undefined;
  /** Undefined for the view's own markers (`# …`), which no level filter hides. */
  readonly level: LogLevel | undefined;
  readonly ownPolling: boolean;
}

const LEVEL_WORDS: Readonly<Record<string, LogLevel>> = {
  E: 'error',
  F: 'error',
  C: 'error',
  ERROR: 'error',
  ERR: 'error',
  FATAL: 'error',
  CRITICAL: 'error',
  CRIT: 'error',
  PANIC: 'error',
  W: 'warning',
  WARN: 'warning',
  WARNING: 'warning',
  I: 'info',
  INFO: 'info',
  NOTE: 'info',
  NOTICE: 'info',
  LOG: 'info',
  SYSTEM: 'info',
  STATEMENT: 'info',
  DETAIL: 'info',
  HINT: 'info',
  D: 'debug',
  V: 'debug',
  DEBUG: 'debug',
  TRACE: 'debug',
};

/**
 * The level a line states, in the formats the cluster's containers write:
 * coreapp/master `W 2024-12-05 8:43:19.183 UTC 28 file.cpp:150] …` (D/I/W/E/C),
 * web `2024-12-05 08:43:19: (web.log) WARN …`, MySQL `… [Warning] [MY-010068] …`,
 * Postgres `… UTC [42] ERROR:  …`. Undefined when the line states none.
 */
export function statedLevel(text: string): LogLevel | undefined {
  const glog = /^([DIWECFV])\d{0,4} ?\d{4}-\d\d-\d\d[ T]\d/.exec(text);
  if (glog) {
    return LEVEL_WORDS[glog[1]!];
  }
  const m =
    /^\S+(?: \S+)?: \(\S+\) ([A-Z]+)\b/.exec(text) ??
    /\[(ERROR|Warning|WARNING|Note|NOTE|System|SYSTEM|INFO|DEBUG|WARN)\]/.exec(text) ??
    /\b(LOG|WARNING|ERROR|FATAL|PANIC|DEBUG\d?|INFO|NOTICE|STATEMENT|DETAIL|HINT): {2}/.exec(text) ??
    /^\s*(?:level=)?(ERROR|WARN(?:ING)?|INFO|DEBUG|TRACE|FATAL)\b/i.exec(text);
  return m ? LEVEL_WORDS[m[1]!.toUpperCase().replace(/\d$/, '')] : undefined;
}

/** An access-log line (common or combined log format): `ip - user [date] "GET /path HTTP/1.1" 200 12 …`. */
const ACCESS_LINE = /^\S+ \S+ \S+ \[[^\]]+\] "([A-Z]+) (\S+) HTTP\/[\d.]+" \d{3} \S+(?: "[^"]*" "([^"]*)")?/;

/**
 * Whether a web access-log line records the extension's own health poll: `GET /v1/health` sent
 * with our User-Agent. Lines without a User-Agent field, or with another one (curl, a monitor, a
 * BSP), are someone else's request and are never hidden.
 */
export function isOwnHealthPoll(text: string): boolean {
  const m = ACCESS_LINE.exec(text);
  if (!m) {
    return false;
  }
  const [, method, target, agent] = m;
  const path = target!.split('?')[0]!.replace(/\/+$/, '');
  return (
    method === 'GET' &&
    path === '/v1/health' &&
    agent !== undefined &&
    (agent === API_USER_AGENT || agent.startsWith(`${API_USER_AGENT}/`))
  );
}

/** `[wacore1] text` → node and text (the all-nodes view's prefix). */
export function splitNodePrefix(line: string): { node: string | undefined; text: string } {
  const m = /^\[([^\]\s]+)\] /.exec(line);
  return m ? { node: m[1], text: line.slice(m[0].length) } : { node: undefined, text: line };
}

/**
 * Classifies the lines of a view in order. A line that states no level (a stack trace, a
 * continuation, a bare message) takes the level of the previous line of the same node, else info.
 * `node` is the view's node when lines carry no prefix (a single node's view).
 */
export function classifyLines(lines: readonly string[], node?: string): ClassifiedLine[] {
  const previous = new Map<string | undefined, LogLevel>();
  return lines.map((line) => {
    const split = node === undefined ? splitNodePrefix(line) : { node, text: line };
    if (split.text.startsWith('# ')) {
      return { node: split.node, level: undefined, ownPolling: false };
    }
    const ownPolling = isOwnHealthPoll(split.text);
    const level =
      statedLevel(split.text) ??
      (ownPolling || ACCESS_LINE.test(split.text) ? 'info' : (previous.get(split.node) ?? 'info'));
    previous.set(split.node, level);
    return { node: split.node, level, ownPolling };
  });
}

/** The filter's regular expression, or the reason it is not one. */
export function compileFilterText(
  text: string | undefined,
): { ok: true; re: RegExp | undefined } | { ok: false; message: string } {
  if (!text) {
    return { ok: true, re: undefined };
  }
  try {
    return { ok: true, re: new RegExp(text, 'i') };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

export interface FilteredLines {
  readonly shown: string[];
  /** Lines hidden by the level, node or text filter. */
  readonly hidden: number;
  /** Lines hidden because they are our own health polling. */
  readonly ownPolling: number;
}

/** Applies `filter` to a view's lines (see {@link classifyLines} for `node`). Invalid regex: no text filter. */
export function filterLines(lines: readonly string[], filter: LogFilter, node?: string): FilteredLines {
  const classes = classifyLines(lines, node);
  const compiled = compileFilterText(filter.text);
  const re = compiled.ok ? compiled.re : undefined;
  const minRank = LOG_LEVELS.indexOf(filter.minLevel);
  const nodes = filter.nodes ? new Set(filter.nodes) : undefined;
  const shown: string[] = [];
  let hidden = 0;
  let ownPolling = 0;
  lines.forEach((line, i) => {
    const c = classes[i]!;
    if (c.ownPolling && !filter.showOwnPolling) {
      ownPolling++;
    } else if (
      (nodes && c.node !== undefined && !nodes.has(c.node)) ||
      (c.level !== undefined && LOG_LEVELS.indexOf(c.level) > minRank) ||
      (re && c.level !== undefined && !re.test(line))
    ) {
      hidden++;
    } else {
      shown.push(line);
    }
  });
  return { shown, hidden, ownPolling };
}

/** Whether the filter hides anything besides our own polling (for the view's header). */
export function isNarrowed(filter: LogFilter): boolean {
  return filter.minLevel !== 'debug' || filter.nodes !== undefined || !!filter.text;
}
