/**
 * Item 5, logs: Collect Diagnostics on nodes with many log lines vs `docker compose logs --no-color
 * > debug_output.txt` (the setup guide's way), wall time and peak memory, at two log sizes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as emulator from '../emulator/src/harness';
import { repoRoot } from '../support/paths';
import { type BenchEntry, composeCommand, entry } from './report';

export const LOG_NODES = ['wacore1', 'wacore2', 'wacore3'];

/** Prints `lines` coreapp-style lines fast (respecting back-pressure), then idles. */
const PRINTER = `
const n = Number(process.env.LINES); let i = 0;
const pad = 'x'.repeat(40);
function stamp() { return new Date().toISOString().replace('T', ' ').replace('Z', ' UTC'); }
function write() {
  while (i < n) {
    const ok = process.stdout.write('I ' + stamp() + ' 1 wa_main.cpp:' + (i % 997) + '] bench line ' + i + ' ' + pad + '\\n');
    i++;
    if (!ok) { process.stdout.once('drain', write); return; }
  }
  process.stdout.write('I ' + stamp() + ' 1 wa_main.cpp:1] bench logs written\\n');
  setInterval(() => undefined, 1 << 30);
}
write();
`;

export interface LogProject {
  readonly project: string;
  readonly dir: string;
  readonly file: string;
  readonly lines: number;
}

/** A compose project of three coreapp-image containers that log `lines` lines each. */
export async function startLogProject(parent: string, project: string, lines: number): Promise<LogProject> {
  const dir = path.join(parent, project);
  fs.mkdirSync(dir, { recursive: true });
  const service = (name: string) =>
    [
      `  ${name}:`,
      `    image: ${emulator.coreappImage(emulator.OLD_VERSION)}`,
      `    entrypoint: ["/usr/local/bin/node", "-e", ${JSON.stringify(PRINTER.replace(/\n/g, ' '))}]`,
      '    environment:',
      `      LINES: "${lines}"`,
      `      COREAPP_HOSTNAME: "${name}"`,
    ].join('\n');
  const file = path.join(dir, 'docker-compose.yml');
  fs.writeFileSync(file, `services:\n${LOG_NODES.map(service).join('\n')}\n`);
  const cc = composeCommand();
  execFileSync(cc.command, [...cc.args, '-p', project, '-f', file, 'up', '-d'], { cwd: dir, stdio: 'ignore' });
  const deadline = Date.now() + 180_000;
  for (const node of LOG_NODES) {
    const id = execFileSync(cc.command, [...cc.args, '-p', project, '-f', file, 'ps', '-q', node], { cwd: dir })
      .toString()
      .trim();
    while (!execFileSync('docker', ['logs', '--tail', '1', id]).toString().includes('bench logs written')) {
      if (Date.now() > deadline) {
        throw new Error(`${project}/${node} did not write its ${lines} lines in time`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return { project, dir, file, lines };
}

export function removeLogProject(p: LogProject): void {
  const cc = composeCommand();
  try {
    execFileSync(cc.command, [...cc.args, '-p', p.project, '-f', p.file, 'down', '-t', '1'], {
      cwd: p.dir,
      stdio: 'ignore',
    });
  } catch {
    // best effort: the project is ours and uniquely named
  }
}

function timed(
  command: string,
  args: readonly string[],
  cwd: string,
  stdoutFile: string,
): { ms: number; rssMiB: number } {
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'WA_BENCH_RSS %M', 'sh', '-c', 'exec "$@" > "$0"', stdoutFile, command, ...args],
    { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 },
  );
  const ms = performance.now() - t0;
  const err = r.stderr.toString();
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${r.status}: ${err.slice(-500)}`);
  }
  const kib = Number(/WA_BENCH_RSS (\d+)/.exec(err)?.[1] ?? NaN);
  return { ms, rssMiB: kib / 1024 };
}

/** Measures both sides at each size; returns entries plus the compose-logs medians for the editor's Show All Logs. */
export function logCases(
  small: LogProject,
  large: LogProject,
  runs: number,
): { entries: BenchEntry[]; composeLogsMs: number } {
  const cc = composeCommand();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bench-logs-'));
  const worker = path.join(repoRoot, 'out/test/bench/collectWorker.js');
  const measure = (p: LogProject) => {
    const ours: { ms: number; rssMiB: number }[] = [];
    const base: { ms: number; rssMiB: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const out = path.join(work, `${p.project}-${i}`);
      fs.mkdirSync(out);
      ours.push(timed(process.execPath, [worker, p.project, out], p.dir, '/dev/null'));
      fs.rmSync(out, { recursive: true, force: true });
      base.push(
        timed(
          cc.command,
          [...cc.args, '-p', p.project, '-f', p.file, 'logs', '--no-color'],
          p.dir,
          path.join(work, 'debug_output.txt'),
        ),
      );
    }
    return { ours, base };
  };
  try {
    const s = measure(small);
    const l = measure(large);
    const k = (n: number) => `${n / 1000}k`;
    const entries = [
      entry({
        id: 'logs.collect.time',
        what: `Collect Diagnostics (all logs, inspect, README, zip; whole process) on 3 nodes × ${k(large.lines)} lines`,
        unit: 'ms',
        samples: l.ours.map((x) => x.ms),
        baseline: { what: `${cc.name} logs --no-color > debug_output.txt`, samples: l.base.map((x) => x.ms) },
        goal: '≤ 1.0 × compose logs',
        check: (x) => (x.ratio ?? Infinity) <= 1,
      }),
      entry({
        id: 'logs.collect.memory',
        what: `Collect Diagnostics peak memory at ${k(large.lines)} lines per node vs at ${k(small.lines)}`,
        unit: 'MiB',
        samples: l.ours.map((x) => x.rssMiB),
        baseline: { what: `ours at ${k(small.lines)}`, samples: s.ours.map((x) => x.rssMiB) },
        goal: 'flat (ratio ≤ 1.25)',
        check: (x) => (x.ratio ?? Infinity) <= 1.25,
        note: `${cc.name} logs: ${Math.round(Math.min(...s.base.map((x) => x.rssMiB)))} → ${Math.round(Math.min(...l.base.map((x) => x.rssMiB)))} MiB`,
      }),
    ];
    return { entries, composeLogsMs: entries[0]!.baseline?.median ?? NaN };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
