import { type Clock, type TimerHandle } from '../../src/util/abort';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/** A manual clock: timers run only inside {@link advance}, in time order. */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, running due timers and letting promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) {
        break;
      }
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

/** Lets pending promise chains run (several macrotask turns). */
export async function flush(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await new Promise<void>((r) => setImmediate(r));
  }
}
