import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatFinding } from './cliLint';
import { nodeFileReader } from './compose/nodeReader';
import { dockerContextNames } from './inventory/contexts';
import { lintInventory } from './inventory/lint';

/** `lint --inventory FILE [--format text|json]`: the inventory and every host's compose/env files; exit 1 on any error. */
export function runInventoryLint(file: string, format: 'text' | 'json'): number {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    process.stderr.write(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const { findings, inventory } = lintInventory(abs, text, {
    reader: nodeFileReader,
    contexts: dockerContextNames(process.env, os.homedir()),
  });
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${formatFinding(f)}\n`);
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    const hosts = inventory?.hosts.length ?? 0;
    process.stderr.write(
      `${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${path.basename(abs)} and its ${hosts} host${hosts === 1 ? '' : 's'}\n`,
    );
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
