import http from 'node:http';
import https from 'node:https';
import { ApiError } from './errors';
import { type TlsTrust, TLS_ERROR_CODES, normalizeFingerprint, probeCertificate } from './tls';
import { combineSignals } from '../util/abort';

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

const MAX_BODY = 16 * 1024 * 1024;

/**
 * The real transport: `node:https` with an `Agent` per trust setting (see {@link TlsTrust} for
 * why verification is never switched off), plain `node:http` for `http://` URLs.
 */
export function createNodeTransport(trust: TlsTrust = { kind: 'system' }): Transport {
  let agent: https.Agent | undefined;
  let pinnedPem = trust.kind === 'pinned' ? trust.certPem : undefined;

  const agentFor = async (url: URL, signal: AbortSignal): Promise<https.Agent> => {
    if (agent) {
      return agent;
    }
    if (trust.kind === 'system') {
      agent = new https.Agent({ keepAlive: true });
    } else if (trust.kind === 'caFile') {
      agent = new https.Agent({ keepAlive: true, ca: trust.caPem });
    } else {
      const pin = normalizeFingerprint(trust.fingerprint256);
      if (!pinnedPem) {
        // Fetch the certificate once; connect only if it is the pinned one.
        const probed = await probeCertificate(url.hostname, Number(url.port || 443), { signal });
        if (probed.fingerprint256 !== pin) {
          throw new ApiError('tls', `The server's certificate (${probed.fingerprint256}) is not the pinned one (${pin})`, { code: 'ERR_TLS_CERT_PIN_MISMATCH', fingerprint256: probed.fingerprint256 });
        }
        pinnedPem = probed.pem;
      }
      agent = new https.Agent({
        keepAlive: true,
        ca: pinnedPem,
        // The pinned certificate may be a leaf issued by a private CA the server does not send:
        // let it be the trust anchor itself (chain, signature and dates are still verified).
        allowPartialTrustChain: true,
        checkServerIdentity: (_host, cert) => {
          const presented = normalizeFingerprint(cert.fingerprint256);
          if (presented !== pin) {
            const e = new Error(`certificate fingerprint ${presented} does not match the pinned ${pin}`) as NodeJS.ErrnoException;
            e.code = 'ERR_TLS_CERT_PIN_MISMATCH';
            return e;
          }
          return undefined;
        },
      });
    }
    return agent;
  };

  return async (req) => {
    const signal = combineSignals([req.signal], req.timeoutMs);
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    try {
      const ag = isHttps ? await agentFor(url, signal) : undefined;
      return await new Promise<HttpResponse>((resolve, reject) => {
        const lib = isHttps ? https : http;
        const r = lib.request(url, { method: req.method, headers: { ...req.headers, ...(req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)) } : {}) }, ...(ag ? { agent: ag } : {}), signal }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
              res.destroy(new Error('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        r.on('error', reject);
        r.end(req.body);
      });
    } catch (e) {
      throw await toApiError(e, signal, req.signal, url);
    }
  };
}

async function toApiError(e: unknown, combined: AbortSignal, caller: AbortSignal | undefined, url: URL): Promise<ApiError> {
  if (e instanceof ApiError) {
    return e;
  }
  if (combined.aborted) {
    return caller?.aborted ? new ApiError('aborted', 'Cancelled') : new ApiError('timeout', `No answer from ${url.host} in time`);
  }
  const err = e as NodeJS.ErrnoException;
  const code = err.code;
  if (code && TLS_ERROR_CODES.has(code)) {
    // Tell the caller which certificate was refused, so it can offer to pin it (trust on first use).
    let fingerprint256: string | undefined;
    try {
      fingerprint256 = (await probeCertificate(url.hostname, Number(url.port || 443), { timeoutMs: 3000 })).fingerprint256;
    } catch {
      fingerprint256 = undefined;
    }
    return new ApiError('tls', `The certificate of ${url.host} is not trusted (${code})${fingerprint256 ? `; its SHA-256 fingerprint is ${fingerprint256}` : ''}`, { code, fingerprint256, cause: e });
  }
  const hint = code === 'ECONNREFUSED' ? ' (is the web container running and its port published?)' : '';
  return new ApiError('network', `Cannot reach ${url.host}: ${code ?? err.message}${hint}`, { code, cause: e });
}
