// Helpers shared by every program that runs inside the emulator images (bundled by esbuild).
import os from 'node:os';

export type Level = 'D' | 'I' | 'W' | 'E' | 'C';

/**
 * Coreapp log format (wa-api.md §6, SS#105):
 *   `D 2024-12-05 8:43:19.183 UTC 28 datastore.cpp:150] message`
 * hour not zero-padded, milliseconds, `UTC`, a thread/process id, `file:line]`.
 */
export function coreLog(level: Level, where: string, message: string): void {
  const d = new Date();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${d.getUTCHours()}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}`;
  process.stdout.write(`${level} ${stamp} UTC ${process.pid} ${where}] ${message}\n`);
}

export function env(name: string, fallback = ''): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

export function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && process.env[name] !== '' && Number.isFinite(v) ? v : fallback;
}

export function envFlag(name: string): boolean {
  return /^(1|true|yes|on)$/i.test(env(name));
}

/** Compares dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The version this image carries (baked in at build time from the image tag). */
export function imageVersion(): string {
  return env('WA_EMULATOR_VERSION', '0.0.0');
}

/** Docker sets the container hostname to the 12-character short container id. */
export function containerId(): string {
  return os.hostname();
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
