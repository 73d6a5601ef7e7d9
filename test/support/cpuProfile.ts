/**
 * CPU profiles of the process the caller runs in (the extension host, for the extension-host tests
 * and the bench), and who spent the time: our bundle, or the host around it.
 */
import fs from 'node:fs';
import { type Profiler, type Runtime } from 'node:inspector';
import { Session } from 'node:inspector/promises';

/** Runs `fn` under V8's sampling profiler (`intervalUs` between samples) and returns its profile. */
export async function profileWhile<T>(
  fn: () => Promise<T>,
  intervalUs = 500,
): Promise<{ result: T; profile: Profiler.Profile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    const outcome = await fn().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const { profile } = await session.post('Profiler.stop');
    if (!outcome.ok) {
      throw outcome.error;
    }
    return { result: outcome.value, profile };
  } finally {
    session.disconnect();
  }
}

/**
 * Node's HTTP client and TLS modules. In the extension host only our extension sends HTTP requests
 * (the health poll over HTTPS, dockerode over the Docker socket), so a stack in these modules that
 * no frame of ours is on (a response arriving, a socket being read) is work our requests caused.
 */
const HTTP_CLIENT_MODULES = new Set(['node:_http_client', 'node:_http_agent', 'node:https', 'node:_tls_wrap']);

export interface CpuShare {
  /** The profiled window. */
  readonly windowMs: number;
  /** Samples with a frame of our bundle on the stack (what our code and the libraries it calls ran). */
  readonly oursJsMs: number;
  /** Node's HTTP client and TLS without a frame of ours (our requests' answers being read). */
  readonly oursIoMs: number;
  /** Every other JavaScript stack: the extension host's own work (its IPC, other extensions, timers). */
  readonly hostJsMs: number;
  readonly gcMs: number;
  /** Native code outside any JavaScript frame (libuv, the IPC socket, TLS decryption). */
  readonly programMs: number;
  readonly idleMs: number;
  /**
   * Ours with garbage collection and native time shared out in proportion to the JavaScript time
   * (an estimate: the profile cannot tell whose garbage or whose socket it was).
   */
  readonly oursMs: number;
  /** Our heaviest functions by self time (bundle frames and the I/O they cause), `name file:line`. */
  readonly oursTop: readonly { readonly frame: string; readonly ms: number }[];
  /** Our functions by total time (their own and what they called), the view of who caused the cost. */
  readonly oursInclusive: readonly { readonly frame: string; readonly ms: number }[];
  /** The host's heaviest functions by self time. */
  readonly hostTop: readonly { readonly frame: string; readonly ms: number }[];
}

type Owner = 'ours' | 'io' | 'host' | 'gc' | 'program' | 'idle';

/**
 * Splits a profile's time between our bundle (`isOurs(url)` for a frame's script URL) and the
 * rest, by whose frames are on each sample's stack: a sample with any frame of ours on it is ours,
 * whatever it ran at the top (zod, yaml, dockerode are in the bundle; JSON.parse and Node's
 * internals called from our code count too).
 */
export function cpuShare(profile: Profiler.Profile, isOurs: (url: string) => boolean): CpuShare {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const owners = new Map<number, Owner>();
  const ownerOf = (id: number): Owner => {
    const known = owners.get(id);
    if (known) {
      return known;
    }
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName;
    let owner: Owner;
    if (fn === '(idle)') {
      owner = 'idle';
    } else if (fn === '(garbage collector)') {
      owner = 'gc';
    } else if (fn === '(program)') {
      owner = 'program';
    } else if (n.callFrame.url && isOurs(n.callFrame.url)) {
      owner = 'ours';
    } else {
      const p = parent.get(id);
      const above = p === undefined ? 'host' : ownerOf(p);
      owner = above === 'ours' ? 'ours' : above === 'io' || HTTP_CLIENT_MODULES.has(n.callFrame.url) ? 'io' : 'host';
    }
    owners.set(id, owner);
    return owner;
  };
  const ms: Record<Owner, number> = { ours: 0, io: 0, host: 0, gc: 0, program: 0, idle: 0 };
  const selfOurs = new Map<string, number>();
  const selfHost = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample stands for the time until the next one (the last: until the profile's end).
    const next = i + 1 < deltas.length ? deltas[i + 1]! : 0;
    const t = next / 1000;
    const id = samples[i]!;
    const owner = ownerOf(id);
    ms[owner] += t;
    const frame = frameName(byId.get(id)!.callFrame);
    if (owner === 'ours' || owner === 'io') {
      selfOurs.set(frame, (selfOurs.get(frame) ?? 0) + t);
      const onStack = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const f = byId.get(at)!.callFrame;
        if (f.url && isOurs(f.url)) {
          onStack.add(frameName(f));
        }
      }
      for (const f of onStack) {
        inclusive.set(f, (inclusive.get(f) ?? 0) + t);
      }
    } else if (owner === 'host') {
      selfHost.set(frame, (selfHost.get(frame) ?? 0) + t);
    }
  }
  const js = ms.ours + ms.io + ms.host;
  const shared = ms.gc + ms.program;
  const top = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([frame, t]) => ({ frame, ms: t }));
  return {
    windowMs: (profile.endTime - profile.startTime) / 1000,
    oursJsMs: ms.ours,
    oursIoMs: ms.io,
    hostJsMs: ms.host,
    gcMs: ms.gc,
    programMs: ms.program,
    idleMs: ms.idle,
    oursMs: ms.ours + ms.io + (js > 0 ? (shared * (ms.ours + ms.io)) / js : 0),
    oursTop: top(selfOurs),
    oursInclusive: top(inclusive),
    hostTop: top(selfHost),
  };
}

function frameName(f: Runtime.CallFrame): string {
  const file = f.url.split('/').pop() ?? f.url;
  return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
}

/**
 * CPU time (ms, user + system) of this process's main thread, the one the profiler samples: Linux
 * `/proc/self/task/<pid>/stat` (utime and stime, in the kernel's fixed 100 ticks per second).
 * `process.cpuUsage()` counts every thread (GC helpers, the libuv pool, the profiler itself).
 */
export function mainThreadCpuMs(): number {
  const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * How much CPU time a busy sample's time stands for. A sample stands for the wall time until the
 * next one, so when the machine is busy and the thread waits for a core between two samples, that
 * wait is charged to whatever was on the stack. Given the main thread's CPU time over the window,
 * every busy sample is scaled down alike (at most 1: an idle thread's samples are not scaled up).
 */
export function cpuPerSampledMs(share: CpuShare, threadCpuMs: number): number {
  const busy = share.oursJsMs + share.oursIoMs + share.hostJsMs + share.gcMs + share.programMs;
  return busy > 0 ? Math.min(1, threadCpuMs / busy) : 1;
}

/** Per minute of the profiled window. */
export function perMinute(share: CpuShare, ms: number): number {
  return share.windowMs > 0 ? (ms * 60_000) / share.windowMs : 0;
}

/** The share in one paragraph, per minute, for a test's output or a bench note. */
export function describeShare(share: CpuShare): string {
  const m = (x: number) => `${perMinute(share, x).toFixed(0)}`;
  const list = (top: CpuShare['oursTop']) => top.map((t) => `${t.frame} ${m(t.ms)}`).join('; ');
  return [
    `ours ≈ ${m(share.oursMs)} ms/min (bundle ${m(share.oursJsMs)}, HTTP/TLS reading our answers ${m(share.oursIoMs)}, plus GC and native time in proportion)`,
    `host JS ${m(share.hostJsMs)}, GC ${m(share.gcMs)}, native ${m(share.programMs)}, idle ${m(share.idleMs)} ms/min`,
    `ours by self time (ms/min): ${list(share.oursTop)}`,
    `ours by total time (ms/min): ${list(share.oursInclusive)}`,
    `host by self time (ms/min): ${list(share.hostTop)}`,
  ].join('\n');
}
