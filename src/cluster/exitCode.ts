import { type ClusterSnapshot } from './types';

/** Exit codes of `status` (documented in the README). */
export const StatusExit = {
  /** The cluster answered and nothing is wrong (warnings and advice allowed). */
  healthy: 0,
  /** Something is down or failing: an error finding, or a node's container that is not running. */
  degraded: 1,
  /** Bad command line (unknown option, bad value, unreadable --ca-file / --env-file / --health-file). */
  usage: 2,
  /** The cluster's own health is unknown: no credentials, API unreachable or timing out, certificate or pin refused, an answer not understood. */
  cannotTell: 3,
} as const;

/**
 * The exit code for one snapshot. "Down" wins over "cannot tell": a killed DB or web container is
 * a fact Docker reports even when the API cannot be asked.
 */
export function statusExitCode(s: ClusterSnapshot): number {
  const nodeDown = s.nodes.some((n) => n.kind !== 'other' && n.container !== null && n.container.state !== 'running');
  if (nodeDown || s.cluster.findings.some((f) => f.severity === 'error')) {
    return StatusExit.degraded;
  }
  return s.api.status === 'ok' ? StatusExit.healthy : StatusExit.cannotTell;
}
