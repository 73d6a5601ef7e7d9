/** One share of a fuzz run in a worker thread (the unit test splits its inputs over the machine's cores). */
import { parentPort, workerData } from 'node:worker_threads';
import { runFuzz, saveCrash } from './fuzzer';

const { seed, from, count, maxFixes } = workerData as { seed: number; from: number; count: number; maxFixes: number };
const stats = runFuzz({ seed, from, count, maxFixes, maxFailures: 10 });
const failures = stats.failures.map((f) => ({
  index: f.index,
  kind: f.kind,
  reason: f.reason,
  saved: saveCrash(seed, f),
}));
parentPort?.postMessage({ ...stats, failures });
