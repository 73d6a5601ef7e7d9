/** The benchmark's result format (bench-results.json) and its table. */
import { execFileSync } from 'node:child_process';

export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export interface BenchEntry extends Figure {
  readonly id: string;
  readonly what: string;
  readonly unit: string;
  readonly baseline?: { readonly what: string; readonly median: number };
  /** median / baseline median. */
  readonly ratio?: number;
  /** The goal in words ("< 50 ms", "ratio < 1"). */
  readonly goal: string;
  /** Whether the goal holds for this run (absent when the case has no goal of its own). */
  readonly met?: boolean;
  readonly note?: string;
}

export function summarize(samples: readonly number[]): Figure {
  if (samples.length === 0) {
    return { median: NaN, min: NaN, max: NaN, runs: 0 };
  }
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, runs: s.length };
}

/** Builds an entry; `goal` checks the figure (and ratio) and says whether it holds. */
export function entry(o: {
  id: string;
  what: string;
  unit: string;
  samples: readonly number[];
  baseline?: { what: string; samples: readonly number[] } | { what: string; median: number };
  goal: string;
  check?: (e: { median: number; ratio: number | undefined }) => boolean;
  note?: string;
}): BenchEntry {
  const fig = summarize(o.samples);
  const baseMedian = o.baseline
    ? 'median' in o.baseline
      ? o.baseline.median
      : summarize(o.baseline.samples).median
    : undefined;
  const ratio =
    baseMedian !== undefined && baseMedian > 0 && Number.isFinite(fig.median) ? fig.median / baseMedian : undefined;
  return {
    id: o.id,
    what: o.what,
    unit: o.unit,
    ...fig,
    ...(o.baseline && baseMedian !== undefined ? { baseline: { what: o.baseline.what, median: baseMedian } } : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    goal: o.goal,
    ...(o.check && Number.isFinite(fig.median) ? { met: o.check({ median: fig.median, ratio }) } : {}),
    ...(o.note ? { note: o.note } : {}),
  };
}

/** A case that could not run: listed with its reason, never silently missing. */
export function failedEntry(id: string, what: string, goal: string, reason: string): BenchEntry {
  return {
    id,
    what,
    unit: '-',
    median: NaN,
    min: NaN,
    max: NaN,
    runs: 0,
    goal,
    met: false,
    note: `not measured: ${reason}`,
  };
}

function num(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) {
    return '–';
  }
  const a = Math.abs(n);
  return a >= 1e6
    ? n.toExponential(2)
    : a >= 100
      ? n.toFixed(0)
      : a >= 10
        ? n.toFixed(1)
        : a >= 1
          ? n.toFixed(2)
          : n.toFixed(3);
}

/** A Markdown table (it reads as plain text too). */
export function table(entries: readonly BenchEntry[]): string {
  const rows = [
    ['id', 'what', 'median', 'min–max', 'runs', 'baseline (median)', 'ratio', 'goal', 'met'],
    ...entries.map((e) => [
      e.id,
      e.what + (e.note ? ` (${e.note})` : ''),
      `${num(e.median)} ${e.unit}`,
      `${num(e.min)}–${num(e.max)}`,
      String(e.runs),
      e.baseline ? `${e.baseline.what}: ${num(e.baseline.median)}` : '',
      e.ratio !== undefined ? num(e.ratio) : '',
      e.goal,
      e.met === undefined ? '' : e.met ? 'yes' : 'NO',
    ]),
  ];
  const line = (r: readonly string[]) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(rows[0]!), line(rows[0]!.map(() => '---')), ...rows.slice(1).map(line)].join('\n');
}

/** Milliseconds since an arbitrary start (monotonic). */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Wall time (ms) of each of `runs` calls after `warmup` unmeasured ones. */
export async function time(fn: () => unknown, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    await fn();
  }
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    await fn();
    out.push(nowMs() - t0);
  }
  return out;
}

/**
 * Like {@link time} for several sides at once, round by round (a, b, c, a, b, c, …): on a shared
 * machine a load spike then hits every side alike, and no side runs on a JIT the other one warmed.
 * With `--expose-gc` (scripts/bench.mjs) the heap is collected before each measured call, so no
 * side pays for the garbage the previous one left. One list of samples per side.
 */
export async function timeRounds(fns: readonly (() => unknown)[], runs: number, warmup = 1): Promise<number[][]> {
  for (let i = 0; i < warmup; i++) {
    for (const fn of fns) {
      await fn();
    }
  }
  const out = fns.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      (globalThis as { gc?: () => void }).gc?.();
      const t0 = nowMs();
      await fn();
      out[k]?.push(nowMs() - t0);
    }
  }
  return out;
}

/**
 * The Compose command users have: `docker compose` (v2) when it answers, else `docker-compose` (v1).
 * The report names which one ran.
 */
export function composeCommand(): { command: string; args: string[]; name: string } {
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 10_000 });
    return { command: 'docker', args: ['compose'], name: 'docker compose' };
  } catch {
    return { command: 'docker-compose', args: [], name: 'docker-compose' };
  }
}
