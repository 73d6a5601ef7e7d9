import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { ApiError } from '../api/errors';
import {
  BACKUP_EXTENSION,
  BACKUP_FOLDER,
  type BackupFile,
  type BackupMismatch,
  type BackupParseProblem,
  compareWithCluster,
  parseBackupFile,
} from '../cluster/backupFile';
import { type Services } from '../host/services';
import { confirmDestroy } from './confirmDestroy';
import { isOptionsArg, pickSignedInCluster } from './pickCluster';

/** What a script or task may pass instead of answering the prompts (the confirmation is always asked). */
interface RestoreOptions {
  readonly cluster?: string;
  readonly password?: string;
  readonly file?: string;
}

/** How a restore ended; `message` is what the user was shown. */
export type RestoreOutcome = { readonly restored: true } | { readonly restored: false; readonly message: string };

function problemText(file: string, p: BackupParseProblem): string {
  const name = path.basename(file);
  switch (p.kind) {
    case 'notJson':
      return vscode.l10n.t(
        '{0} is not a WA Cluster backup (it is not JSON; maybe the wrong file, or it was cut short).',
        name,
      );
    case 'notBackup':
      return vscode.l10n.t('{0} is not a WA Cluster backup (made with "WA Cluster: Write Backup File…").', name);
    case 'unsupportedFormat':
      return vscode.l10n.t(
        '{0} is a backup of format {1}, which this version of the extension cannot read; update the extension.',
        name,
        p.format,
      );
    case 'invalid':
      return vscode.l10n.t('{0} is a damaged or edited backup and cannot be restored ({1}).', name, p.detail);
  }
}

async function readBackup(file: string): Promise<BackupFile> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(vscode.l10n.t('Cannot read {0}: {1}', file, err instanceof Error ? err.message : String(err)), {
      cause: err,
    });
  }
  const parsed = parseBackupFile(text);
  if (!parsed.ok) {
    throw new Error(problemText(file, parsed.problem));
  }
  return parsed.value;
}

function describeBackup(b: BackupFile): string {
  return vscode.l10n.t(
    'Backup of {0} ({1}), taken {2}; version {3}, {4} shard(s).',
    b.project,
    b.apiUrl,
    new Date(b.createdAt).toLocaleString(),
    b.version ?? vscode.l10n.t('unknown'),
    b.shards ?? vscode.l10n.t('unknown'),
  );
}

function mismatchTexts(m: BackupMismatch): string[] {
  const out: string[] = [];
  if (m.shards) {
    out.push(
      vscode.l10n.t(
        'The backup was taken with {0} shard(s) but the cluster has {1}: a restore needs the same shard layout and will most likely be refused. Set the shards to {0} first.',
        m.shards.backup,
        m.shards.cluster,
      ),
    );
  }
  if (m.version) {
    out.push(
      vscode.l10n.t('The backup was taken on version {0}; the cluster runs {1}.', m.version.backup, m.version.cluster),
    );
  }
  return out;
}

/**
 * "WA Cluster: Restore": `POST /v1/settings/restore` with a `.wabackup` file and its password,
 * after the confirmation of confirmDestroy.ts (Back Up First, the project name typed: the cluster's
 * current settings are replaced). API refusals (wrong
 * password, different shard layout) are shown with the API's explanation and resolve to
 * `{ restored: false, message }`.
 */
export async function restoreCluster(services: Services, arg?: unknown): Promise<RestoreOutcome | undefined> {
  const { sessions, log } = services;
  const options = isOptionsArg<RestoreOptions>(arg, ['cluster', 'password', 'file']) ? arg : undefined;
  const target = await pickSignedInCluster(sessions, options?.cluster ?? arg);
  if (!target) {
    return undefined;
  }
  const { session, api } = target;
  const project = session.cluster.projectName;
  let file = options?.file;
  if (!file) {
    const backups = path.join(session.cluster.dir, BACKUP_FOLDER);
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Restore {0} from which backup?', project),
      defaultUri: vscode.Uri.file(fs.existsSync(backups) ? backups : session.cluster.dir),
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      filters: { [vscode.l10n.t('WA Cluster backup')]: [BACKUP_EXTENSION] },
      openLabel: vscode.l10n.t('Restore This Backup'),
    });
    if (!picked?.[0]) {
      return undefined;
    }
    file = picked[0].fsPath;
  }
  const backup = await readBackup(file);
  // Fresh, so the shard and version checks see the cluster as it is now.
  const snapshot = await session.monitor.refresh();
  const mismatch = compareWithCluster(backup, {
    version: snapshot.cluster.version ?? api.lastVersion,
    shards: snapshot.cluster.shards,
  });
  const warnings = mismatchTexts(mismatch);
  const detail = [
    describeBackup(backup),
    vscode.l10n.t(
      "Restoring replaces {0}'s current settings and registration with those in the backup: changes made since the backup are lost. Messages and callbacks are not part of a backup.",
      project,
    ),
    ...warnings,
  ].join('\n\n');
  const confirmed = await confirmDestroy(services, session, {
    question: vscode.l10n.t('Restore {0} from {1}?', project, path.basename(file)),
    detail,
    proceed: vscode.l10n.t('Restore Without Backup'),
  });
  if (!confirmed) {
    return undefined;
  }
  const password =
    options?.password ??
    (await vscode.window.showInputBox({
      title: vscode.l10n.t('Restore {0}: backup password', project),
      prompt: vscode.l10n.t('The password chosen when the backup was made'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.length > 0 ? undefined : vscode.l10n.t('A password is required')),
    }));
  if (!password) {
    return undefined;
  }
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Restoring {0}…', project) },
      () => api.restore(password, backup.data, { timeoutMs: 60_000 }),
    );
  } catch (err) {
    if (!(err instanceof ApiError) || err.kind !== 'api') {
      throw err;
    }
    // The API's own explanation (wrong password, different shard layout, …), plus our shard check.
    const explanation = err.errors[0]?.details ?? err.message;
    const message = [
      vscode.l10n.t('{0} was not restored: {1}', project, explanation),
      ...(mismatch.shards
        ? [
            vscode.l10n.t(
              'Set the shards to {0} first (WA Cluster: Set Shards…), then restore again.',
              mismatch.shards.backup,
            ),
          ]
        : []),
    ].join(' ');
    log.warn(`restore of ${project} from ${file} refused: ${err.message}`);
    void vscode.window.showErrorMessage(message);
    return { restored: false, message };
  }
  log.info(`${project} restored from ${file}`);
  await session.monitor.refresh();
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      '{0} restored from {1}. If nodes stop after the restore, restart them (an existing installation stops after a restore).',
      project,
      path.basename(file),
    ),
  );
  return { restored: true };
}
