/** Typed errors of the WhatsApp Business API client. Nothing else escapes from src/api. */

export interface ApiErrorItem {
  code: number;
  title: string;
  details?: string;
}

export type ApiErrorKind =
  /** the API answered with its error envelope (see `errors`) */
  | 'api'
  /** 401: bad credentials or an expired token that re-login could not fix */
  | 'unauthorized'
  /** 1024: the first login must set a new password */
  | 'passwordChangeRequired'
  /** 1005 `biz_link_on_prem_reg_blocked`: the vendor blocked on-premises registration (sunset) */
  | 'registrationBlocked'
  /** HTTP status without an error envelope */
  | 'http'
  /** connection refused, reset, DNS, … */
  | 'network'
  /** certificate not trusted, fingerprint mismatch, expired certificate */
  | 'tls'
  /** credentials would travel over plain `http://` and the user has not opted in for that URL */
  | 'plainHttp'
  | 'timeout'
  | 'aborted'
  /** the response is not the documented shape */
  | 'malformed';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly kind: ApiErrorKind;
  readonly status: number | undefined;
  readonly errors: readonly ApiErrorItem[];
  /** Low-level code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, …) when there is one. */
  readonly code: string | undefined;
  /** For `tls`: the SHA-256 fingerprint the server presented, so the caller can offer to pin it. */
  readonly fingerprint256: string | undefined;

  constructor(
    kind: ApiErrorKind,
    message: string,
    extra: {
      status?: number;
      errors?: readonly ApiErrorItem[];
      code?: string;
      fingerprint256?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.kind = kind;
    this.status = extra.status;
    this.errors = extra.errors ?? [];
    this.code = extra.code;
    this.fingerprint256 = extra.fingerprint256;
  }

  /** First documented error code (1005, 1011, …), if any. */
  get apiCode(): number | undefined {
    return this.errors[0]?.code;
  }
}

/** Plain-words explanation of codes a cluster operator meets (wa-api.md §2.9). */
const HINTS: Record<number, string> = {
  1005: 'Access denied: wrong credentials, a non-admin user, a certificate problem or an expired build.',
  1011: 'Service not ready: the node is not instantiated yet (normal before the number is registered).',
  1014: 'Internal error: often the web container cannot reach a coreapp (is wacore running?).',
  1016: 'System overloaded: usually the webhook is not answering 200 quickly and the callback queue fills.',
  1017: 'Not primary master: the request reached a master that is not the primary; retry.',
  1018: 'Not primary coreapp: a shard is changing owner (failover); retry.',
  1024: 'Password change required: the first login must set a new password.',
};

export const REGISTRATION_BLOCKED_EXPLANATION =
  'WhatsApp no longer lets on-premises clients register numbers: the On-Premises API was sunset by its vendor (late 2025). ' +
  'Existing registrations keep working; new numbers must use the Cloud API.';

export function hintFor(code: number): string | undefined {
  return HINTS[code];
}

/** Builds the typed error for an error envelope. */
export function envelopeError(status: number, errors: readonly ApiErrorItem[]): ApiError {
  const first = errors[0];
  if (first?.code === 1005 && /biz_link_on_prem_reg_blocked/i.test(first.details ?? '')) {
    return new ApiError('registrationBlocked', REGISTRATION_BLOCKED_EXPLANATION, { status, errors });
  }
  if (first?.code === 1024) {
    return new ApiError('passwordChangeRequired', `${first.title} (1024): log in once with a new password.`, {
      status,
      errors,
    });
  }
  if (status === 401) {
    return new ApiError(
      'unauthorized',
      first
        ? `Unauthorized: ${first.title}${first.details ? ` (${first.details})` : ''}`
        : 'Unauthorized: wrong user name or password, or the token expired',
      { status, errors },
    );
  }
  const text = first ? `${first.title} (${first.code})${first.details ? `: ${first.details}` : ''}` : `HTTP ${status}`;
  return new ApiError('api', text, { status, errors });
}
