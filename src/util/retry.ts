/** How many times a flow asks for a code or a password before it gives up. */
export const MAX_TRIES = 3;

export type Asked<T> = { readonly kind: 'done'; readonly value: T } | { readonly kind: 'cancelled' };

/**
 * Asks for an answer and submits it; when the answer is refused (`refused(err)`: a wrong code, a
 * wrong password), asks again, telling `ask` the try number and the refusal, up to `maxTries`
 * tries in all. The last refusal, and any other error, is thrown. `ask` resolving undefined is
 * the user cancelling.
 */
export async function askUntilAccepted<A, T>(steps: {
  readonly ask: (tryNumber: number, refusal: unknown) => PromiseLike<A | undefined>;
  readonly submit: (answer: A) => PromiseLike<T>;
  readonly refused: (err: unknown) => boolean;
  readonly maxTries?: number;
}): Promise<Asked<T>> {
  const maxTries = steps.maxTries ?? MAX_TRIES;
  let refusal: unknown;
  for (let tryNumber = 1; ; tryNumber++) {
    const answer = await steps.ask(tryNumber, refusal);
    if (answer === undefined) {
      return { kind: 'cancelled' };
    }
    try {
      return { kind: 'done', value: await steps.submit(answer) };
    } catch (err) {
      if (!steps.refused(err) || tryNumber >= maxTries) {
        throw err;
      }
      refusal = err;
    }
  }
}
