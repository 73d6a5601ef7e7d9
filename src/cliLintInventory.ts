import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatFinding } from './cliLint';
import { nodeFileReader } from './compose/nodeReader';
import { dockerContextNames } from './inventory/contexts';
import { isInventoryFile } from './inventory/inventory';
import { lintInventory } from './inventory/lint';

/** The inventory `lint` was asked about: `--inventory FILE` (or `=FILE`), or a lone `*.inventory.yml` argument. */
export function inventoryArg(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => a === '--inventory' || a.startsWith('--inventory='));
  if (i >= 0) {
    const a = args[i] ?? '';
    return a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1];
  }
  const positional = args.filter((a, k) => !a.startsWith('-') && !(k > 0 && /^--(format|env-file)$/.test(args[k - 1] ?? '')));
  return positional.length === 1 && positional[0] !== undefined && isInventoryFile(positional[0]) ? positional[0] : undefined;
}

/** `lint --inventory FILE [--format text|json]`: the inventory and every host's compose/env files; exit 1 on any error. */
export function runInventoryLint(file: string, args: readonly string[]): number {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    process.stderr.write(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const { findings, inventory } = lintInventory(abs, text, { reader: nodeFileReader, contexts: dockerContextNames(process.env, os.homedir()) });
  const fi = args.findIndex((a) => a === '--format' || a.startsWith('--format='));
  const format = fi < 0 ? 'text' : (args[fi]?.includes('=') ? args[fi]?.split('=')[1] : args[fi + 1]);
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
  } else {
    for (const f of findings) {
      process.stdout.write(`${formatFinding(f)}\n`);
    }
    const errors = findings.filter((f) => f.severity === 'error').length;
    const hosts = inventory?.hosts.length ?? 0;
    process.stderr.write(`${findings.length} finding${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${path.basename(abs)} and its ${hosts} host${hosts === 1 ? '' : 's'}\n`);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}
