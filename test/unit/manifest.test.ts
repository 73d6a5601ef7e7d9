import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Commands, CONFIG_SECTION, EXTENSION_ID, TRUSTED_ONLY_COMMANDS, Views } from '../../src/constants';
import { repoRoot } from '../support/paths';

interface Manifest {
  name: string;
  publisher: string;
  engines: { vscode: string };
  activationEvents?: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    views: Record<string, { id: string }[]>;
    viewsContainers: { activitybar: { id: string; icon: string }[] };
    menus: Record<string, { command: string; when?: string }[]>;
    configuration?: { properties: Record<string, unknown> } | { properties: Record<string, unknown> }[];
  };
  devDependencies: Record<string, string>;
}

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) as Record<string, string>;

describe('package.json manifest', () => {
  it('has the extension id the code uses', () => {
    assert.equal(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
  });

  it('contributes exactly the commands in constants.ts, each with the WA Cluster category', () => {
    const contributed = manifest.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, Object.values(Commands).sort());
    for (const c of manifest.contributes.commands) {
      assert.equal(c.category, 'WA Cluster', `${c.command} has no category`);
    }
  });

  it('contributes the views in constants.ts', () => {
    assert.ok(manifest.contributes.viewsContainers.activitybar.some((c) => c.id === Views.container));
    assert.ok(manifest.contributes.views[Views.container]?.some((v) => v.id === Views.nodes));
    const icon = manifest.contributes.viewsContainers.activitybar[0]?.icon ?? '';
    assert.ok(fs.existsSync(path.join(repoRoot, icon)), `activity-bar icon ${icon} missing`);
  });

  it('puts every setting under the waCluster section', () => {
    const config = manifest.contributes.configuration;
    const sections = config === undefined ? [] : Array.isArray(config) ? config : [config];
    for (const key of sections.flatMap((s) => Object.keys(s.properties))) {
      assert.ok(key.startsWith(`${CONFIG_SECTION}.`), `${key} is outside ${CONFIG_SECTION}.*`);
    }
  });

  it('never activates on "*" and keeps engines.vscode within what code-server 1.100 runs', () => {
    assert.ok(!(manifest.activationEvents ?? []).includes('*'));
    assert.ok(!(manifest.activationEvents ?? []).includes('onStartupFinished'));
    assert.match(manifest.engines.vscode, /^\^1\.(\d|[1-9]\d|100)\.\d+$/);
    assert.match(manifest.devDependencies['@types/vscode'] ?? '', /1\.100\./);
  });

  it('offers Up first when "Up" is typed in the command palette (no command before it matches "up")', () => {
    // VS Code's palette (code-server 4.100.3, commandsQuickAccess.ts) keeps the commands whose
    // "Category: Title" label matches by prefix, word starts or contiguous substring, and sorts the
    // never-used ones by label.localeCompare: so every other title containing "up" must sort after Up.
    const labels = manifest.contributes.commands
      .map((c) => `${c.category ?? ''}: ${nls[c.title.replace(/^%|%$/g, '')] ?? c.title}`)
      .filter((l) => /up/i.test(l))
      .sort((a, b) => a.localeCompare(b));
    assert.equal(labels[0], 'WA Cluster: Up (Start Services)…', JSON.stringify(labels));
    // The two commands with "Log" in their names say which log they show.
    assert.equal(nls['command.showLog.title'], 'Show Extension Log');
    assert.equal(nls['command.logs.show.title'], 'Show Node Logs');
  });

  it('defines every %key% it uses in package.nls.json', () => {
    const raw = fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8');
    for (const [, key] of raw.matchAll(/"%([^%"]+)%"/g)) {
      assert.ok(key && key in nls, `package.nls.json lacks "${key}"`);
    }
  });

  it('hides every command that runs Compose, starts containers or sends API requests in an untrusted workspace', () => {
    const palette = manifest.contributes.menus.commandPalette ?? [];
    for (const id of TRUSTED_ONLY_COMMANDS) {
      assert.ok(Object.values(Commands).includes(id as never), `${id} is not a command`);
      assert.ok(
        palette.some((m) => m.command === id && /(^|&& )isWorkspaceTrusted( &&|$)/.test(m.when ?? '')),
        `${id} is in the command palette of an untrusted workspace`,
      );
      for (const [where, items] of Object.entries(manifest.contributes.menus)) {
        for (const m of items.filter((i) => i.command === id)) {
          assert.match(
            m.when ?? '',
            /(^|&& )isWorkspaceTrusted( &&|$)/,
            `${id} shows in ${where} of an untrusted workspace`,
          );
        }
      }
    }
  });
});
