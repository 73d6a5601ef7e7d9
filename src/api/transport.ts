import http from 'node:http';
import https from 'node:https';
import { createSecureContext } from 'node:tls';
import { ApiError } from './errors';
import { type TlsTrust, TLS_ERROR_CODES, normalizeFingerprint, probeCertificate } from './tls';
import { type OwnedSignal, signalWithTimeout } from '../util/abort';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * Sends one request. Implementations reject only with {@link ApiError} of kind network, tls,
 * timeout or aborted; HTTP error statuses are responses, not rejections. Injected in unit tests.
 */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/**
 * The largest answer read (bytes). The biggest documented answer, `/v1/health` of a 32-shard
 * cluster, is a few kilobytes; 16 MB leaves room for `/v1/support` and backups while a broken or
 * hostile server (a 100 MB or endless body) costs at most this much memory.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** An HTTPS agent and the TLS options it was made with. */
interface Secure {
  readonly agent: https.Agent;
  readonly tls: https.AgentOptions;
}

/**
 * The real transport: `node:https` with an `Agent` per trust setting (see {@link TlsTrust} for
 * why verification is never switched off), plain `node:http` for `http://` URLs.
 */
export function createNodeTransport(
  trust: TlsTrust = { kind: 'system' },
  maxResponseBytes = MAX_RESPONSE_BYTES,
): Transport {
  /**
   * The agent and, repeated on every request, its TLS options: VS Code's proxy support (the
   * default `http.proxySupport: override`) replaces a request's agent for any host but localhost,
   * keeping only the agent's `ca`, so without them a pinned leaf would be checked as a CA and fail.
   */
  let secure: Secure | undefined;
  let pinnedPem = trust.kind === 'pinned' ? trust.certPem : undefined;

  const secureFor = async (url: URL, signal: AbortSignal): Promise<Secure> => {
    if (secure) {
      return secure;
    }
    const withTls = (trustOptions: https.AgentOptions): Secure => {
      // One context for every connection: the web closes idle connections (5 s), so each poll
      // connects anew, and a context built per connection parses the CA again each time.
      const tls = { ...trustOptions, secureContext: createSecureContext(trustOptions) };
      return { agent: new https.Agent({ keepAlive: true, ...tls }), tls };
    };
    if (trust.kind === 'system') {
      secure = withTls({});
    } else if (trust.kind === 'caFile') {
      secure = withTls({ ca: trust.caPem });
    } else {
      const pin = normalizeFingerprint(trust.fingerprint256);
      if (!pinnedPem) {
        // Fetch the certificate once; connect only if it is the pinned one.
        const probed = await probeCertificate(url.hostname, Number(url.port || 443), { signal });
        if (probed.fingerprint256 !== pin) {
          throw new ApiError(
            'tls',
            `The certificate of ${url.host} is not the pinned one: it is ${probed.fingerprint256}, the pin is ${pin}. Refused before sending anything`,
            { code: 'ERR_TLS_CERT_PIN_MISMATCH', fingerprint256: probed.fingerprint256 },
          );
        }
        pinnedPem = probed.pem;
      }
      secure = withTls({
        ca: pinnedPem,
        // The pinned certificate may be a leaf issued by a private CA the server does not send:
        // let it be the trust anchor itself (chain, signature and dates are still verified).
        allowPartialTrustChain: true,
        checkServerIdentity: (_host, cert) => {
          const presented = normalizeFingerprint(cert.fingerprint256);
          if (presented !== pin) {
            const e = new Error(
              `certificate fingerprint ${presented} does not match the pinned ${pin}`,
            ) as NodeJS.ErrnoException;
            e.code = 'ERR_TLS_CERT_PIN_MISMATCH';
            return e;
          }
          return undefined;
        },
      });
    }
    return secure;
  };

  return async (req) => {
    const owned = signalWithTimeout([req.signal], req.timeoutMs);
    const signal = owned.signal;
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    try {
      const ag = isHttps ? await secureFor(url, signal) : undefined;
      return await new Promise<HttpResponse>((resolve, reject) => {
        const lib = isHttps ? https : http;
        const r = lib.request(
          url,
          {
            method: req.method,
            headers: {
              ...req.headers,
              ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}),
            },
            ...(ag ? { ...ag.tls, agent: ag.agent } : {}),
            signal,
          },
          (res) => {
            const tooLarge = (): ApiError =>
              new ApiError(
                'malformed',
                `The answer of ${url.host} is larger than ${Math.round(maxResponseBytes / 1024 / 1024)} MB; refusing to read it`,
              );
            const declared = Number(res.headers['content-length']);
            if (Number.isFinite(declared) && declared > maxResponseBytes) {
              res.destroy();
              reject(tooLarge());
              return;
            }
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > maxResponseBytes) {
                chunks.length = 0;
                res.destroy();
                reject(tooLarge());
                return;
              }
              chunks.push(c);
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
            // A connection cut mid-answer (or a timeout abort after the headers) ends here, not in 'end'.
            res.on('close', () => {
              if (!res.complete) {
                reject(new Error('the connection closed before the whole answer arrived'));
              }
            });
          },
        );
        r.on('error', reject);
        r.end(req.body);
      });
    } catch (e) {
      throw await toApiError(
        e,
        owned,
        url,
        trust.kind === 'pinned' ? normalizeFingerprint(trust.fingerprint256) : undefined,
      );
    } finally {
      owned.dispose();
    }
  };
}

async function toApiError(e: unknown, signal: OwnedSignal, url: URL, pinned: string | undefined): Promise<ApiError> {
  if (e instanceof ApiError) {
    return e;
  }
  if (signal.signal.aborted) {
    return signal.timedOut()
      ? new ApiError('timeout', `No answer from ${url.host} in time`)
      : new ApiError('aborted', 'Cancelled');
  }
  const err = e as NodeJS.ErrnoException;
  const code = err.code;
  if (code && TLS_ERROR_CODES.has(code)) {
    // Tell the caller which certificate was refused, so it can offer to pin it (trust on first use).
    let fingerprint256: string | undefined;
    try {
      fingerprint256 = (await probeCertificate(url.hostname, Number(url.port || 443), { timeoutMs: 3000 }))
        .fingerprint256;
    } catch {
      fingerprint256 = undefined;
    }
    if (pinned && fingerprint256 && fingerprint256 !== pinned) {
      // Someone may be in the middle, or the web container got a new certificate: say both, decide nothing.
      return new ApiError(
        'tls',
        `The certificate of ${url.host} has CHANGED: it is now ${fingerprint256}, the trusted one is ${pinned}. Refused; trust the new one only after checking it on the web container`,
        { code: 'ERR_TLS_CERT_PIN_MISMATCH', fingerprint256, cause: e },
      );
    }
    return new ApiError(
      'tls',
      `The certificate of ${url.host} is not trusted (${code})${fingerprint256 ? `; its SHA-256 fingerprint is ${fingerprint256}` : ''}`,
      { code, fingerprint256, cause: e },
    );
  }
  const hint = code === 'ECONNREFUSED' ? ' (is the web container running and its port published?)' : '';
  return new ApiError('network', `Cannot reach ${url.host}: ${code ?? err.message}${hint}`, { code, cause: e });
}
