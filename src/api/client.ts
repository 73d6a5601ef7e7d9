import { type z } from 'zod';
import { ApiError, envelopeError } from './errors';
import { type HealthReport, parseHealth } from './health';
import {
  accountResponseSchema,
  backupResponseSchema,
  errorEnvelopeSchema,
  loginResponseSchema,
  metaOnlyResponseSchema,
  metricsResponseSchema,
  settingsResponseSchema,
  shardsResponseSchema,
  supportResponseSchema,
} from './schemas';
import { type HttpRequest, type Transport } from './transport';
import { type Clock, systemClock } from '../util/abort';
import { API_USER_AGENT } from '../util/logFilter';

export const DEFAULT_API_URL = 'https://127.0.0.1:9090';
/** Tokens are valid for 7 days (wa-api.md §2.1). */
const TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const TOKEN_SAFETY_MS = 60 * 1000;

export type ApiAuth =
  /** Basic login for a Bearer token (cached); `newPassword` answers the first-login change (1024). */
  | { readonly kind: 'basic'; readonly user: string; readonly password: string; readonly newPassword?: string }
  /** `Authorization: Apikey <WA_API_KEY>`: accepted by health, metrics and stats only. */
  | { readonly kind: 'apikey'; readonly key: string }
  | { readonly kind: 'none' };

export interface ApiClientOptions {
  readonly baseUrl?: string;
  readonly transport: Transport;
  readonly auth: ApiAuth;
  /** Per-request timeout (ms); default 10 s. */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  /** A token kept from an earlier session (used until it expires or the API refuses it). */
  readonly token?: StoredToken | undefined;
  /** Called with every new token, and with undefined when it is dropped, so the caller can keep it (SecretStorage). */
  readonly onToken?: ((token: StoredToken | undefined) => void) | undefined;
  /**
   * The user opted in to sending credentials to this `http://` URL in clear text (CLI
   * `--allow-plain-http URL`, setting `waCluster.api.allowPlainHttp`). Without it a request that
   * carries a password, token or API key to an `http://` URL is refused before anything is sent.
   */
  readonly allowPlainHttp?: boolean;
}

/** Whether `url` is plain `http://`, where credentials would travel in clear text. */
export function isPlainHttp(url: string): boolean {
  return URL.canParse(url) && new URL(url).protocol === 'http:';
}

/** Whether the user's list of plain-http URLs names this API URL (same origin: scheme, host and port). */
export function plainHttpAllowedFor(url: string, allowed: readonly string[]): boolean {
  if (!isPlainHttp(url)) {
    return false;
  }
  const origin = new URL(url).origin;
  return allowed.some((a) => URL.canParse(a) && new URL(a).origin === origin);
}

/** A bearer token and when it stops being usable (ms since the epoch). */
export interface StoredToken {
  readonly value: string;
  readonly expiresAt: number;
}

export type ShardCount = 1 | 2 | 4 | 8 | 16 | 32;
export const SHARD_COUNTS: readonly ShardCount[] = [1, 2, 4, 8, 16, 32];

export interface RegisterRequest {
  readonly cc: string;
  readonly phoneNumber: string;
  readonly method: 'sms' | 'voice';
  readonly cert: string;
  readonly pin?: string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

type Method = HttpRequest['method'];

/**
 * Client for the WhatsApp Business API web container. Every method rejects only with
 * {@link ApiError}; every call takes an AbortSignal and has a timeout.
 */
export class WaApiClient {
  readonly baseUrl: string;
  private readonly transport: Transport;
  private auth: ApiAuth;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private token: { value: string; expiresAt: number } | undefined;
  /** Whether these credentials ever got a token (a refused login then means they stopped working). */
  private hadSession: boolean;
  private loginInFlight: Promise<string> | undefined;
  /** Last `meta.version` seen, e.g. `v2.45.1`. */
  lastVersion: string | undefined;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_API_URL).replace(/\/+$/, '');
    this.transport = opts.transport;
    this.auth = opts.auth;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.clock = opts.clock ?? systemClock;
    this.onToken = opts.onToken;
    this.allowPlainHttp = opts.allowPlainHttp ?? false;
    this.token = opts.token && opts.token.expiresAt > this.clock.now() ? { ...opts.token } : undefined;
    this.hadSession = opts.token !== undefined;
  }

  private readonly onToken: ((token: StoredToken | undefined) => void) | undefined;
  private readonly allowPlainHttp: boolean;

  /** Forget the cached token (e.g. after the user changed credentials). */
  setAuth(auth: ApiAuth): void {
    this.auth = auth;
    this.token = undefined;
    this.hadSession = false;
  }

  get hasToken(): boolean {
    return this.token !== undefined && this.token.expiresAt > this.clock.now();
  }

  /** Logs in (Basic) and caches the token; handles the first-login password change. */
  async login(opts: CallOptions = {}): Promise<string> {
    if (this.auth.kind !== 'basic') {
      throw new ApiError('unauthorized', 'Logging in needs a user name and password');
    }
    this.loginInFlight ??= this.doLogin(this.auth, opts).finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async doLogin(auth: Extract<ApiAuth, { kind: 'basic' }>, opts: CallOptions): Promise<string> {
    const basic = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    let res = await this.send('POST', '/v1/users/login', { authorization: basic }, undefined, opts);
    let parsed = this.interpret(res, loginResponseSchema);
    if (!parsed.ok && parsed.error.kind === 'passwordChangeRequired' && auth.newPassword) {
      res = await this.send(
        'POST',
        '/v1/users/login',
        { authorization: basic },
        JSON.stringify({ new_password: auth.newPassword }),
        opts,
      );
      parsed = this.interpret(res, loginResponseSchema);
      if (parsed.ok) {
        this.auth = { kind: 'basic', user: auth.user, password: auth.newPassword };
      }
    }
    if (!parsed.ok) {
      const e = parsed.error;
      throw e.kind === 'unauthorized' && this.hadSession
        ? new ApiError(
            'unauthorized',
            `The session ended (token expired or revoked) and signing in again with the saved password was refused (${e.message}): the password may have changed; sign in again`,
            { ...(e.status !== undefined ? { status: e.status } : {}), errors: e.errors, cause: e },
          )
        : e;
    }
    this.hadSession = true;
    const user = parsed.value.users[0]!;
    let expiresAt = this.clock.now() + TOKEN_LIFETIME_MS;
    const declared = user.expires_after ? Date.parse(user.expires_after) : NaN;
    if (Number.isFinite(declared)) {
      expiresAt = Math.min(expiresAt, declared);
    }
    this.token = { value: user.token, expiresAt: expiresAt - TOKEN_SAFETY_MS };
    this.onToken?.(this.token);
    return user.token;
  }

  async logout(opts: CallOptions = {}): Promise<void> {
    if (!this.token) {
      return;
    }
    await this.call('POST', '/v1/users/logout', metaOnlyResponseSchema, undefined, opts);
    this.token = undefined;
    this.onToken?.(undefined);
  }

  /** `GET /v1/health`, parsed into roles and gateway statuses. Bearer or Apikey. */
  async health(opts: CallOptions = {}): Promise<HealthReport> {
    return (await this.healthAnswer(opts)).report;
  }

  /** `GET /v1/health`: the parsed report and the answer as the server sent it (decoded JSON). */
  async healthAnswer(opts: CallOptions = {}): Promise<{ report: HealthReport; raw: unknown }> {
    const body = await this.callRaw('GET', '/v1/health', undefined, opts, true);
    const r = parseHealth(body);
    if (!r.ok) {
      throw r.error;
    }
    if (r.value.version) {
      this.lastVersion = r.value.version;
    }
    return { report: r.value, raw: body };
  }

  /** `GET /v1/health` as answered: the HTTP status and the body verbatim, nothing parsed or dropped ("Show Health"). */
  async healthVerbatim(opts: CallOptions = {}): Promise<{ status: number; body: string }> {
    return this.authorized('GET', '/v1/health', undefined, opts, true);
  }

  /** `POST /v1/account`: 201 = already registered, 202 = code sent (then {@link verifyAccount}). */
  async registerAccount(
    req: RegisterRequest,
    opts: CallOptions = {},
  ): Promise<{ status: 'registered' | 'codeSent'; vname: string | undefined }> {
    const body = {
      cc: req.cc,
      phone_number: req.phoneNumber,
      method: req.method,
      cert: req.cert,
      ...(req.pin ? { pin: req.pin } : {}),
    };
    const { status, value } = await this.callWithStatus(
      'POST',
      '/v1/account',
      accountResponseSchema,
      JSON.stringify(body),
      opts,
    );
    return { status: status === 202 ? 'codeSent' : 'registered', vname: value.account?.[0]?.vname };
  }

  async verifyAccount(code: string, opts: CallOptions = {}): Promise<void> {
    await this.call('POST', '/v1/account/verify', metaOnlyResponseSchema, JSON.stringify({ code }), opts);
  }

  async getShards(opts: CallOptions = {}): Promise<number> {
    return (await this.call('GET', '/v1/account/shards', shardsResponseSchema, undefined, opts)).account.shards;
  }

  /** `POST /v1/account/shards`; 201 = changed. A 403 means "temporarily unavailable, retry". */
  async setShards(
    req: { cc: string; phoneNumber: string; shards: ShardCount; cert: string; pin?: string },
    opts: CallOptions = {},
  ): Promise<void> {
    if (!SHARD_COUNTS.includes(req.shards)) {
      throw new ApiError('api', `shards must be one of ${SHARD_COUNTS.join(', ')}`);
    }
    const body = {
      cc: req.cc,
      phone_number: req.phoneNumber,
      shards: req.shards,
      cert: req.cert,
      ...(req.pin ? { pin: req.pin } : {}),
    };
    await this.call('POST', '/v1/account/shards', metaOnlyResponseSchema, JSON.stringify(body), opts);
  }

  async getApplicationSettings(opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const v = await this.call('GET', '/v1/settings/application', settingsResponseSchema, undefined, opts);
    const app = v.settings.application;
    return app !== null && typeof app === 'object' ? (app as Record<string, unknown>) : {};
  }

  async patchApplicationSettings(patch: Record<string, unknown>, opts: CallOptions = {}): Promise<void> {
    await this.call('PATCH', '/v1/settings/application', metaOnlyResponseSchema, JSON.stringify(patch), opts);
  }

  /** `POST /v1/settings/backup` → the encrypted blob. */
  async backup(password: string, opts: CallOptions = {}): Promise<string> {
    return (await this.call('POST', '/v1/settings/backup', backupResponseSchema, JSON.stringify({ password }), opts))
      .settings.data;
  }

  async restore(password: string, data: string, opts: CallOptions = {}): Promise<void> {
    await this.call('POST', '/v1/settings/restore', metaOnlyResponseSchema, JSON.stringify({ password, data }), opts);
  }

  async support(opts: CallOptions = {}): Promise<Record<string, unknown>> {
    return (await this.call('GET', '/v1/support', supportResponseSchema, undefined, opts)).support;
  }

  async metrics(opts: CallOptions = {}): Promise<Record<string, unknown>> {
    const body = await this.callRaw('GET', '/v1/metrics', undefined, opts, true);
    const p = metricsResponseSchema.safeParse(body);
    if (!p.success) {
      throw new ApiError('malformed', 'Unexpected /v1/metrics response');
    }
    return p.data.metrics ?? {};
  }

  // --- plumbing -------------------------------------------------------------------------------

  private async call<S extends z.ZodType>(
    method: Method,
    path: string,
    schema: S,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<z.infer<S>> {
    return (await this.callWithStatus(method, path, schema, body, opts)).value;
  }

  private async callWithStatus<S extends z.ZodType>(
    method: Method,
    path: string,
    schema: S,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<{ status: number; value: z.infer<S> }> {
    const res = await this.authorized(method, path, body, opts, false);
    const r = this.interpret(res, schema);
    if (!r.ok) {
      throw r.error;
    }
    return { status: res.status, value: r.value };
  }

  private async callRaw(
    method: Method,
    path: string,
    body: string | undefined,
    opts: CallOptions,
    apikeyOk: boolean,
  ): Promise<unknown> {
    const res = await this.authorized(method, path, body, opts, apikeyOk);
    const json = decode(res.body);
    if (res.status >= 400 || json === undefined) {
      throw this.errorFor(res.status, json, res.body);
    }
    return json;
  }

  /** Sends with the right Authorization; on 401 logs in again once and retries. */
  private async authorized(
    method: Method,
    path: string,
    body: string | undefined,
    opts: CallOptions,
    apikeyOk: boolean,
  ): Promise<{ status: number; body: string }> {
    const auth = this.auth;
    if (auth.kind === 'apikey') {
      if (!apikeyOk) {
        throw new ApiError(
          'unauthorized',
          `${path} needs a user login; an API key only works for health, metrics and stats`,
        );
      }
      return this.send(method, path, { authorization: `Apikey ${auth.key}` }, body, opts);
    }
    if (auth.kind === 'none') {
      return this.send(method, path, {}, body, opts);
    }
    const hadToken = this.hasToken;
    const token = hadToken ? this.token!.value : await this.login(opts);
    const res = await this.send(method, path, { authorization: `Bearer ${token}` }, body, opts);
    if (res.status !== 401) {
      return res;
    }
    // Expired or revoked token: one fresh login, one retry. A request that met the same expiry
    // after another one already renewed the token uses the renewed token (no second login).
    const renewed = this.hasToken && this.token!.value !== token ? this.token!.value : undefined;
    const fresh = renewed ?? (await this.renewAfterRefusal(token, opts));
    return this.send(method, path, { authorization: `Bearer ${fresh}` }, body, opts);
  }

  /** Signs in again after the API refused `token` (expired or revoked). */
  private renewAfterRefusal(token: string, opts: CallOptions): Promise<string> {
    if (this.token?.value === token) {
      this.token = undefined;
    }
    return this.login(opts);
  }

  private async send(
    method: Method,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    opts: CallOptions,
  ): Promise<{ status: number; body: string }> {
    if (headers.authorization !== undefined && !this.allowPlainHttp && isPlainHttp(this.baseUrl)) {
      throw new ApiError(
        'plainHttp',
        `Refusing to send credentials to ${this.baseUrl} over plain http:// (anyone on the network could read them); use https://, or opt in for this URL`,
      );
    }
    try {
      return await this.transport({
        method,
        url: this.baseUrl + path,
        headers: {
          accept: 'application/json',
          // Tells our own requests apart in the web's access log (Filter Logs hides our health polling).
          'user-agent': API_USER_AGENT,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      });
    } catch (e) {
      throw e instanceof ApiError
        ? e
        : new ApiError('network', e instanceof Error ? e.message : String(e), { cause: e });
    }
  }

  private interpret<S extends z.ZodType>(
    res: { status: number; body: string },
    schema: S,
  ): { ok: true; value: z.infer<S> } | { ok: false; error: ApiError } {
    const json = decode(res.body);
    if (res.status >= 400) {
      return { ok: false, error: this.errorFor(res.status, json, res.body) };
    }
    // Error envelopes can come with 200 too (older builds).
    const env = errorEnvelopeSchema.safeParse(json);
    if (env.success && !(json as Record<string, unknown>).users) {
      return { ok: false, error: envelopeError(res.status, env.data.errors) };
    }
    const parsed = schema.safeParse(res.body.trim() === '' ? null : json);
    if (!parsed.success) {
      return {
        ok: false,
        error: new ApiError('malformed', `Unexpected response (HTTP ${res.status})`, { status: res.status }),
      };
    }
    const meta = (json as { meta?: { version?: unknown } } | undefined)?.meta;
    if (typeof meta?.version === 'string') {
      this.lastVersion = meta.version;
    }
    return { ok: true, value: parsed.data };
  }

  private errorFor(status: number, json: unknown, raw: string): ApiError {
    const env = errorEnvelopeSchema.safeParse(json);
    if (env.success) {
      return envelopeError(status, env.data.errors);
    }
    if (status === 401) {
      return envelopeError(401, []);
    }
    if (json === undefined && status < 400) {
      return new ApiError('malformed', `Response is not JSON (HTTP ${status})`, { status });
    }
    return new ApiError('http', `HTTP ${status}${raw ? `: ${raw.slice(0, 200)}` : ''}`, { status });
  }
}

function decode(body: string): unknown {
  if (body.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
