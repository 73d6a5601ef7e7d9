/**
 * The extension-host test runner (the module shape @vscode/test-electron and code-server expect):
 * the extension host require()s this file and calls run(). Results also go to $WA_TEST_RESULTS.
 */
import fs from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';
import SummaryReporter from '../support/summaryReporter';

export function run(): Promise<void> {
  return runSuite(__dirname);
}

/** Runs every *.test.js under `dir` (the untrusted-workspace suite has its own folder and index). */
export function runSuite(dir: string): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: SummaryReporter });
  const grep = process.env.WA_TEST_GREP;
  if (grep) {
    mocha.grep(grep);
  }
  for (const file of listTests(dir)) {
    mocha.addFile(file);
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} test(s) failed`)) : resolve()));
  });
}

function listTests(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.js'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}
