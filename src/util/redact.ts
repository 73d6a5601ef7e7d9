/**
 * Secret masking for everything that leaves the machine in a diagnostics bundle: environment
 * variables with secret-looking names, credentials in text (`Authorization: Bearer …`,
 * `password=…`, YAML/JSON `password: …`), and any known secret value wherever it appears.
 */

export const MASK = '***';

/**
 * Names of variables whose values are secrets (WA_DB_PASSWORD, MYSQL_ROOT_PASSWORD, WA_API_KEY, …):
 * the one pattern for masking `docker inspect` (docker/client.ts) and redacting logs and bundles.
 */
const SECRET_NAME =
  /PASSWORD|PASSWD|PASSPHRASE|PASS\b|_PASS|PWD|SECRET|TOKEN|API_?KEY|_KEY$|^KEY$|PRIVATE|CREDENTIAL|JWT|AUTH/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A word every secret name of SECRET_NAME contains: text without one cannot hold a
 * `secret_name=value` pair, so the costly name/value scan is skipped (most log lines).
 */
const SECRET_NAME_PART = /PASS|PWD|SECRET|TOKEN|KEY|PRIVATE|CREDENTIAL|JWT|AUTH/i;
const AUTH_SCHEME_PART = /Bearer|Basic|Apikey|Token|Digest/i;

/** Secret values shorter than this are not searched for in free text (too many false hits). */
const MIN_SECRET_LENGTH = 4;

/** Collects values to redact everywhere: the values of secret-named variables (`NAME=value`). */
export function secretValuesFromEnv(env: readonly string[] | Readonly<Record<string, string>>): string[] {
  const pairs: [string, string][] = Array.isArray(env)
    ? (env as readonly string[]).map((kv) => {
        const eq = kv.indexOf('=');
        return eq >= 0 ? [kv.slice(0, eq), kv.slice(eq + 1)] : [kv, ''];
      })
    : Object.entries(env as Record<string, string>);
  return pairs.filter(([k, v]) => isSecretName(k) && v.length >= MIN_SECRET_LENGTH && v !== MASK).map(([, v]) => v);
}

/** Collects secret values from YAML-ish or dotenv text (`NAME: value`, `NAME=value`, `- NAME=value`). */
export function secretValuesFromText(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^[\t ]*(?:-[\t ]*)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?[\t ]*[:=][\t ]*(.*)$/gm)) {
    const name = m[1]!;
    let value = m[2]!.trim().replace(/[\t ]+#.*$/, '');
    value = value.replace(/^(["'])(.*)\1$/, '$2');
    if (isSecretName(name) && value.length >= MIN_SECRET_LENGTH && value !== MASK && !/^[|>]/.test(value)) {
      out.push(value);
    }
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Masks secrets in free text. Always: credentials after `Bearer`/`Basic`/`Apikey`/`Token`,
 * `Authorization:` headers, `secret_name=value` / `secret_name: value` / `"secret_name": "value"`,
 * and URL user-info passwords. Plus every known secret value, wherever it appears.
 */
export class Redactor {
  /** Credentials seen in text after an authorization scheme or a secret name (to mask them elsewhere too). */
  readonly learned = new Set<string>();
  private readonly known: string[];
  private readonly knownRe: RegExp | undefined;

  constructor(knownSecrets: Iterable<string> = []) {
    this.known = [...new Set([...knownSecrets].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort(
      (a, b) => b.length - a.length,
    );
    this.knownRe = this.known.length ? new RegExp(this.known.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  /** A redactor that also knows these values. */
  with(more: Iterable<string>): Redactor {
    return new Redactor([...this.known, ...more]);
  }

  get knownCount(): number {
    return this.known.length;
  }

  /**
   * False when {@link text} leaves every line of `s` as it is: no known secret, no authorization
   * scheme, no secret-looking name and no URL in it. A quick test of a block of lines, so a log
   * without any is copied whole instead of line by line.
   */
  mayMask(s: string): boolean {
    if (this.knownRe) {
      this.knownRe.lastIndex = 0;
      if (this.knownRe.test(s)) {
        return true;
      }
    }
    return AUTH_SCHEME_PART.test(s) || SECRET_NAME_PART.test(s) || s.includes('://');
  }

  text(s: string): string {
    if (!this.mayMask(s)) {
      return s;
    }
    let out = s;
    if (this.knownRe) {
      out = out.replace(this.knownRe, MASK);
    }
    // Authorization schemes followed by a credential.
    if (AUTH_SCHEME_PART.test(out)) {
      out = out.replace(
        /\b(Bearer|Basic|Apikey|Token|Digest)([\t ]+)([A-Za-z0-9._~+/=:-]{4,})/gi,
        (_m, scheme: string, sp: string, cred: string) => {
          this.learn(cred);
          return `${scheme}${sp}${MASK}`;
        },
      );
    }
    // "password": "value" (JSON) and name: value / name=value where the name looks secret.
    if (SECRET_NAME_PART.test(out)) {
      out = out.replace(
        /(["']?)([A-Za-z][A-Za-z0-9_.-]*)\1([\t ]*[:=][\t ]*)("[^"]*"|'[^']*'|[^\s,;&}"']+)/g,
        (m: string, q: string, name: string, sep: string, value: string) => {
          // The same names as in environment lists and `docker inspect` (one pattern: SECRET_NAME).
          if (
            !isSecretName(name) ||
            isHarmlessKey(name) ||
            /^(Bearer|Basic|Apikey|Token|Digest)$/i.test(value) ||
            value === MASK ||
            value === `"${MASK}"` ||
            value === `'${MASK}'`
          ) {
            return m;
          }
          const quoted = /^["']/.test(value) ? `${value[0]}${MASK}${value[0]}` : MASK;
          const bare = /^["']/.test(value) ? value.slice(1, -1) : value;
          // Plain words ("password: required") are not learned: masking them everywhere would garble logs.
          if (/[^a-z]/.test(bare)) {
            this.learn(bare);
          }
          return `${q}${name}${q}${sep}${quoted}`;
        },
      );
    }
    // scheme://user:password@host
    if (out.includes('://')) {
      out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)@/gi, (_m, pre: string) => `${pre}${MASK}@`);
    }
    return out;
  }

  private learn(value: string): void {
    if (value.length >= 8 && value !== MASK && !this.known.includes(value)) {
      this.learned.add(value);
    }
  }

  /** Masks a `NAME=value` environment list: secret names lose their value, others are redacted as text. */
  envList(env: readonly string[]): string[] {
    return env.map((kv) => {
      const eq = kv.indexOf('=');
      if (eq < 0) {
        return kv;
      }
      const name = kv.slice(0, eq);
      const value = kv.slice(eq + 1);
      return isSecretName(name) && value !== '' ? `${name}=${MASK}` : `${name}=${this.text(value)}`;
    });
  }

  /**
   * Deep-masks a JSON value: secret-named keys lose their value, `Env`-style arrays are masked as
   * environment lists, every other string is redacted as text.
   */
  json(value: unknown, key?: string): unknown {
    if (typeof value === 'string') {
      return key !== undefined && isSecretName(key) && value !== '' ? MASK : this.text(value);
    }
    if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string') && value.some((v) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(v))) {
        return this.envList(value);
      }
      return value.map((v) => this.json(v));
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] =
          typeof v === 'string' || typeof v === 'number'
            ? isSecretName(k) && v !== '' && !isHarmlessKey(k)
              ? MASK
              : this.json(v, k)
            : this.json(v, k);
      }
      return out;
    }
    return value;
  }
}

/** Keys that match the secret pattern but carry no secret (Docker inspect fields). */
function isHarmlessKey(k: string): boolean {
  return /^(AuthorizedKeys|Tokenizer|KeyCount|PasswordChangeRequired)$/i.test(k);
}
