import * as vscode from 'vscode';
import { type WaApiClient } from '../api/client';
import { isRefusedCode, refusalText } from '../cluster/refusals';
import { type Services } from '../host/services';
import { askUntilAccepted, MAX_TRIES } from '../util/retry';
import { pickSignedInCluster } from './pickCluster';

/**
 * Asks for the registration code and sends it (`POST /v1/account/verify`); a code the API
 * refuses is asked again, with the API's reason, up to MAX_TRIES times. Resolves false when the
 * user cancels. Shared by Register Number (right after the code was requested) and Verify Code.
 */
export async function askAndVerifyCode(api: WaApiClient, number: string, how: string | undefined): Promise<boolean> {
  const outcome = await askUntilAccepted({
    ask: (tryNumber, refusal) =>
      vscode.window.showInputBox({
        title:
          tryNumber === 1
            ? vscode.l10n.t('Verify {0}', number)
            : vscode.l10n.t('Verify {0}: try {1} of {2}', number, tryNumber, MAX_TRIES),
        prompt:
          refusal === undefined
            ? how
              ? vscode.l10n.t('The code WhatsApp sent by {0}', how)
              : vscode.l10n.t('The 6-digit code WhatsApp sent')
            : vscode.l10n.t('The code was refused ({0}). Type it again.', refusalText(refusal)),
        ignoreFocusOut: true,
        validateInput: (v) => (/^\d{3}-?\d{3}$/.test(v.trim()) ? undefined : vscode.l10n.t('6 digits')),
      }),
    submit: (code) => api.verifyAccount(code.trim().replace('-', '')),
    refused: isRefusedCode,
  });
  return outcome.kind === 'done';
}

/**
 * "WA Cluster: Verify Code": sends the code of a registration already requested (Register
 * Number asked for it; running Register Number again would request a new code).
 */
export async function verifyCode({ sessions, access }: Services, arg?: unknown): Promise<void> {
  const target = await pickSignedInCluster(sessions, arg);
  if (!target) {
    return;
  }
  const { session, api } = target;
  const account = await access.account(session.apiUrl);
  const number = account ? `+${account.cc} ${account.phoneNumber}` : session.cluster.projectName;
  if (!(await askAndVerifyCode(api, number, undefined))) {
    return;
  }
  await session.monitor.refresh();
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} is registered.', number));
}
