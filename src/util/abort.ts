/** AbortSignal helpers shared by the pure modules (house style 8.2: cancellation is a standard AbortSignal). */

/** The error thrown when an operation is cancelled through its AbortSignal. */
export class AbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(message = 'The operation was cancelled') {
    super(message);
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err instanceof AbortedError);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortedError();
  }
}

/** A signal that aborts when any input aborts or after `timeoutMs` (if given). */
export function combineSignals(signals: readonly (AbortSignal | undefined)[], timeoutMs?: number): AbortSignal {
  const list = signals.filter((s): s is AbortSignal => s !== undefined);
  if (timeoutMs !== undefined && timeoutMs > 0) {
    list.push(AbortSignal.timeout(timeoutMs));
  }
  if (list.length === 0) {
    return new AbortController().signal;
  }
  return list.length === 1 ? list[0]! : AbortSignal.any(list);
}

/** Resolves after `ms`, rejects with {@link AbortedError} when the signal aborts first. */
export function sleep(ms: number, signal?: AbortSignal, timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError());
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(new AbortedError());
    };
    const handle = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Injectable time source and timers (fakes in test/fakes/fakeClock.ts). */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}
export type TimerHandle = { readonly __timer: unique symbol } | object;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};
