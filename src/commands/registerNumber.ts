import * as vscode from 'vscode';
import { ApiError, REGISTRATION_BLOCKED_EXPLANATION } from '../api/errors';
import { type Services } from '../host/services';
import { askAccount } from './accountPrompts';
import { pickSignedInCluster } from './pickCluster';

/**
 * "WA Cluster: Register Number": `POST /v1/account` (code by SMS or voice), then
 * `POST /v1/account/verify` with the code; the tree then shows one coreapp connected.
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
  if (result.status === 'codeSent') {
    const code = await vscode.window.showInputBox({
      title: vscode.l10n.t('Verify +{0} {1}', account.cc, account.phoneNumber),
      prompt: vscode.l10n.t('The code WhatsApp sent by {0}', method.label),
      ignoreFocusOut: true,
      validateInput: (v) => (/^\d{3}-?\d{3}$/.test(v) ? undefined : vscode.l10n.t('6 digits')),
    });
    if (code === undefined) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('The number is not verified yet: run Register Number again when the code arrives.'),
      );
      return;
    }
    await api.verifyAccount(code.replace('-', ''));
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
