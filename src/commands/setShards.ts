import * as vscode from 'vscode';
import { SHARD_COUNTS, type ShardCount } from '../api/client';
import { type Services } from '../host/services';
import { askAccount } from './accountPrompts';
import { pickSignedInCluster } from './pickCluster';

/**
 * "WA Cluster: Set Shards": checks that enough coreapps run for the shard count (and says when no
 * spare is left), then `POST /v1/account/shards`, and waits until the cluster reports the shards
 * connected.
 */
export async function setShards({ sessions, access }: Services, arg?: unknown): Promise<void> {
  const target = await pickSignedInCluster(sessions, arg);
  if (!target) {
    return;
  }
  const { session, api } = target;
  const coreapps = (session.snapshot?.nodes ?? []).filter(
    (n) => n.kind === 'coreapp' && n.container?.state === 'running',
  ).length;
  const current = session.snapshot?.cluster.shards;
  const picked = await vscode.window.showQuickPick(
    SHARD_COUNTS.map((n) => ({
      label: String(n),
      description:
        n === current
          ? vscode.l10n.t('current')
          : n > coreapps
            ? vscode.l10n.t('needs {0} running coreapps ({1} run)', n, coreapps)
            : n === coreapps
              ? vscode.l10n.t('no spare coreapp left')
              : vscode.l10n.t('{0} spare coreapp(s)', coreapps - n),
      value: n,
    })),
    {
      title: vscode.l10n.t('Shards for {0} (messages are spread over this many coreapps)', session.cluster.projectName),
      ignoreFocusOut: true,
    },
  );
  if (!picked) {
    return;
  }
  const shards: ShardCount = picked.value;
  if (shards > coreapps) {
    const start = vscode.l10n.t('Set Anyway');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        '{0} shards need {0} running coreapps, but {1} run: {2} shard(s) would stay without a coreapp and their traffic would stop.',
        shards,
        coreapps,
        shards - coreapps,
      ),
      { modal: true, detail: vscode.l10n.t('Start more coreapps first (WA Cluster: Add Coreapp).') },
      start,
    );
    if (answer !== start) {
      return;
    }
  }
  const known = await access.account(session.apiUrl);
  const account = known ?? (await askAccount(undefined, (n) => vscode.l10n.t('The registered number ({0}/4)', n)));
  if (!account) {
    return;
  }
  await vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t('Setting {0} shard(s)…', shards),
      cancellable: true,
    },
    async (progress, token) => {
      await api.setShards({
        cc: account.cc,
        phoneNumber: account.phoneNumber,
        shards,
        cert: account.cert,
        ...(account.pin ? { pin: account.pin } : {}),
      });
      await access.storeAccount(session.apiUrl, account);
      progress.report({ message: vscode.l10n.t('waiting for the coreapps to connect') });
      const deadline = Date.now() + 60_000;
      while (!token.isCancellationRequested && Date.now() < deadline) {
        const s = await session.monitor.refresh();
        if (s.cluster.connectedCoreapps >= Math.min(shards, coreapps)) {
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
  );
  const s = session.snapshot;
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      '{0}: {1}/{2} shards connected.',
      session.cluster.projectName,
      Math.min(s?.cluster.connectedCoreapps ?? 0, shards),
      shards,
    ),
  );
}
