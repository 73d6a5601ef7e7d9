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

/** A signal we own: it aborts when a parent aborts or when its own timer fires. */
export interface OwnedSignal {
  readonly signal: AbortSignal;
  /** True when the timer (not a parent) aborted it. */
  timedOut(): boolean;
  /** Clears the timer and detaches from the parents; call it when the operation is over. */
  dispose(): void;
}

/**
 * A signal that aborts when any parent aborts or after `timeoutMs` (if given), with its reason
 * a `TimeoutError` DOMException like `AbortSignal.timeout`.
 *
 * Why not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 the combined signal
 * holds its sources weakly, so after a garbage collection the timeout signal can be gone and the
 * combined signal never aborts (nodejs/node#57736) — a request to a server that never answers then
 * hangs forever. Here the timer is an ordinary `setTimeout` whose callback references the
 * controller, so the event loop keeps everything alive until it fires or `dispose()` runs.
 */
export function signalWithTimeout(parents: readonly (AbortSignal | undefined)[], timeoutMs?: number): OwnedSignal {
  const controller = new AbortController();
  const sources = parents.filter((s): s is AbortSignal => s !== undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let byTimer = false;
  const onParentAbort = (event: Event): void => {
    abort((event.target as AbortSignal).reason);
  };
  const detach = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    for (const s of sources) {
      s.removeEventListener('abort', onParentAbort);
    }
  };
  function abort(reason: unknown): void {
    detach();
    controller.abort(reason);
  }
  const already = sources.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
  } else {
    for (const s of sources) {
      s.addEventListener('abort', onParentAbort, { once: true });
    }
    if (timeoutMs !== undefined && timeoutMs > 0) {
      timer = setTimeout(() => {
        byTimer = true;
        abort(new DOMException(`The operation timed out after ${timeoutMs} ms`, 'TimeoutError'));
      }, timeoutMs);
    }
  }
  return { signal: controller.signal, timedOut: () => byTimer, dispose: detach };
}

/** Resolves after `ms`, rejects with {@link AbortedError} when the signal aborts first. */
export function sleep(
  ms: number,
  signal?: AbortSignal,
  timers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = systemClock,
): Promise<void> {
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
