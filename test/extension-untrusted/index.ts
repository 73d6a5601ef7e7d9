/**
 * The extension-host suite that runs in an untrusted workspace (a second code-server run with
 * workspace trust enabled; see test/extension/launchCodeServer.ts).
 */
import { runSuite } from '../extension/index';

export function run(): Promise<void> {
  return runSuite(__dirname);
}
