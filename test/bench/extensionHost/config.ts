/** What the launcher hands the benchmark running inside the extension host (env WA_BENCH_CONFIG). */
import { type Workspace } from '../../emulator/src/harness';

export interface HostBenchConfig {
  readonly quick: boolean;
  /** Where the entries go (JSON array, rewritten after each case). */
  readonly outFile: string;
  /** The running cluster, its folder outside the workspace (copied in after activation). */
  readonly cluster: Workspace;
  /** The vendor file for the editor-path lint case. */
  readonly vendorDir: string;
  /** A log project (3 nodes with many lines) outside the workspace, and `compose logs`' median there. */
  readonly logs:
    | {
        readonly dir: string;
        readonly project: string;
        readonly lines: number;
        readonly composeLogsMs: number;
        readonly composeName: string;
      }
    | undefined;
  readonly idleWindowMs: number;
  readonly eventRounds: number;
  readonly failoverRounds: number;
  readonly lintRuns: number;
  /** `--profile DIR`: CPU profiles of the extension host during activate() and the visible idle window. */
  readonly profileDir?: string | undefined;
}

/** Lines the benchmark logs to the browser console for the launcher to act on. */
export const BLUR_REQUEST = 'WA_BENCH_REQUEST blur';
export const FOCUS_REQUEST = 'WA_BENCH_REQUEST focus';
