// Bundles the extension and the command-line tool with esbuild, then compiles the tests with tsc.
//   node scripts/build.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const entryPoints = { extension: 'src/extension.ts' };
if (fs.existsSync(path.join(root, 'src/cli.ts'))) {
  entryPoints.cli = 'src/cli.ts';
}

/** Prints the lines VS Code's esbuild problem matcher looks for. */
const watchLogger = {
  name: 'watch-logger',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) {
          console.error(`    ${location.file}:${location.line}:${location.column}:`);
        }
      }
      console.log('[watch] build finished');
    });
  },
};

const options = {
  absWorkingDir: root,
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // dockerode → ssh2 requires two optional native add-ons (cpu-features and ssh2's sshcrypto.node)
  // inside try/catch and falls back to pure JS; a plain bundle fails on the .node files, so they
  // stay external and are simply absent at run time (house-style 8.6).
  external: ['vscode', 'cpu-features', '*.node'],
  sourcemap: production ? false : 'linked',
  minify: production,
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  plugins: watch ? [watchLogger] : [],
};

if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    if (file.endsWith('.js')) {
      console.log(`${file}: ${(info.bytes / 1024).toFixed(0)} KiB`);
    }
  }
  if (!production) {
    const tsc = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      { cwd: root, stdio: 'inherit' },
    );
    if (tsc.status !== 0) {
      process.exit(tsc.status ?? 1);
    }
  }
}
