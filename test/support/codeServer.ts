/**
 * Runs a real VS Code (code-server 4.100.3, VS Code 1.100.3 in the browser) with our extension in
 * development mode, and drives it with headless Chromium through playwright-core.
 * Recipe: shared/reference/code-server/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { repoRoot } from './paths';

export const codeServerDir = process.env.CODE_SERVER_DIR ?? path.join(repoRoot, '.cache/code-server');
export const codeServerBin = path.join(codeServerDir, 'node_modules/.bin/code-server');
export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Keeps the workbench quiet and deterministic: no welcome page, gallery, telemetry or trust prompt. */
export const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
};

/** With these settings and `workspaceTrust`, the workspace opens in restricted mode without a prompt. */
export const untrustedSettings: Record<string, unknown> = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

export interface Sandbox {
  readonly root: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly workspace: string;
  readonly log: string;
  readonly xdg: { config: string; data: string; cache: string };
}

/**
 * A throwaway home for one code-server run. code-server and Chromium would otherwise write
 * into ~/.config and ~/.local; every such folder points inside the sandbox.
 */
/**
 * `settings` go to the User settings; `machineSettings` to the server's own (code-server's
 * "Remote" settings tab, `<user-data-dir>/Machine/settings.json`): VS Code applies machine-scoped
 * settings such as waCluster.compose.command only from there when the extension host is remote.
 */
export function makeSandbox(
  options: {
    workspaceFrom?: string;
    settings?: Record<string, unknown>;
    machineSettings?: Record<string, unknown>;
  } = {},
): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-cs-'));
  const sb: Sandbox = {
    root,
    userDataDir: path.join(root, 'user-data'),
    extensionsDir: path.join(root, 'extensions'),
    workspace: path.join(root, 'workspace'),
    log: path.join(root, 'code-server.log'),
    xdg: {
      config: path.join(root, 'xdg-config'),
      data: path.join(root, 'xdg-data'),
      cache: path.join(root, 'xdg-cache'),
    },
  };
  for (const dir of [sb.userDataDir, sb.extensionsDir, sb.workspace, sb.xdg.config, sb.xdg.data, sb.xdg.cache]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  fs.mkdirSync(path.join(sb.userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(sb.userDataDir, 'User/settings.json'),
    JSON.stringify({ ...quietSettings, ...options.settings }, null, 2),
  );
  if (options.machineSettings) {
    fs.mkdirSync(path.join(sb.userDataDir, 'Machine'), { recursive: true });
    fs.writeFileSync(
      path.join(sb.userDataDir, 'Machine/settings.json'),
      JSON.stringify(options.machineSettings, null, 2),
    );
  }
  if (options.workspaceFrom) {
    fs.cpSync(options.workspaceFrom, sb.workspace, { recursive: true });
  }
  return sb;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  readonly baseUrl: string;
  readonly authority: string;
  stop(): Promise<void>;
}

/**
 * Starts code-server on 127.0.0.1 and resolves once /healthz answers. Workspace trust is off
 * unless `workspaceTrust` (then the sandbox's settings decide, e.g. {@link untrustedSettings}).
 */
export async function startCodeServer(
  sb: Sandbox,
  options: { env?: NodeJS.ProcessEnv; port?: number; timeoutMs?: number; workspaceTrust?: boolean } = {},
): Promise<CodeServer> {
  if (!fs.existsSync(codeServerBin)) {
    throw new Error(`code-server is not installed at ${codeServerBin}: run "npm run provision" first`);
  }
  const port = options.port ?? (await freePort());
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir',
    sb.userDataDir,
    '--extensions-dir',
    sb.extensionsDir,
    sb.workspace,
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: sb.xdg.config,
    XDG_DATA_HOME: sb.xdg.data,
    XDG_CACHE_HOME: sb.xdg.cache,
    // The default gallery (open-vsx.org) is unreachable here: an empty serviceUrl turns it off.
    EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: '' }),
    ...options.env,
  };
  const logFd = fs.openSync(sb.log, 'a');
  // Own process group: stop() ends code-server and every extension host it started.
  const proc: ChildProcess = spawn(codeServerBin, args, { env, stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  let exited = false;
  proc.on('exit', () => {
    exited = true;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      throw new Error(`code-server exited early; see ${sb.log}`);
    }
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`code-server did not answer on ${baseUrl}; see ${sb.log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    baseUrl,
    authority: `127.0.0.1:${port}`,
    async stop() {
      if (exited || proc.pid === undefined) {
        return;
      }
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        return;
      }
      const end = Date.now() + 5000;
      while (!exited && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!exited) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/**
 * The workbench URL for a folder, with our extension loaded from source in development mode
 * (and optionally a test runner module): the web workbench reads both from `payload`.
 */
export function workbenchUrl(cs: CodeServer, folder: string, extensionTestsPath?: string): string {
  const url = new URL(cs.baseUrl + '/');
  url.searchParams.set('folder', folder);
  const remote = (p: string) => `vscode-remote://${cs.authority}${path.resolve(p)}`;
  const payload: [string, string][] = [['extensionDevelopmentPath', remote(repoRoot)]];
  if (extensionTestsPath) {
    payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  }
  url.searchParams.set('payload', JSON.stringify(payload));
  return url.toString();
}

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(sb: Sandbox): Promise<Browser> {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: run "npm run provision" first`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    env: {
      ...process.env,
      XDG_CONFIG_HOME: path.join(sb.root, 'browser/config'),
      XDG_CACHE_HOME: path.join(sb.root, 'browser/cache'),
    },
  });
}

/** A console line as the browser would show it (VS Code logs with %c format strings). */
export async function formatConsole(msg: ConsoleMessage): Promise<string> {
  try {
    let args: unknown[] = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => '[unserializable]')));
    let level = '';
    if (typeof args[0] === 'string' && args[0].startsWith('%c') && args.length >= 2) {
      level = args[0].slice(2).trim();
      args = args.slice(2);
    }
    if (args.length > 0) {
      return (level ? level + ' ' : '') + util.format(...args);
    }
  } catch {
    // page already gone
  }
  return msg.text();
}

export async function waitForWorkbench(page: Page, timeoutMs = 60_000): Promise<void> {
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: timeoutMs });
}
