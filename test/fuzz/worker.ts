/**
 * One share of a fuzz run in a process of its own (the unit test splits its inputs over the
 * machine's cores). A process, not a worker thread: the per-input CPU bound reads
 * `process.cpuUsage()`, which counts every thread of the process, so two shares in one process
 * each saw the other's CPU (an input of ≈ 500 ms measured 1,038 ms beside its sibling).
 *   node out/test/fuzz/worker.js '{"seed":…,"from":…,"count":…,"maxFixes":…}'   (run with fork: the stats go back by IPC)
 */
import { runFuzz, saveCrash } from './fuzzer';

const { seed, from, count, maxFixes } = JSON.parse(process.argv[2] ?? '{}') as {
  seed: number;
  from: number;
  count: number;
  maxFixes: number;
};
const stats = runFuzz({ seed, from, count, maxFixes, maxFailures: 10 });
const failures = stats.failures.map((f) => ({
  index: f.index,
  kind: f.kind,
  reason: f.reason,
  saved: saveCrash(seed, f),
}));
process.send?.({ ...stats, failures }, () => process.disconnect());
