import { ApiError } from '../api/errors';

/**
 * Answers the API refuses that the user can correct by typing again (the flows then ask again,
 * see util/retry.ts), as opposed to failures that another try would not change.
 */

/** `POST /v1/account/verify` refused the code: a 400 with the API's error envelope (1009, "not valid"). */
export function isRefusedCode(err: unknown): boolean {
  return err instanceof ApiError && err.kind === 'api' && err.status === 400;
}

/** `POST /v1/users/login` refused the user name or password (401). */
export function isRefusedPassword(err: unknown): boolean {
  return err instanceof ApiError && err.kind === 'unauthorized';
}

/** The API's own words for a refusal, to show above the next try. */
export function refusalText(err: unknown): string {
  if (err instanceof ApiError) {
    return err.errors[0]?.details ?? err.errors[0]?.title ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
