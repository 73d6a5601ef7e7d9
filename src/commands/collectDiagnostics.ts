import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { collectDiagnosticsBundle } from '../cluster/diagnosticsBundle';
import { type LogCommandDeps, pickCluster, projectOfArg } from './logTargets';

export const DIAGNOSTICS_FOLDER = '.wa-diagnostics';

interface WindowChoice extends vscode.QuickPickItem {
  readonly seconds: number | undefined;
}

/** The period WADebug collects (`docker logs` for 3 hours, wa-api.md §6): the one preselected. */
const WADEBUG_SECONDS = 3 * 3600;

/** The periods, the one WADebug collects first so that it is the one preselected (Enter takes it). */
function windowChoices(): WindowChoice[] {
  return [
    {
      label: vscode.l10n.t('Last 3 hours'),
      description: vscode.l10n.t('what WADebug collects'),
      seconds: WADEBUG_SECONDS,
    },
    { label: vscode.l10n.t('Last 15 minutes'), seconds: 15 * 60 },
    { label: vscode.l10n.t('Last hour'), seconds: 3600 },
    { label: vscode.l10n.t('Last 24 hours'), seconds: 24 * 3600 },
    { label: vscode.l10n.t('All logs'), description: vscode.l10n.t('can be large'), seconds: undefined },
  ];
}

/** Where to write: the workspace's `.wa-diagnostics/` (git-ignored inside) or a folder the user picks. */
async function pickOutDir(base: vscode.Uri | undefined): Promise<string | undefined> {
  const defaultDir = base ? path.join(base.fsPath, DIAGNOSTICS_FOLDER) : undefined;
  if (defaultDir) {
    const choose = vscode.l10n.t('Choose a folder…');
    const pick = await vscode.window.showQuickPick(
      [
        {
          label: vscode.workspace.asRelativePath(defaultDir, true),
          description: vscode.l10n.t('in the workspace (default)'),
          dir: defaultDir,
        },
        { label: choose, dir: undefined },
      ],
      {
        placeHolder: vscode.l10n.t('Where should the diagnostics bundle go?'),
      },
    );
    if (!pick) {
      return undefined;
    }
    if (pick.dir) {
      fs.mkdirSync(pick.dir, { recursive: true });
      // Logs and configuration do not belong in version control, masked or not.
      const ignore = path.join(pick.dir, '.gitignore');
      if (!fs.existsSync(ignore)) {
        fs.writeFileSync(ignore, '*\n');
      }
      return pick.dir;
    }
  }
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    ...(base ? { defaultUri: base } : {}),
    openLabel: vscode.l10n.t('Write Bundle Here'),
  });
  return picked?.[0]?.fsPath;
}

/** "WA Cluster: Collect Diagnostics": writes a bundle zip for a support engineer. */
export async function collectDiagnostics(deps: LogCommandDeps, arg?: unknown): Promise<void> {
  const cluster = await pickCluster(deps, projectOfArg(arg));
  if (!cluster) {
    return;
  }
  // With an inventory every host's own engine, each in its folder; never the local engine for them.
  const engines = cluster.diagnosticsHosts
    ? { hosts: cluster.diagnosticsHosts }
    : cluster.docker
      ? { docker: cluster.docker }
      : undefined;
  if (!engines) {
    throw new Error(
      vscode.l10n.t('Docker is not reachable, so no logs can be collected. See the WA Cluster view for why.'),
    );
  }
  const win = await vscode.window.showQuickPick(windowChoices(), {
    placeHolder: vscode.l10n.t('Collect the logs of which period?'),
  });
  if (!win) {
    return;
  }
  const outDir = await pickOutDir(cluster.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri);
  if (!outDir) {
    return;
  }
  const knownSecrets = deps.knownSecrets ? await deps.knownSecrets(cluster.project) : [];
  const result = await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Collecting diagnostics'),
      cancellable: true,
    },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      let done = 0;
      try {
        return await collectDiagnosticsBundle({
          ...engines,
          project: cluster.project,
          api: cluster.api,
          compose: cluster.compose,
          sinceMs: win.seconds !== undefined ? Date.now() - win.seconds * 1000 : undefined,
          windowLabel: win.label,
          outDir,
          extensionVersion: deps.extensionVersion,
          clusterVersion: cluster.snapshot?.cluster.version,
          knownSecrets,
          signal: ac.signal,
          onProgress: (message, fraction) => {
            const pct = Math.round(fraction * 100);
            progress.report({ message, increment: Math.max(0, pct - done) });
            done = Math.max(done, pct);
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
  const where = result.zipPath ?? result.folder ?? outDir;
  deps.log.info(`diagnostics bundle written to ${where} (${result.parts.length} parts, ${result.failed} failed)`);
  for (const p of result.parts.filter((x) => x.status === 'failed')) {
    deps.log.warn(`diagnostics: ${p.name} not collected: ${p.detail ?? ''}`);
  }
  const reveal = vscode.l10n.t('Reveal');
  const openReadme = vscode.l10n.t('Open README');
  const message =
    result.failed > 0
      ? vscode.l10n.t(
          'Diagnostics bundle written to {0}; {1} parts could not be collected (listed in its README.txt).',
          where,
          result.failed,
        )
      : vscode.l10n.t('Diagnostics bundle written to {0}.', where);
  const choice = await (result.failed > 0
    ? vscode.window.showWarningMessage(message, reveal, openReadme)
    : vscode.window.showInformationMessage(message, reveal, openReadme));
  if (choice === reveal) {
    await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(where));
  } else if (choice === openReadme) {
    // With only the zip left, the README is shown from what was written into it.
    const doc = result.folder
      ? await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(result.folder, 'README.txt')))
      : await vscode.workspace.openTextDocument({ content: result.readme, language: 'plaintext' });
    await vscode.window.showTextDocument(doc);
  }
}
