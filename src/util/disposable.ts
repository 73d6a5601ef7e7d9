/** Disposal and a tiny typed emitter, our own small types instead of vscode's (house style 8.2). */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

/** Synchronous typed emitter; a throwing listener never stops the others. */
export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();
  constructor(private readonly onListenerCountChange?: (count: number) => void) {}

  get listenerCount(): number {
    return this.listeners.size;
  }

  readonly event = (listener: Listener<T>): Disposable => {
    // Wrap so the same function can subscribe twice and unsubscribe independently.
    const wrapped: Listener<T> = (v) => listener(v);
    this.listeners.add(wrapped);
    this.onListenerCountChange?.(this.listeners.size);
    return {
      dispose: () => {
        if (this.listeners.delete(wrapped)) {
          this.onListenerCountChange?.(this.listeners.size);
        }
      },
    };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch {
        // a faulty listener must not break the engine
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** Disposes every item of every group, in order. */
export function disposeAll(...groups: Iterable<Disposable>[]): void {
  for (const group of groups) {
    for (const d of group) {
      d.dispose();
    }
  }
}
