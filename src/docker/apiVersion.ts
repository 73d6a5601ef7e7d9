import { MIN_API_VERSION, apiVersionAtLeast } from './errors';

/**
 * The newest Engine API whose answers we have read and tested (Docker 27.x, API 1.47). Requests
 * are pinned to the lower of this and the engine's own version, as the docker CLI negotiates:
 * an engine newer than us answers in the shapes we know (later APIs drop or rename fields, e.g.
 * the deprecated `status`/`id`/`from` of events), an older one (20.10 speaks 1.41, 26.1 1.45)
 * answers in its own.
 */
export const MAX_API_VERSION = '1.47';

/** What an engine's `GET /version` says about its API. */
export interface EngineApiRange {
  /** The newest API version the engine speaks. */
  readonly apiVersion: string;
  /** The oldest it still accepts (Docker 25+ refuses anything below 1.24, Docker 29 below 1.44). */
  readonly minApiVersion?: string | undefined;
}

export type ApiNegotiation =
  | {
      readonly ok: true;
      readonly version: string;
      readonly reason: 'engine' | 'ours' | 'engineMinimum' | 'environment';
    }
  | { readonly ok: false; readonly message: string };

const isApiVersion = (v: string): boolean => /^\d+\.\d+$/.test(v);

/**
 * The API version to speak with an engine: DOCKER_API_VERSION when the user set it (as the docker
 * CLI honours it), else min(engine, ours), raised to the engine's minimum when it no longer
 * accepts ours. An engine older than MIN_API_VERSION cannot be used.
 */
export function negotiateApiVersion(
  engine: EngineApiRange,
  env: Readonly<Record<string, string | undefined>> = {},
): ApiNegotiation {
  const forced = env.DOCKER_API_VERSION?.trim().replace(/^v/, '');
  if (forced) {
    return isApiVersion(forced)
      ? { ok: true, version: forced, reason: 'environment' }
      : { ok: false, message: `DOCKER_API_VERSION=${forced} is not an API version like 1.41` };
  }
  if (!isApiVersion(engine.apiVersion)) {
    return { ok: false, message: `the engine reports API version "${engine.apiVersion}"` };
  }
  if (!apiVersionAtLeast(engine.apiVersion, MIN_API_VERSION)) {
    return { ok: false, message: `API ${engine.apiVersion}; API ${MIN_API_VERSION} or newer is needed` };
  }
  if (!apiVersionAtLeast(engine.apiVersion, MAX_API_VERSION)) {
    return { ok: true, version: engine.apiVersion, reason: 'engine' };
  }
  const min = engine.minApiVersion;
  if (min && isApiVersion(min) && !apiVersionAtLeast(MAX_API_VERSION, min)) {
    return { ok: true, version: min, reason: 'engineMinimum' };
  }
  return { ok: true, version: MAX_API_VERSION, reason: 'ours' };
}
