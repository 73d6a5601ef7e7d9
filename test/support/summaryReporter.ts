import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

/**
 * mocha's spec reporter, plus a JSON summary written to $WA_TEST_RESULTS so the tier runner can
 * add up every tier into one "N passed, N failed" line.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const passed: string[] = [];
    const failed: { title: string; error: string }[] = [];
    const pending: string[] = [];
    runner.on('pass', (t) => passed.push(t.fullTitle()));
    runner.on('fail', (t, err: unknown) =>
      failed.push({ title: t.fullTitle(), error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
    runner.on('pending', (t) => pending.push(t.fullTitle()));
    runner.once('end', () => {
      const file = process.env.WA_TEST_RESULTS;
      if (file) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ passed, failed, pending }, null, 2));
      }
    });
  }
}

export = SummaryReporter;
