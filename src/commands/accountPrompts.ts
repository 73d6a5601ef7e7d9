import * as vscode from 'vscode';
import { type AccountDetails } from '../host/apiAccess';

/**
 * Asks for the number and its certificate (as the vendor's "register" step needs them), prefilled
 * with what the cluster was registered with before. Undefined when the user cancels.
 */
export async function askAccount(
  known: AccountDetails | undefined,
  step: (n: number) => string,
): Promise<AccountDetails | undefined> {
  const cc = await vscode.window.showInputBox({
    title: step(1),
    prompt: vscode.l10n.t('Country calling code, without "+" or leading zeros (for example 1 or 49)'),
    value: known?.cc ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[1-9]\d{0,3}$/.test(v) ? undefined : vscode.l10n.t('1 to 4 digits, not starting with 0')),
  });
  if (cc === undefined) {
    return undefined;
  }
  const phoneNumber = await vscode.window.showInputBox({
    title: step(2),
    prompt: vscode.l10n.t('Phone number without the country code'),
    value: known?.phoneNumber ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d{4,15}$/.test(v) ? undefined : vscode.l10n.t('4 to 15 digits')),
  });
  if (phoneNumber === undefined) {
    return undefined;
  }
  const cert = await vscode.window.showInputBox({
    title: step(3),
    prompt: vscode.l10n.t("The base64 certificate from WhatsApp Manager (kept in VS Code's secret storage)"),
    value: known?.cert ?? '',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^[A-Za-z0-9+/=\s]{8,}$/.test(v) ? undefined : vscode.l10n.t('Paste the base64 certificate'),
  });
  if (cert === undefined) {
    return undefined;
  }
  const pin = await vscode.window.showInputBox({
    title: step(4),
    prompt: vscode.l10n.t('Two-step verification PIN, if the number has one (leave empty otherwise)'),
    value: known?.pin ?? '',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === '' || /^\d{6}$/.test(v) ? undefined : vscode.l10n.t('6 digits, or empty')),
  });
  if (pin === undefined) {
    return undefined;
  }
  return { cc, phoneNumber, cert: cert.replace(/\s+/g, ''), pin: pin || undefined };
}
