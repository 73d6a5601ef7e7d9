// The literal scanner shared by scripts/l10n-export.mjs (which writes the bundle) and
// test/unit/l10n.test.ts (which checks that nothing is missing from it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The .ts files below a folder of the repository, as sorted repository-relative paths with `/`. */
function tsFilesUnder(dir) {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
    .sort();
}

/** Whether a source file imports the {@link Translate} of src/util/translate.ts (so it may word through `t`). */
function importsTranslate(file) {
  return /from '\.\.\/util\/translate'/.test(fs.readFileSync(path.join(root, file), 'utf8'));
}

/**
 * Pure modules whose words go through an injected `t` (the editor passes `vscode.l10n.t`): every
 * file of the cluster model, the compose model and the inventory that imports src/util/translate.ts,
 * and every file of the compose linter (rules get `t` in their context), so a new module's literals
 * are collected without being listed here.
 */
export const injectedTFiles = [
  ...tsFilesUnder('src/cluster').filter(importsTranslate),
  ...tsFilesUnder('src/lint'),
  ...tsFilesUnder('src/compose').filter(importsTranslate),
  ...tsFilesUnder('src/inventory').filter(importsTranslate),
];

/** The value of a JS string literal's body (between its quotes). */
function unescape(body) {
  return body.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_, e) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return String.fromCodePoint(parseInt(e.replace(/[u{}]/g, ''), 16));
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });
}

/** `l10n.t('…')` / `l10n.t("…")` (or, with `bare`, `t('…')`) literals in a source text, unescaped. */
export function translatedLiterals(text, bare) {
  const call = bare ? String.raw`(?<![\w.$])t\(\s*` : String.raw`\bl10n\.t\(\s*`;
  const re = new RegExp(`${call}(?:'((?:[^'\\\\\\n]|\\\\.)*)'|"((?:[^"\\\\\\n]|\\\\.)*)")`, 'g');
  return [...text.matchAll(re)].map((m) => unescape(m[1] ?? m[2] ?? ''));
}
