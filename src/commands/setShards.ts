import * as vscode from 'vscode';
import { SHARD_COUNTS, type ShardCount } from '../api/client';
import { assessShards, parseShardInput, type ShardSafety } from '../cluster/shardChoice';
import { safeFirst } from '../util/safeChoice';
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
  const shards = await chooseShards(session.cluster.projectName, coreapps, current ?? undefined);
  if (shards === undefined) {
    return;
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

function describeCount(n: ShardCount, coreapps: number, current: number | undefined): string {
  if (n === current) {
    return vscode.l10n.t('current');
  }
  const safety = assessShards(n, coreapps);
  switch (safety.kind) {
    case 'tooFewCoreapps':
      return vscode.l10n.t('needs {0} running coreapps ({1} run)', n, coreapps);
    case 'noSpare':
      return vscode.l10n.t('no spare coreapp left');
    case 'safe':
      return vscode.l10n.t('{0} spare coreapp(s)', safety.spares);
  }
}

/**
 * The shard count, asked until it is one to set: the picker, then for a count without a spare
 * coreapp a second question whose default (Enter) is to choose again. Undefined when cancelled.
 */
async function chooseShards(
  project: string,
  coreapps: number,
  current: number | undefined,
): Promise<ShardCount | undefined> {
  for (;;) {
    const shards = await pickShardCount(project, coreapps, current);
    if (shards === undefined) {
      return undefined;
    }
    const safety = assessShards(shards, coreapps);
    if (safety.kind === 'safe') {
      return shards;
    }
    const again = { title: vscode.l10n.t('Choose Again'), risky: false };
    const setAnyway = { title: vscode.l10n.t('Set Anyway'), risky: true };
    const answer = await vscode.window.showWarningMessage(
      unsafeQuestion(shards, coreapps, safety),
      {
        modal: true,
        detail: vscode.l10n.t(
          '{0} shards want {1} running coreapps: one spare takes over when a coreapp fails. Start more coreapps first (WA Cluster: Add Coreapp).',
          shards,
          shards + 1,
        ),
      },
      ...safeFirst([again, setAnyway]),
    );
    if (answer?.title === setAnyway.title) {
      return shards;
    }
    if (answer?.title !== again.title) {
      return undefined;
    }
  }
}

function unsafeQuestion(shards: number, coreapps: number, safety: Exclude<ShardSafety, { kind: 'safe' }>): string {
  return safety.kind === 'tooFewCoreapps'
    ? vscode.l10n.t(
        '{0} shards need {0} running coreapps, but {1} run: {2} shard(s) would stay without a coreapp and their traffic would stop.',
        shards,
        coreapps,
        safety.missing,
      )
    : vscode.l10n.t(
        '{0} shards on {1} running coreapps leave no spare: when one coreapp fails, the traffic of its shard stops until it is back.',
        shards,
        coreapps,
      );
}

interface CountItem extends vscode.QuickPickItem {
  readonly value: ShardCount | undefined;
}

/**
 * The picker: typed digits match a count exactly (parseShardInput), so `3` shows no 32 but a row
 * that refuses it and lists the allowed counts; Enter on that row does nothing.
 */
function pickShardCount(
  project: string,
  coreapps: number,
  current: number | undefined,
): Promise<ShardCount | undefined> {
  const all: CountItem[] = SHARD_COUNTS.map((n) => ({
    label: String(n),
    description: describeCount(n, coreapps, current),
    value: n,
  }));
  const picker = vscode.window.createQuickPick<CountItem>();
  picker.title = vscode.l10n.t('Shards for {0} (messages are spread over this many coreapps)', project);
  picker.placeholder = vscode.l10n.t('Type a count: {0}', SHARD_COUNTS.join(', '));
  picker.ignoreFocusOut = true;
  picker.items = all;
  return new Promise((resolve) => {
    let picked: ShardCount | undefined;
    picker.onDidChangeValue((text) => {
      const input = parseShardInput(text);
      picker.items =
        input.kind === 'all'
          ? all
          : input.kind === 'exact'
            ? all.filter((i) => i.value === input.shards).map((i) => ({ ...i, alwaysShow: true }))
            : [
                {
                  label: vscode.l10n.t('{0} is not a shard count', input.typed),
                  description: vscode.l10n.t('allowed: {0}', input.allowed.join(', ')),
                  alwaysShow: true,
                  value: undefined,
                },
              ];
    });
    picker.onDidAccept(() => {
      const choice = picker.selectedItems[0] ?? picker.activeItems[0];
      if (choice?.value !== undefined) {
        picked = choice.value;
        picker.hide();
      }
    });
    picker.onDidHide(() => {
      picker.dispose();
      resolve(picked);
    });
    picker.show();
  });
}
