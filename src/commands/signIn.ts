import * as vscode from 'vscode';
import { WaApiClient, isPlainHttp, plainHttpAllowedFor } from '../api/client';
import { ApiError } from '../api/errors';
import { fingerprintCommand, probeCertificate } from '../api/tls';
import { isRefusedPassword } from '../cluster/refusals';
import { createNodeTransport } from '../api/transport';
import { type Services } from '../host/services';
import { askUntilAccepted, type Asked, MAX_TRIES } from '../util/retry';
import { safeFirst } from '../util/safeChoice';
import { pickCluster } from './pickCluster';

/**
 * "WA Cluster: Sign In": checks the API's certificate (asks to trust a self-signed one, showing
 * its fingerprint), asks for the password (kept only in SecretStorage), handles the first-login
 * password change, then reconnects so the tree shows application health.
 */
export async function signIn({ sessions, access, settings, log }: Services, arg?: unknown): Promise<boolean> {
  const session = await pickCluster(sessions, arg);
  if (!session) {
    return false;
  }
  const url = session.apiUrl;
  const user = settings.value.apiUser;
  const parsed = new URL(url);
  const allowPlainHttp = plainHttpAllowedFor(url, settings.value.apiAllowPlainHttp);
  if (isPlainHttp(url)) {
    if (!allowPlainHttp) {
      throw new Error(
        vscode.l10n.t(
          "Not signing in to {0}: over plain http:// the password and token travel in clear text, readable by anyone on the network. Use the web container's https:// port (setting waCluster.api.url), or, only on a network you trust, add {1} to the user setting waCluster.api.allowPlainHttp.",
          url,
          parsed.origin,
        ),
      );
    }
    const settingsChoice = { title: vscode.l10n.t('Open Settings'), risky: false };
    const proceed = { title: vscode.l10n.t('Send in Clear Text'), risky: true };
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('{0} is plain http://: your password and token will travel unencrypted.', url),
      {
        modal: true,
        detail: vscode.l10n.t(
          'You allowed this URL in waCluster.api.allowPlainHttp. Anyone on the network path can read the credentials and take over the cluster.',
        ),
      },
      ...safeFirst([settingsChoice, proceed]),
    );
    if (choice?.title === settingsChoice.title) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'waCluster.api');
    }
    if (choice?.title !== proceed.title) {
      return false;
    }
    log.warn(`signing in to ${url} over plain http:// (allowed by waCluster.api.allowPlainHttp)`);
  }

  if (parsed.protocol === 'https:' && !settings.value.apiCaFile) {
    const cert = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Checking the certificate of {0}…', url),
        cancellable: true,
      },
      (_p, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return probeCertificate(parsed.hostname, Number(parsed.port || 443), { signal: controller.signal });
      },
    );
    const known = access.trustedCertificate(url);
    if (!cert.trusted && known?.fingerprint256 !== cert.fingerprint256) {
      const copy = { title: vscode.l10n.t('Copy the Check Command'), risky: false };
      const trust = { title: vscode.l10n.t('Trust This Certificate'), risky: true };
      const changed = known !== undefined;
      const check = fingerprintCommand(url);
      const choice = await vscode.window.showWarningMessage(
        changed
          ? vscode.l10n.t(
              'The certificate of {0} has CHANGED since you trusted it: it was {1}, it is now {2}.',
              url,
              known.fingerprint256,
              cert.fingerprint256,
            )
          : vscode.l10n.t(
              'The certificate of {0} is not signed by a trusted authority ({1}).',
              url,
              cert.authorizationError ?? 'unknown',
            ),
        {
          modal: true,
          detail: vscode.l10n.t(
            'Subject: {0}\nIssuer: {1}\nValid until: {2}\nSHA-256 fingerprint:\n{3}\n\nBefore you trust it, compare the fingerprint with the one the web container serves, printed on the Docker host by:\n{4}\nOnly this exact certificate will be trusted, for this cluster only.',
            cert.subject,
            cert.issuer,
            cert.validTo,
            cert.fingerprint256,
            check,
          ),
        },
        ...safeFirst([copy, trust]),
      );
      if (choice?.title === copy.title) {
        await vscode.env.clipboard.writeText(check);
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            'The command is on the clipboard: run it on the Docker host, then Sign In again and trust the certificate if the fingerprints match.',
          ),
        );
      }
      if (choice?.title !== trust.title) {
        return false;
      }
      await access.trustCertificate(url, { fingerprint256: cert.fingerprint256, pem: cert.pem });
      log.info(`trusted the certificate of ${url} (SHA-256 ${cert.fingerprint256})`);
    }
  }

  const transport = createNodeTransport(access.trust(url, settings.value));
  const attempt = (password: string, newPassword?: string) =>
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Signing in to {0}…', url),
        cancellable: true,
      },
      async (_p, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        const client = new WaApiClient({
          baseUrl: url,
          transport,
          auth: { kind: 'basic', user, password, ...(newPassword ? { newPassword } : {}) },
          allowPlainHttp,
          onToken: (t) => access.storeToken(url, user, t),
        });
        await client.login({ signal: controller.signal });
      },
    );
  let outcome: Asked<string | undefined>;
  try {
    // A wrong password asks again (up to MAX_TRIES), without the certificate questions again.
    outcome = await askUntilAccepted({
      ask: (tryNumber) =>
        vscode.window.showInputBox({
          title:
            tryNumber === 1
              ? vscode.l10n.t('Sign in to {0}', url)
              : vscode.l10n.t('Sign in to {0}: wrong password, try {1} of {2}', url, tryNumber, MAX_TRIES),
          prompt: vscode.l10n.t(
            'Password of the API user "{0}" (change the user in the setting waCluster.api.user). It is kept in VS Code\'s secret storage only.',
            user,
          ),
          password: true,
          ignoreFocusOut: true,
          validateInput: (v) => (v.length === 0 ? vscode.l10n.t('Enter the password') : undefined),
        }),
      submit: async (password): Promise<string | undefined> => {
        try {
          await attempt(password);
          return password;
        } catch (err) {
          if (!(err instanceof ApiError && err.kind === 'passwordChangeRequired')) {
            throw err;
          }
        }
        const newPassword = await askNewPassword();
        if (newPassword !== undefined) {
          await attempt(password, newPassword);
        }
        return newPassword;
      },
      refused: isRefusedPassword,
    });
  } catch (err) {
    throw signInError(err, url);
  }
  if (outcome.kind === 'cancelled' || outcome.value === undefined) {
    return false;
  }
  const finalPassword = outcome.value;
  await access.storePassword(url, user, finalPassword);
  log.info(`signed in to ${url} as ${user}`);
  await sessions.reconnect();
  void vscode.window.showInformationMessage(vscode.l10n.t('Signed in to {0} as {1}.', url, user));
  return true;
}

async function askNewPassword(): Promise<string | undefined> {
  const first = await vscode.window.showInputBox({
    title: vscode.l10n.t('First sign-in: choose a new password'),
    prompt: vscode.l10n.t(
      'The API asks for a new password on the first sign-in (8 to 64 characters, with upper and lower case letters, a digit and a special character).',
    ),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.length < 8 || v.length > 64 || !/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/\d/.test(v) || !/[^A-Za-z0-9]/.test(v)
        ? vscode.l10n.t('8 to 64 characters, with upper and lower case letters, a digit and a special character')
        : undefined,
  });
  if (first === undefined) {
    return undefined;
  }
  const second = await vscode.window.showInputBox({
    title: vscode.l10n.t('Repeat the new password'),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v !== first ? vscode.l10n.t('The passwords differ') : undefined),
  });
  return second === undefined ? undefined : first;
}

function signInError(err: unknown, url: string): Error {
  if (err instanceof ApiError) {
    switch (err.kind) {
      case 'unauthorized':
        return new Error(vscode.l10n.t('Sign-in to {0} failed: wrong user name or password.', url));
      case 'tls':
        return new Error(
          vscode.l10n.t(
            'Sign-in to {0} failed: the certificate is not trusted ({1}). Run Sign In again to review it, or set waCluster.api.caFile.',
            url,
            err.message,
          ),
        );
      case 'network':
      case 'timeout':
        return new Error(
          vscode.l10n.t(
            'Cannot reach {0}: {1}. Is the web container running and its port published?',
            url,
            err.message,
          ),
        );
      default:
        return new Error(vscode.l10n.t('Sign-in to {0} failed: {1}', url, err.message));
    }
  }
  return err instanceof Error ? err : new Error(String(err));
}
