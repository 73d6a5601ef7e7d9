import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../support/paths';

/** The translations shipped besides English (VS Code locale ids). */
const locales = ['zh-cn'];
/** The scanner scripts/l10n-export.mjs uses to write the bundle (an ES module, so imported dynamically). */
interface LiteralScanner {
  injectedTFiles: string[];
  translatedLiterals(text: string, bare: boolean): string[];
}
let scanner: LiteralScanner;

function readJson(rel: string): Record<string, string> {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, rel), 'utf8')) as Record<string, string>;
}

function placeholders(s: string): string[] {
  return [...new Set([...s.matchAll(/\{(\d+)\}/g)].map((m) => m[0]))].sort();
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

describe('localization', () => {
  before(async () => {
    scanner = (await import(pathToFileURL(path.join(repoRoot, 'scripts/l10n-literals.mjs')).href)) as LiteralScanner;
  });

  describe('the literal scanner', () => {
    it('reads single- and double-quoted literals with escaped quotes', () => {
      const src = `vscode.l10n.t('It\\'s {0}', x); l10n.t("Say \\"hi\\"\\n"); t('a\\\\b'); foo.t('no')`;
      assert.deepEqual(scanner.translatedLiterals(src, false), ["It's {0}", 'Say "hi"\n']);
      assert.deepEqual(scanner.translatedLiterals(src, true), ['a\\b']);
    });
  });

  describe('package.nls.json (manifest strings)', () => {
    const nls = readJson('package.nls.json');
    for (const locale of locales) {
      it(`package.nls.${locale}.json has exactly the keys of package.nls.json, with the same command links`, () => {
        const tr = readJson(`package.nls.${locale}.json`);
        const missing = Object.keys(nls).filter((k) => !(k in tr));
        const extra = Object.keys(tr).filter((k) => !(k in nls));
        assert.deepEqual(missing, [], `keys of package.nls.json without a ${locale} translation`);
        assert.deepEqual(extra, [], `keys of package.nls.${locale}.json that package.nls.json does not have`);
        const links = (s: string): string[] => [...s.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '');
        for (const [k, v] of Object.entries(nls)) {
          assert.ok(typeof tr[k] === 'string' && tr[k].trim() !== '', `${k} is empty in package.nls.${locale}.json`);
          assert.deepEqual(
            links(tr[k]),
            links(v),
            `${k}: the ${locale} text must keep the link targets of the English one`,
          );
        }
      });
    }
  });

  describe('l10n/bundle.l10n.json (runtime strings)', () => {
    const bundle = readJson('l10n/bundle.l10n.json');
    for (const locale of locales) {
      it(`every string has a ${locale} translation with the same {N} placeholders`, () => {
        const tr = readJson(`l10n/bundle.l10n.${locale}.json`);
        const missing = Object.keys(bundle).filter((k) => typeof tr[k] !== 'string' || tr[k].trim() === '');
        assert.deepEqual(
          missing,
          [],
          `strings of l10n/bundle.l10n.json without a translation in l10n/bundle.l10n.${locale}.json`,
        );
        for (const k of Object.keys(bundle)) {
          assert.deepEqual(
            placeholders(tr[k] ?? ''),
            placeholders(k),
            `placeholders differ in the ${locale} translation of ${JSON.stringify(k)}`,
          );
        }
        const stale = Object.keys(tr).filter((k) => !(k in bundle));
        assert.deepEqual(
          stale,
          [],
          `translations in l10n/bundle.l10n.${locale}.json of strings no longer in l10n/bundle.l10n.json`,
        );
      });
    }

    it('holds every l10n.t literal of src/ and every t literal of the pure modules that take a translator (run "npm run l10n" after adding strings)', () => {
      const absent: string[] = [];
      for (const file of sourceFiles(path.join(repoRoot, 'src'))) {
        const rel = path.relative(repoRoot, file).split(path.sep).join('/');
        const text = fs.readFileSync(file, 'utf8');
        const literals = [
          ...scanner.translatedLiterals(text, false),
          ...(scanner.injectedTFiles.includes(rel) ? scanner.translatedLiterals(text, true) : []),
        ];
        for (const s of literals) {
          if (!(s in bundle)) {
            absent.push(`${rel}: ${JSON.stringify(s)}`);
          }
        }
      }
      assert.deepEqual(
        absent,
        [],
        `strings missing from l10n/bundle.l10n.json: run "npm run l10n" and translate them:\n${absent.join('\n')}`,
      );
    });
  });
});
