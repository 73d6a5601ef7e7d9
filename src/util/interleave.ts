/**
 * Interleaves the lines of several logs (`docker logs --timestamps`) by their RFC 3339 timestamp,
 * with the node's name in front (`[wacore1] …`, which the walog grammar highlights). A line
 * without a timestamp stays right after its predecessor from the same node.
 */

export interface TimedLine {
  /** RFC 3339 (nanosecond precision allowed), as Docker prefixes it; undefined when absent. */
  readonly timestamp: string | undefined;
  readonly text: string;
}

export interface InterleavedLine {
  readonly source: string;
  readonly timestamp: string | undefined;
  readonly text: string;
}

/**
 * A sort key for an RFC 3339 timestamp that keeps Docker's nanoseconds (which Date.parse drops):
 * `[epoch ms, nanoseconds within the ms]`. Undefined when the text is not a timestamp.
 */
export function timestampKey(ts: string | undefined): readonly [number, number] | undefined {
  if (!ts) {
    return undefined;
  }
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)$/i.exec(ts.trim());
  if (!m) {
    return undefined;
  }
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  const base = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (Number.isNaN(base)) {
    return undefined;
  }
  return [base + Number(frac.slice(0, 3)), Number(frac.slice(3))];
}

function compareKeys(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** `[wacore1] text`. */
export function prefixLine(source: string, text: string): string {
  return `[${source}] ${text}`;
}

interface Group {
  readonly source: string;
  readonly key: readonly [number, number];
  readonly seq: number;
  readonly arrivedAt: number;
  readonly lines: InterleavedLine[];
}

/**
 * A streaming interleaver: lines are held for `holdMs` after they arrive so that lines of other
 * nodes with earlier timestamps can still overtake them, then released in timestamp order. A
 * line that arrives later than that with an older timestamp is released anyway (never dropped),
 * so following a live log stays responsive. For a finished set of logs, {@link interleave} sorts
 * everything at once.
 */
export class Interleaver {
  private pending: Group[] = [];
  private seq = 0;
  /** Per source: the key of its last group (pending or released), for lines without timestamps. */
  private readonly lastKey = new Map<string, readonly [number, number]>();
  private readonly lastPending = new Map<string, Group>();

  constructor(private readonly holdMs = 300) {}

  get pendingLines(): number {
    return this.pending.reduce((n, g) => n + g.lines.length, 0);
  }

  push(source: string, line: TimedLine, now: number): void {
    const key = timestampKey(line.timestamp);
    const item: InterleavedLine = { source, timestamp: line.timestamp, text: line.text };
    if (key === undefined) {
      const open = this.lastPending.get(source);
      if (open) {
        open.lines.push(item);
        return;
      }
      // Predecessor already released (or none): release right after it, with its key.
      const g: Group = {
        source,
        key: this.lastKey.get(source) ?? [Number.NEGATIVE_INFINITY, 0],
        seq: this.seq++,
        arrivedAt: now,
        lines: [item],
      };
      this.pending.push(g);
      this.lastPending.set(source, g);
      return;
    }
    const g: Group = { source, key, seq: this.seq++, arrivedAt: now, lines: [item] };
    this.pending.push(g);
    this.lastPending.set(source, g);
    this.lastKey.set(source, key);
  }

  /**
   * Releases, in timestamp order, every held line that arrived at least `holdMs` before `now`
   * (all of them with `force`), plus any held line with an earlier timestamp than those.
   */
  drain(now: number, force = false): InterleavedLine[] {
    if (this.pending.length === 0) {
      return [];
    }
    this.pending.sort((a, b) => compareKeys(a.key, b.key) || a.seq - b.seq);
    let cut = 0;
    if (force) {
      cut = this.pending.length;
    } else {
      // Everything up to the last group that is old enough goes out, in order.
      for (let i = 0; i < this.pending.length; i++) {
        if (now - this.pending[i]!.arrivedAt >= this.holdMs) {
          cut = i + 1;
        }
      }
    }
    const out = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    for (const g of out) {
      if (this.lastPending.get(g.source) === g) {
        this.lastPending.delete(g.source);
      }
    }
    return out.flatMap((g) => g.lines);
  }
}

/** Interleaves finished logs by timestamp (stable; untimestamped lines follow their predecessor). */
export function interleave(
  sources: readonly { readonly source: string; readonly lines: readonly TimedLine[] }[],
): InterleavedLine[] {
  const il = new Interleaver(0);
  for (const s of sources) {
    for (const l of s.lines) {
      il.push(s.source, l, 0);
    }
  }
  return il.drain(0, true);
}
