// Regenerates l10n/bundle.l10n.json, the English keys of every runtime string.
//   npm run l10n
// 1. The official extractor (@vscode/l10n-dev) collects every `vscode.l10n.t('…')` in src/.
// 2. Pure modules cannot import vscode: they call an injected `t('…')` (the files are listed in
//    scripts/l10n-literals.mjs), which the extractor does not see; those literals are merged in.
// Keys are written sorted. Translations (l10n/bundle.l10n.<locale>.json) are edited by hand;
// test/unit/l10n.test.ts fails when a key has no translation or a string is missing from the bundle.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { injectedTFiles, translatedLiterals } from './l10n-literals.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'l10n');
const bundleFile = path.join(outDir, 'bundle.l10n.json');

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = spawnSync(npx, ['-y', '@vscode/l10n-dev@0.0.35', 'export', '--outDir', './l10n', './src'], {
  cwd: root,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (run.status !== 0) {
  console.error(`l10n-dev export failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}

const exported = JSON.parse(fs.readFileSync(bundleFile, 'utf8'));
const merged = { ...exported };
let added = 0;
for (const file of injectedTFiles) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  for (const key of translatedLiterals(text, true)) {
    if (!(key in merged)) {
      merged[key] = key;
      added++;
    }
  }
}
const sorted = Object.fromEntries(
  Object.keys(merged)
    .sort()
    .map((k) => [k, merged[k]]),
);
fs.writeFileSync(bundleFile, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${bundleFile}: ${Object.keys(sorted).length} strings (${added} from ${injectedTFiles.join(', ')})`);
