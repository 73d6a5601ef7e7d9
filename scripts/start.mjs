// The demo: an emulated WhatsApp Business API cluster, and VS Code (code-server) in the browser
// with the extension installed, on http://127.0.0.1:8080 (WA_DEMO_PORT). Stays up until Ctrl-C,
// then stops code-server and the cluster (its data is kept; `npm run emulator -- down --volumes
// --dir .demo/biz` deletes it).
// The cluster lives in .demo/biz (WA_DEMO_DIR), like the source document's ~/biz, so Compose's
// project name is the folder's name; its web answers on https://127.0.0.1:9090 (WA_DEMO_WEB_PORT).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { startCodeServer, quietSettings } = require(path.join(root, 'out/test/support/codeServer.js'));

const port = Number(process.env.WA_DEMO_PORT ?? 8080);
const workspace = path.resolve(root, process.env.WA_DEMO_DIR ?? '.demo/biz');
const home = path.join(path.dirname(workspace), 'code-server');
const webPort = process.env.WA_DEMO_WEB_PORT ?? '9090';
const clusterArgs = [
  '--dir',
  workspace,
  '--project',
  path
    .basename(workspace)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, ''),
];
const sb = {
  root: home,
  userDataDir: path.join(home, 'user-data'),
  extensionsDir: path.join(home, 'extensions'),
  workspace,
  log: path.join(home, 'code-server.log'),
  xdg: {
    config: path.join(home, 'xdg-config'),
    data: path.join(home, 'xdg-data'),
    cache: path.join(home, 'xdg-cache'),
  },
};

function emulator(...args) {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/emulator.mjs'), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) {
    throw new Error(`npm run emulator -- ${args.join(' ')} failed (exit ${r.status})`);
  }
}

/** Installs the extension the way a .vsix would: the packaged files in <extensions>/<publisher>.<name>-<version>. */
function installExtension() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  fs.rmSync(sb.extensionsDir, { recursive: true, force: true });
  const dest = path.join(sb.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  for (const entry of [
    'dist',
    'media',
    'syntaxes',
    'package.json',
    'package.nls.json',
    'README.md',
    'CHANGELOG.md',
    'LICENSE',
  ]) {
    const from = path.join(root, entry);
    if (fs.existsSync(from)) {
      fs.cpSync(from, path.join(dest, entry), { recursive: true });
    }
  }
}

for (const dir of [
  sb.userDataDir,
  sb.extensionsDir,
  workspace,
  sb.xdg.config,
  sb.xdg.data,
  sb.xdg.cache,
  path.join(sb.userDataDir, 'User'),
]) {
  fs.mkdirSync(dir, { recursive: true });
}
const settingsFile = path.join(sb.userDataDir, 'User/settings.json');
if (!fs.existsSync(settingsFile)) {
  fs.writeFileSync(settingsFile, JSON.stringify(quietSettings, null, 2));
}

emulator('up', ...clusterArgs, '--port', webPort);
installExtension();
const cs = await startCodeServer(sb, { port });
const url = `${cs.baseUrl}/?folder=${encodeURIComponent(workspace)}`;
console.log(`\nVS Code with wa-cluster: ${url}\nThe cluster's workspace: ${workspace}`);
console.log(
  'In VS Code: open the WA Cluster view, click "Sign in", trust the certificate, password "secret" (the first sign-in sets a new one).',
);
console.log('Press Ctrl-C to stop.\n');

let stopping = false;
async function stop() {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log('\nstopping code-server and the emulated cluster (data kept)…');
  await cs.stop();
  try {
    emulator('down', ...clusterArgs);
  } catch (err) {
    console.error(String(err));
  }
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
