// Fault switches for tests. Set at start by environment (WA_EMULATOR_FAULT_*) or at run time through
// the emulator-only control endpoint `POST /_emulator/faults` (never under /v1).
import fs from 'node:fs';
import type http from 'node:http';
import { coreLog, envFlag, envNumber, containerId } from './util';

export interface Faults {
  /** Health requests never get an answer (the socket is held open). */
  hangHealth: boolean;
  /** Every answer is delayed by this many milliseconds. */
  slowMs: number;
  /** Answers carry a truncated, unparsable JSON body. */
  malformedJson: boolean;
  /** The node closes its database connection and does not reconnect while set. */
  dropDb: boolean;
  /** Registration answers like today's sunset service (1005 biz_link_on_prem_reg_blocked); web only. */
  regSunset: boolean;
}

export const faults: Faults = {
  hangHealth: envFlag('WA_EMULATOR_FAULT_HANG_HEALTH'),
  slowMs: envNumber('WA_EMULATOR_FAULT_SLOW_MS', 0),
  malformedJson: envFlag('WA_EMULATOR_FAULT_MALFORMED_JSON'),
  dropDb: envFlag('WA_EMULATOR_FAULT_DROP_DB'),
  regSunset: envFlag('WA_EMULATOR_REG_SUNSET'),
};

/** Exits like a crashed process and leaves a crash file where WADebug looks for one (wa-api.md §6). */
export function crash(reason: string): never {
  coreLog('C', 'main.cpp:88', `fatal: ${reason}`);
  try {
    fs.mkdirSync('/usr/local/waent/logs', { recursive: true });
    fs.writeFileSync(
      `/usr/local/waent/logs/wa-service-${containerId()}-crash.log`,
      `${new Date().toISOString()} crash: ${reason}\n`,
    );
  } catch {
    // best effort
  }
  process.exit(134);
}

/** WA_EMULATOR_FAULT_CRASH_AFTER_MS: crash this many milliseconds after start. */
export function scheduleCrashFromEnv(): void {
  const ms = envNumber('WA_EMULATOR_FAULT_CRASH_AFTER_MS', 0);
  if (ms > 0) {
    setTimeout(() => crash(`WA_EMULATOR_FAULT_CRASH_AFTER_MS=${ms}`), ms).unref();
  }
}

/** Handles `/_emulator/faults` (GET shows, POST merges, DELETE clears). Returns true when handled. */
export function handleFaultControl(
  req: http.IncomingMessage,
  body: string,
  res: http.ServerResponse,
  onChange?: () => void,
): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/_emulator/faults') {
    return false;
  }
  if (req.method === 'POST') {
    let patch: Partial<Faults> & { crash?: boolean };
    try {
      patch = JSON.parse(body || '{}') as Partial<Faults> & { crash?: boolean };
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'body must be JSON' }));
      return true;
    }
    if (patch.crash === true) {
      res
        .writeHead(202, { 'content-type': 'application/json' })
        .end(JSON.stringify({ crashing: true }), () => crash('crash requested through /_emulator/faults'));
      return true;
    }
    for (const k of Object.keys(faults) as (keyof Faults)[]) {
      if (k in patch) {
        (faults as unknown as Record<string, unknown>)[k] = (patch as Record<string, unknown>)[k];
      }
    }
    coreLog('W', 'emulator.cpp:1', `fault switches now ${JSON.stringify(faults)}`);
    onChange?.();
  } else if (req.method === 'DELETE') {
    Object.assign(faults, { hangHealth: false, slowMs: 0, malformedJson: false, dropDb: false, regSunset: false });
    onChange?.();
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ faults }));
  return true;
}

export function readBody(req: http.IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
      if (data.length > limit) {
        reject(new Error('body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
