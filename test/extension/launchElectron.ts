/**
 * The desktop path: runs the same extension-host suite in a downloaded VS Code with
 * @vscode/test-electron (needs a display or xvfb-run, and internet access to fetch VS Code).
 *   npm run build && npm run test:electron
 */
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from '../support/paths';

async function main(): Promise<void> {
  const resultsFile = process.env.WA_TEST_RESULTS ?? path.join(repoRoot, 'test-results/extension-electron.json');
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: path.join(__dirname, 'index.js'),
    launchArgs: [path.join(repoRoot, 'test/fixtures/workspace'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: {
      WA_TEST_RESULTS: resultsFile,
      WA_TEST_WORKSPACE: path.join(repoRoot, 'test/fixtures/workspace'),
    },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
