import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { WaApiClient, plainHttpAllowedFor, type StoredToken } from '../api/client';
import { normalizeFingerprint, type TlsTrust } from '../api/tls';
import { createNodeTransport } from '../api/transport';
import { type DiscoveredCluster } from '../cluster/discovery';
import { type Settings } from '../config/schema';
import { type SettingsStore } from '../config/settings';

/** A certificate the user chose to trust for one API URL (trust on first use, kept per cluster). */
interface TrustedCertificate {
  readonly fingerprint256: string;
  readonly pem: string;
}

const trustKey = (url: string) => `waCluster.trust:${url}`;
const passwordKey = (url: string, user: string) => `waCluster.password:${url}|${user}`;
const tokenKey = (url: string, user: string) => `waCluster.token:${url}|${user}`;
const accountKey = (url: string) => `waCluster.account:${url}`;

/** The number a cluster is registered with; the certificate and PIN are credentials, so it lives in SecretStorage. */
export interface AccountDetails {
  readonly cc: string;
  readonly phoneNumber: string;
  readonly cert: string;
  readonly pin?: string | undefined;
}

/**
 * Where the API credentials and trust decisions live: the password only in SecretStorage (never
 * settings, logs or files), the trusted certificate fingerprint in global state (not a secret).
 */
export class ApiAccess {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly globalState: vscode.Memento,
    private readonly settings: SettingsStore,
  ) {}

  /** The API URL of a cluster: the explicit setting wins, then the web's published 443, then the default. */
  apiUrl(cluster: DiscoveredCluster): string {
    return (this.settings.explicitApiUrl(cluster.dir) ?? cluster.inferredApiUrl ?? this.settings.value.apiUrl).replace(
      /\/+$/,
      '',
    );
  }

  async password(url: string, user: string): Promise<string | undefined> {
    return this.secrets.get(passwordKey(url, user));
  }

  async storePassword(url: string, user: string, password: string): Promise<void> {
    await this.secrets.store(passwordKey(url, user), password);
  }

  async forgetPassword(url: string, user: string): Promise<void> {
    await this.secrets.delete(passwordKey(url, user));
    await this.secrets.delete(tokenKey(url, user));
  }

  /** The bearer token of an earlier session, while it is valid (tokens live 7 days). */
  async token(url: string, user: string): Promise<StoredToken | undefined> {
    const raw = await this.secrets.get(tokenKey(url, user));
    try {
      const t = raw ? (JSON.parse(raw) as Partial<StoredToken>) : undefined;
      return typeof t?.value === 'string' && typeof t.expiresAt === 'number' && t.expiresAt > Date.now()
        ? { value: t.value, expiresAt: t.expiresAt }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async account(url: string): Promise<AccountDetails | undefined> {
    const raw = await this.secrets.get(accountKey(url));
    try {
      const a = raw ? (JSON.parse(raw) as Partial<AccountDetails>) : undefined;
      return a && typeof a.cc === 'string' && typeof a.phoneNumber === 'string' && typeof a.cert === 'string'
        ? { cc: a.cc, phoneNumber: a.phoneNumber, cert: a.cert, pin: typeof a.pin === 'string' ? a.pin : undefined }
        : undefined;
    } catch {
      return undefined;
    }
  }

  async storeAccount(url: string, account: AccountDetails): Promise<void> {
    await this.secrets.store(accountKey(url), JSON.stringify(account));
  }

  /** Keeps (or, with undefined, drops) the token in SecretStorage; the client renews it silently on expiry. */
  storeToken(url: string, user: string, token: StoredToken | undefined): void {
    void (token
      ? this.secrets.store(tokenKey(url, user), JSON.stringify(token))
      : this.secrets.delete(tokenKey(url, user)));
  }

  trustedCertificate(url: string): TrustedCertificate | undefined {
    return this.globalState.get<TrustedCertificate>(trustKey(url));
  }

  async trustCertificate(url: string, cert: TrustedCertificate): Promise<void> {
    await this.globalState.update(trustKey(url), {
      fingerprint256: normalizeFingerprint(cert.fingerprint256),
      pem: cert.pem,
    });
  }

  /** How to trust the API's certificate: a CA file, a pinned fingerprint (setting or trusted earlier), or the system CAs. */
  trust(url: string, settings: Settings): TlsTrust {
    if (settings.apiCaFile) {
      try {
        return { kind: 'caFile', caPem: fs.readFileSync(settings.apiCaFile, 'utf8') };
      } catch (err) {
        throw new Error(
          vscode.l10n.t(
            'Cannot read the CA file {0} (setting waCluster.api.caFile): {1}',
            settings.apiCaFile,
            err instanceof Error ? err.message : String(err),
          ),
          { cause: err },
        );
      }
    }
    if (settings.apiCertificateFingerprint) {
      const remembered = this.trustedCertificate(url);
      const pin = normalizeFingerprint(settings.apiCertificateFingerprint);
      return {
        kind: 'pinned',
        fingerprint256: pin,
        ...(remembered?.fingerprint256 === pin ? { certPem: remembered.pem } : {}),
      };
    }
    const trusted = this.trustedCertificate(url);
    return trusted
      ? { kind: 'pinned', fingerprint256: trusted.fingerprint256, certPem: trusted.pem }
      : { kind: 'system' };
  }

  /** A client for the cluster, signed in with the stored password; undefined when none is stored. */
  async client(cluster: DiscoveredCluster, settings: Settings): Promise<WaApiClient | undefined> {
    const url = this.apiUrl(cluster);
    const password = await this.password(url, settings.apiUser);
    if (password === undefined) {
      return undefined;
    }
    const user = settings.apiUser;
    return new WaApiClient({
      baseUrl: url,
      transport: createNodeTransport(this.trust(url, settings)),
      auth: { kind: 'basic', user, password },
      allowPlainHttp: plainHttpAllowedFor(url, settings.apiAllowPlainHttp),
      token: await this.token(url, user),
      onToken: (t) => this.storeToken(url, user, t),
    });
  }
}
