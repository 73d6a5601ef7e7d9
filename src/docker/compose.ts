import { spawn } from 'node:child_process';
import path from 'node:path';
import { ComposeLabels } from './types';

/** How to run Compose: `docker compose` (v2), `docker-compose` (v1) or a configured command. */
export interface ComposeCommand {
  readonly command: string;
  readonly baseArgs: readonly string[];
  readonly flavor: 'v2' | 'v1' | 'custom';
  readonly version: string | undefined;
}

/** The `-f`/`-p`/`--env-file`/`--project-directory` part of a Compose invocation. */
export interface ComposeProjectArgs {
  readonly files?: readonly string[];
  readonly projectName?: string | undefined;
  readonly envFiles?: readonly string[];
  readonly projectDirectory?: string | undefined;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /** Called for every output line as it arrives. */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Kill after this long (ms); default none. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class ComposeError extends Error {
  override readonly name = 'ComposeError';
  constructor(
    message: string,
    readonly kind: 'notFound' | 'failed' | 'aborted' | 'timeout',
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly commandLine: string,
  ) {
    super(message);
  }
}

/** Spawner signature (injected in unit tests). */
export type Spawner = (cmd: string, args: readonly string[], opts: RunOptions) => Promise<RunResult>;

const MAX_CAPTURE = 4 * 1024 * 1024;

/** Runs a program without a shell, streaming lines; rejects with ComposeError on spawn failure or cancellation. */
export const spawnLines: Spawner = (cmd, args, opts) =>
  new Promise((resolve, reject) => {
    const line = [cmd, ...args].join(' ');
    if (opts.signal?.aborted) {
      reject(new ComposeError(`Cancelled: ${line}`, 'aborted', undefined, '', line));
      return;
    }
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, opts.timeoutMs)
      : undefined;
    const onAbort = (): void => {
      child.kill('SIGTERM');
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const feed =
      (stream: 'stdout' | 'stderr') =>
      (chunk: Buffer): void => {
        const s = chunk.toString('utf8');
        if (out[stream].length < MAX_CAPTURE) {
          out[stream] += s;
        }
        const parts = (partial[stream] + s).split(/\r?\n/);
        partial[stream] = parts.pop() ?? '';
        for (const p of parts) {
          opts.onLine?.(p, stream);
        }
      };
    child.stdout.on('data', feed('stdout'));
    child.stderr.on('data', feed('stderr'));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        new ComposeError(
          e.code === 'ENOENT' ? `${cmd} not found on PATH` : `${line}: ${e.message}`,
          e.code === 'ENOENT' ? 'notFound' : 'failed',
          undefined,
          '',
          line,
        ),
      );
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) {
          opts.onLine?.(partial[stream], stream);
        }
      }
      if (opts.signal?.aborted) {
        reject(new ComposeError(`Cancelled: ${line}`, 'aborted', code ?? undefined, out.stderr, line));
      } else if (timedOut) {
        reject(new ComposeError(`Timed out: ${line}`, 'timeout', code ?? undefined, out.stderr, line));
      } else {
        resolve({ exitCode: code ?? (sig ? 128 : 1), stdout: out.stdout, stderr: out.stderr });
      }
    });
  });

/**
 * The flavour of a Compose command, also a configured one: `docker compose` is the v2 plugin;
 * `docker-compose` is v1 (Python) when it answers 1.x, else v2's standalone binary; anything else
 * (podman-compose, a wrapper script) is 'custom'.
 */
export function composeFlavorOf(
  command: string,
  baseArgs: readonly string[],
  version: string | undefined,
): ComposeCommand['flavor'] {
  const program = (command.split(/[\\/]/).pop() ?? command).replace(/\.exe$/i, '');
  if (program === 'docker' && baseArgs[0] === 'compose') {
    return 'v2';
  }
  if (program === 'docker-compose') {
    return version === undefined || version.startsWith('1.') ? 'v1' : 'v2';
  }
  return 'custom';
}

/**
 * Detects the Compose command: the configured one, else `docker compose` (v2), else
 * `docker-compose` (v1). Returns undefined when none works.
 */
export async function detectCompose(
  opts: { configured?: readonly string[] | undefined; spawner?: Spawner; signal?: AbortSignal } = {},
): Promise<ComposeCommand | undefined> {
  const run = opts.spawner ?? spawnLines;
  const tryOne = async (command: string, baseArgs: readonly string[]): Promise<ComposeCommand | undefined> => {
    try {
      const r = await run(command, [...baseArgs, 'version', '--short'], {
        timeoutMs: 15_000,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (r.exitCode !== 0) {
        return undefined;
      }
      const version = /v?(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
      return { command, baseArgs, flavor: composeFlavorOf(command, baseArgs, version), version };
    } catch {
      return undefined;
    }
  };
  if (opts.configured && opts.configured.length > 0) {
    const [cmd, ...rest] = opts.configured;
    return tryOne(cmd!, rest);
  }
  return (await tryOne('docker', ['compose'])) ?? (await tryOne('docker-compose', []));
}

/** Project arguments recovered from a running container's Compose labels. */
export function projectArgsFromLabels(labels: Readonly<Record<string, string>>): ComposeProjectArgs | undefined {
  const projectName = labels[ComposeLabels.project];
  if (!projectName) {
    return undefined;
  }
  const workingDir = labels[ComposeLabels.workingDir];
  const files = (labels[ComposeLabels.configFiles] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => (workingDir && !path.isAbsolute(f) ? path.join(workingDir, f) : f));
  const envFiles = (labels[ComposeLabels.envFile] ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return { projectName, files, envFiles, projectDirectory: workingDir };
}

export function projectArgs(p: ComposeProjectArgs): string[] {
  const args: string[] = [];
  for (const f of p.files ?? []) {
    args.push('-f', f);
  }
  if (p.projectName) {
    args.push('-p', p.projectName);
  }
  if (p.projectDirectory) {
    args.push('--project-directory', p.projectDirectory);
  }
  for (const e of p.envFiles ?? []) {
    args.push('--env-file', e);
  }
  return args;
}

/** Runs Compose commands for one project. */
export class ComposeRunner {
  constructor(
    readonly command: ComposeCommand,
    readonly project: ComposeProjectArgs,
    private readonly spawner: Spawner = spawnLines,
  ) {}

  /** The full argument list for a subcommand (exposed for display and tests). */
  argsFor(sub: readonly string[]): string[] {
    return [...this.command.baseArgs, ...projectArgs(this.project), ...sub];
  }

  commandLine(sub: readonly string[]): string {
    return [this.command.command, ...this.argsFor(sub)].join(' ');
  }

  /** Runs and rejects with ComposeError (exit code + stderr) on a non-zero exit. */
  async run(sub: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const cwd = opts.cwd ?? this.project.projectDirectory;
    const r = await this.spawner(this.command.command, this.argsFor(sub), { ...opts, ...(cwd ? { cwd } : {}) });
    if (r.exitCode !== 0) {
      const tail = r.stderr.trim().split('\n').slice(-8).join('\n');
      throw new ComposeError(
        `${this.commandLine(sub)} failed with exit code ${r.exitCode}${tail ? `:\n${tail}` : ''}`,
        'failed',
        r.exitCode,
        r.stderr,
        this.commandLine(sub),
      );
    }
    return r;
  }

  up(services: readonly string[] = [], opts: RunOptions & { build?: boolean } = {}): Promise<RunResult> {
    return this.run(['up', '-d', ...(opts.build ? ['--build'] : []), ...services], opts);
  }

  down(opts: RunOptions & { volumes?: boolean } = {}): Promise<RunResult> {
    return this.run(['down', ...(opts.volumes ? ['-v'] : [])], opts);
  }

  ps(opts: RunOptions = {}): Promise<RunResult> {
    return this.run(['ps'], opts);
  }

  logs(
    services: readonly string[] = [],
    opts: RunOptions & { follow?: boolean; tail?: number; timestamps?: boolean } = {},
  ): Promise<RunResult> {
    return this.run(
      [
        'logs',
        '--no-color',
        ...(opts.follow ? ['-f'] : []),
        ...(opts.tail !== undefined ? ['--tail', String(opts.tail)] : []),
        ...(opts.timestamps ? ['-t'] : []),
        ...services,
      ],
      opts,
    );
  }

  config(opts: RunOptions = {}): Promise<RunResult> {
    return this.run(['config'], opts);
  }
}
