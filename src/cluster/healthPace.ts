import { type HealthReport } from '../api/health';

/**
 * An answer slower than this means a node is not answering its web in time (the web waits for
 * every node; a healthy cluster answers in milliseconds): the application is about to change.
 */
export const SLOW_HEALTH_ANSWER_MS = 1000;

/** How many times its usual answer time a slow answer must take (load makes answers vary, a stuck node jumps them). */
const SLOW_FACTOR = 4;

/** One `/v1/health` answer as the monitor saw it. */
export interface HealthSample {
  /** Undefined when the request failed. */
  readonly report: HealthReport | undefined;
  /** How long the answer took. */
  readonly answerMs: number;
  /** How long answers usually take (a moving average that follows the last few answers). */
  readonly typicalMs: number;
}

/** The sample of an answer that took `answerMs`, after `previous`. */
export function healthSample(
  previous: HealthSample | undefined,
  report: HealthReport | undefined,
  answerMs: number,
): HealthSample {
  return { report, answerMs, typicalMs: previous ? previous.typicalMs * 0.8 + answerMs * 0.2 : answerMs };
}

/**
 * Whether the cluster's own view is in motion, so the monitor should follow it with fast polls
 * for a while instead of waiting a whole interval: a node's role, gateway status or errors changed
 * since the previous answer (a failover takes several answers to settle: the old owner drops, the
 * spare connects), or answers just turned slow, well beyond their usual time (a node stopped
 * answering in time, which is how a failover without any Docker event begins; a loaded machine's
 * answers that merely vary do not count). Transitions only, so a cluster that stays degraded or
 * slow is polled at the normal interval.
 */
export function healthInMotion(previous: HealthSample | undefined, next: HealthSample): boolean {
  if (!previous?.report || !next.report) {
    return false;
  }
  if (
    next.answerMs >= SLOW_HEALTH_ANSWER_MS &&
    previous.answerMs < SLOW_HEALTH_ANSWER_MS &&
    next.answerMs >= SLOW_FACTOR * previous.typicalMs
  ) {
    return true;
  }
  return nodeStates(previous.report) !== nodeStates(next.report);
}

function nodeStates(report: HealthReport): string {
  return report.entries
    .map(
      (e) =>
        `${e.key}|${e.role ?? e.unknownRole ?? ''}|${e.gatewayStatus ?? e.unknownGatewayStatus ?? ''}|${e.errors.map((x) => x.code).join(',')}`,
    )
    .sort()
    .join('\n');
}
