/**
 * Keeps the last lines of a log within a line and a byte budget, counting what it dropped, so a
 * followed log of any length never grows memory beyond the budget.
 */
export interface LineBufferLimits {
  /** At most this many lines (≥ 1). */
  readonly maxLines: number;
  /** At most this many UTF-16 code units of text (line breaks not counted); default unlimited. */
  readonly maxChars?: number;
}

export class BoundedLineBuffer {
  private items: string[] = [];
  /** Index of the oldest kept line in `items` (lines before it were dropped; compacted lazily). */
  private head = 0;
  private chars = 0;
  private droppedLinesCount = 0;
  private readonly maxLines: number;
  private readonly maxChars: number;

  constructor(limits: LineBufferLimits) {
    this.maxLines = Math.max(1, Math.floor(limits.maxLines));
    this.maxChars = limits.maxChars !== undefined && limits.maxChars > 0 ? limits.maxChars : Number.POSITIVE_INFINITY;
  }

  /** Lines currently kept. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Characters currently kept. */
  get size(): number {
    return this.chars;
  }

  /** Lines dropped so far to stay within the limits. */
  get dropped(): number {
    return this.droppedLinesCount;
  }

  push(line: string): void {
    this.items.push(line);
    this.chars += line.length;
    while (this.length > this.maxLines || (this.chars > this.maxChars && this.length > 1)) {
      this.chars -= this.items[this.head]!.length;
      this.items[this.head] = '';
      this.head++;
      this.droppedLinesCount++;
    }
    // A single line longer than the char budget is kept, truncated, so the newest line is never lost.
    if (this.chars > this.maxChars && this.length === 1) {
      const last = this.items[this.head]!;
      const cut = last.slice(last.length - this.maxChars);
      this.chars = cut.length;
      this.items[this.head] = cut;
    }
    // Compact once the dead prefix is as long as the live part (amortised O(1) per push).
    if (this.head > 1024 && this.head >= this.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  pushAll(lines: Iterable<string>): void {
    for (const l of lines) {
      this.push(l);
    }
  }

  /** The kept lines, oldest first (a copy). */
  lines(): string[] {
    return this.items.slice(this.head);
  }

  /** The kept lines joined with `\n`. */
  text(): string {
    return this.lines().join('\n');
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.chars = 0;
    this.droppedLinesCount = 0;
  }
}
