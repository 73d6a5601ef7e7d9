import * as vscode from 'vscode';
import { type AccountDetails } from '../host/apiAccess';
import { normaliseCountryCode, normalisePhoneNumber } from '../util/phoneNumber';

function phoneProblem(text: string): string | undefined {
  const parsed = normalisePhoneNumber(text);
  if (parsed.ok) {
    return undefined;
  }
  switch (parsed.problem) {
    case 'countryCode':
      return vscode.l10n.t('Without the country code: it has its own field');
    case 'notDigits':
      return vscode.l10n.t('Digits only (spaces, dashes and parentheses are fine)');
    case 'length':
      return vscode.l10n.t('4 to 15 digits');
  }
}

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
    validateInput: (v) =>
      normaliseCountryCode(v) !== undefined ? undefined : vscode.l10n.t('1 to 4 digits, not starting with 0'),
  });
  const countryCode = cc === undefined ? undefined : normaliseCountryCode(cc);
  if (countryCode === undefined) {
    return undefined;
  }
  const phoneNumber = await vscode.window.showInputBox({
    title: step(2),
    prompt: vscode.l10n.t('Phone number without the country code (spaces, dashes and parentheses are fine)'),
    value: known?.phoneNumber ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => phoneProblem(v),
  });
  const phone = phoneNumber === undefined ? undefined : normalisePhoneNumber(phoneNumber);
  if (!phone?.ok) {
    return undefined;
  }
  const cert = await vscode.window.showInputBox({
    title: step(3),
    prompt: vscode.l10n.t("The base64 certificate from WhatsApp Manager (kept in VS Code's secret storage)"),
    value: known?.cert ?? '',
    // Visible: a pasted certificate is checked by eye, and it is no password.
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
  return { cc: countryCode, phoneNumber: phone.digits, cert: cert.replace(/\s+/g, ''), pin: pin || undefined };
}
