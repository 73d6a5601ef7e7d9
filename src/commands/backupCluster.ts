import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { ApiError } from '../api/errors';
import {
  BACKUP_EXTENSION,
  BACKUP_FOLDER,
  backupFileName,
  buildBackupFile,
  serializeBackupFile,
} from '../cluster/backupFile';
import { type Services } from '../host/services';
import { isOptionsArg, pickSignedInCluster } from './pickCluster';

/** What a script, task or test may pass instead of answering the prompts. */
interface BackupOptions {
  readonly cluster?: string;
  readonly password?: string;
  readonly file?: string;
}

/** The backup password, typed twice; never stored anywhere. */
async function askBackupPassword(project: string): Promise<string | undefined> {
  const first = await vscode.window.showInputBox({
    title: vscode.l10n.t('Back up {0} (1/2): backup password', project),
    prompt: vscode.l10n.t('Encrypts the backup; you need it to restore. It is not stored anywhere: keep it safe.'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.length > 0 ? undefined : vscode.l10n.t('A password is required')),
  });
  if (first === undefined) {
    return undefined;
  }
  const second = await vscode.window.showInputBox({
    title: vscode.l10n.t('Back up {0} (2/2): repeat the backup password', project),
    prompt: vscode.l10n.t('Type the same password again.'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === first ? undefined : vscode.l10n.t('The passwords do not match')),
  });
  return second === first ? first : undefined;
}

/** The cluster's backups folder; backups carry the registration (encrypted), so it keeps them out of version control. */
async function ensureBackupFolder(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) {
    await fs.promises.writeFile(ignore, '*\n');
  }
}

/**
 * "WA Cluster: Write Backup File…": `POST /v1/settings/backup` with a password the user chooses, saved as a
 * `.wabackup` file (JSON: the encrypted blob plus project, API URL, version and shard count).
 * Resolves to the file written (undefined when cancelled).
 */
export async function backupCluster({ sessions, log }: Services, arg?: unknown): Promise<string | undefined> {
  const options = isOptionsArg<BackupOptions>(arg, ['cluster', 'password', 'file']) ? arg : undefined;
  const target = await pickSignedInCluster(sessions, options?.cluster ?? arg);
  if (!target) {
    return undefined;
  }
  const { session, api } = target;
  const project = session.cluster.projectName;
  const password = options?.password ?? (await askBackupPassword(project));
  if (!password) {
    return undefined;
  }
  const defaultDir = path.join(session.cluster.dir, BACKUP_FOLDER);
  let file = options?.file;
  if (!file) {
    // Save dialogs drop a proposed name whose folder does not exist: make it first (and remove it
    // again, if it stays empty, when the user cancels).
    const created = !fs.existsSync(defaultDir);
    await ensureBackupFolder(defaultDir);
    const picked = await vscode.window.showSaveDialog({
      title: vscode.l10n.t('Save the backup of {0}', project),
      defaultUri: vscode.Uri.file(path.join(defaultDir, backupFileName(project, new Date()))),
      filters: { [vscode.l10n.t('WA Cluster backup')]: [BACKUP_EXTENSION] },
      saveLabel: vscode.l10n.t('Save Backup'),
    });
    if (!picked) {
      if (created && (await fs.promises.readdir(defaultDir)).every((f) => f === '.gitignore')) {
        await fs.promises.rm(defaultDir, { recursive: true, force: true });
      }
      return undefined;
    }
    file = picked.fsPath;
  }
  const where = file;
  const contents = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Backing up {0}…', project) },
    async () => {
      // The newest shard count and version go into the file, for the checks before a restore.
      const snapshot = await session.monitor.refresh();
      let data: string;
      try {
        data = await api.backup(password);
      } catch (err) {
        if (err instanceof ApiError) {
          throw new Error(vscode.l10n.t('The cluster did not make a backup: {0}', err.message), { cause: err });
        }
        throw err;
      }
      return buildBackupFile({
        project,
        apiUrl: session.apiUrl,
        version: snapshot.cluster.version ?? api.lastVersion,
        shards: snapshot.cluster.shards,
        createdAt: new Date(),
        data,
      });
    },
  );
  const dir = path.dirname(where);
  if (path.resolve(dir) === path.resolve(defaultDir)) {
    await ensureBackupFolder(dir);
  } else {
    await fs.promises.mkdir(dir, { recursive: true });
  }
  await fs.promises.writeFile(where, serializeBackupFile(contents), { mode: 0o600 });
  log.info(
    `backup of ${project} written to ${where} (${contents.shards ?? '?'} shard(s), version ${contents.version ?? '?'})`,
  );
  const reveal = vscode.l10n.t('Reveal');
  void vscode.window
    .showInformationMessage(
      vscode.l10n.t(
        'Backup of {0} saved to {1}. Keep its password: the backup cannot be restored without it.',
        project,
        where,
      ),
      reveal,
    )
    .then(async (choice) => {
      if (choice === reveal) {
        await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(where));
      }
    });
  return where;
}
