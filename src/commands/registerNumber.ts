import * as vscode from 'vscode';
import { ApiError, REGISTRATION_BLOCKED_EXPLANATION } from '../api/errors';
import { type Services } from '../host/services';
import { askAccount } from './accountPrompts';
import { pickSignedInCluster } from './pickCluster';
import { askAndVerifyCode } from './verifyCode';

/**
 * "WA Cluster: Register Number": `POST /v1/account` (code by SMS or voice), then
 * `POST /v1/account/verify` with the code (a refused code is asked again); the tree then shows
 * one coreapp connected.
 */
export async function registerNumber({ sessions, access }: Services, arg?: unknown): Promise<void> {
  const target = await pickSignedInCluster(sessions, arg);
  if (!target) {
    return;
  }
  const { session, api } = target;
  const account = await askAccount(await access.account(session.apiUrl), (n) =>
    vscode.l10n.t('Register a number ({0}/5)', n),
  );
  if (!account) {
    return;
  }
  const method = await vscode.window.showQuickPick(
    [
      { label: vscode.l10n.t('SMS'), value: 'sms' as const },
      { label: vscode.l10n.t('Voice call'), value: 'voice' as const },
    ],
    { title: vscode.l10n.t('Register a number (5/5): how should the code arrive?'), ignoreFocusOut: true },
  );
  if (!method) {
    return;
  }
  await access.storeAccount(session.apiUrl, account);
  let result: Awaited<ReturnType<typeof api.registerAccount>>;
  try {
    result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Registering +{0} {1}…', account.cc, account.phoneNumber),
      },
      () =>
        api.registerAccount({
          cc: account.cc,
          phoneNumber: account.phoneNumber,
          method: method.value,
          cert: account.cert,
          ...(account.pin ? { pin: account.pin } : {}),
        }),
    );
  } catch (err) {
    if (err instanceof ApiError && err.kind === 'registrationBlocked') {
      throw new Error(REGISTRATION_BLOCKED_EXPLANATION, { cause: err });
    }
    throw err;
  }
  if (
    result.status === 'codeSent' &&
    !(await askAndVerifyCode(api, `+${account.cc} ${account.phoneNumber}`, method.label))
  ) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'The number is not verified yet: run Verify Code when the code arrives (Register Number would request a new one).',
      ),
    );
    return;
  }
  await session.monitor.refresh();
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      '+{0} {1} is registered{2}.',
      account.cc,
      account.phoneNumber,
      result.vname ? ` (${result.vname})` : '',
    ),
  );
}
