import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { ApiError } from './errors';
import { signalWithTimeout } from '../util/abort';

/**
 * How the web container's certificate is trusted.
 *
 * The web container ships a self-signed certificate (wa-api.md §5.6), so "system CAs" usually
 * fails. We never switch verification off, neither per request nor for the whole process
 * through the environment. Instead:
 *  - `system`: Node's default CA store, normal hostname check.
 *  - `caFile`: the PEM of a private CA (e.g. from `GET /v1/certificates/external/ca`).
 *  - `pinned`: trust exactly one certificate, identified by its SHA-256 fingerprint. The
 *    certificate itself is passed as the only `ca` (with `allowPartialTrustChain`, so a leaf issued
 *    by a private CA can be the anchor), so OpenSSL still verifies the signature and validity
 *    dates; `checkServerIdentity` then
 *    compares `cert.fingerprint256` with the pin instead of the hostname (the pin is a stronger
 *    identity than a name the self-signed certificate does not carry anyway).
 *    The PEM is obtained by {@link probeCertificate}, a TLS handshake *with* verification on that
 *    reads the presented certificate before Node rejects the connection; no byte of application
 *    data is sent. Whether to trust an unknown fingerprint (trust on first use) is the caller's
 *    decision: the client only ever connects to the pinned fingerprint.
 */
export type TlsTrust =
  | { readonly kind: 'system' }
  | { readonly kind: 'caFile'; readonly caPem: string }
  | { readonly kind: 'pinned'; readonly fingerprint256: string; readonly certPem?: string };

export interface ProbedCertificate {
  /** Whether the certificate verified against the system CAs (incl. the hostname). */
  readonly trusted: boolean;
  /** OpenSSL's verdict when not trusted, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  readonly authorizationError: string | undefined;
  /** `AA:BB:…` upper-case SHA-256 fingerprint, the value to pin. */
  readonly fingerprint256: string;
  readonly pem: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
}

/** Normalises `aa:bb…`, `AABB…` or `sha256/…` forms to `AA:BB:…`. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp
    .replace(/^sha256[:/=]?/i, '')
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}

/**
 * Reads the certificate a TLS server presents, without trusting it and without sending data.
 *
 * Verification stays on: a `'secure'` listener prepended before Node's own handler reads the peer
 * certificate the moment the handshake completes; Node then rejects an unverified connection as
 * usual (we report its error code), and a verified one is closed at once.
 */
export function probeCertificate(
  host: string,
  port: number,
  opts: { signal?: AbortSignal; timeoutMs?: number; servername?: string } = {},
): Promise<ProbedCertificate> {
  const owned = signalWithTimeout([opts.signal], opts.timeoutMs ?? 5000);
  const signal = owned.signal;
  return new Promise<ProbedCertificate>((resolve, reject) => {
    if (signal.aborted) {
      owned.dispose();
      reject(abortToError(signal, host, port));
      return;
    }
    let cert: tls.DetailedPeerCertificate | undefined;
    const servername = opts.servername ?? (isIp(host) ? undefined : host);
    const socket = tls.connect({ host, port, ...(servername ? { servername } : {}) });
    const finish = (result: ProbedCertificate | ApiError): void => {
      signal.removeEventListener('abort', onAbort);
      owned.dispose();
      socket.destroy();
      if (result instanceof ApiError) {
        reject(result);
      } else {
        resolve(result);
      }
    };
    const fromCert = (trusted: boolean, why: string | undefined): ProbedCertificate | ApiError => {
      if (!cert?.raw) {
        return new ApiError('tls', `No certificate presented by ${host}:${port}${why ? ` (${why})` : ''}`, {
          code: why,
        });
      }
      const x = new X509Certificate(cert.raw);
      return {
        trusted,
        authorizationError: why,
        fingerprint256: normalizeFingerprint(x.fingerprint256),
        pem: x.toString(),
        subject: x.subject,
        issuer: x.issuer,
        validTo: x.validTo,
      };
    };
    const onAbort = (): void => finish(abortToError(signal, host, port));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.prependOnceListener('secure', () => {
      cert = socket.getPeerCertificate(true);
    });
    socket.once('secureConnect', () => finish(fromCert(true, undefined)));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (cert) {
        finish(fromCert(false, e.code ?? e.message));
      } else {
        finish(
          new ApiError('network', `Cannot reach ${host}:${port}: ${e.code ?? e.message}`, { code: e.code, cause: e }),
        );
      }
    });
  });
}

function abortToError(signal: AbortSignal, host: string, port: number): ApiError {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'TimeoutError'
    ? new ApiError('timeout', `Timed out reading the certificate of ${host}:${port}`)
    : new ApiError('aborted', 'Cancelled');
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** Error codes Node/OpenSSL use for certificate verification failures. */
export const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_PIN_MISMATCH',
  'HOSTNAME_MISMATCH',
]);

/**
 * The shell command that prints, on the Docker host, the SHA-256 fingerprint of the certificate
 * the web container serves on its published port: what to compare with before trusting it
 * (OpenSSL prints the same `AA:BB:…` form as {@link ProbedCertificate.fingerprint256}). On the
 * host itself no network lies between the command and the container.
 */
export function fingerprintCommand(apiUrl: string): string {
  const url = new URL(apiUrl);
  const port = url.port || '443';
  const name = url.hostname.replace(/^\[|\]$/g, '');
  return `openssl s_client -connect 127.0.0.1:${port} -servername ${name} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`;
}
