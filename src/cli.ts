#!/usr/bin/env node
/**
 * Command-line entry point: `node dist/cli.js <command> …`. Each subcommand lives in its own
 * module (src/cli<Name>.ts) exporting `run(args): Promise<number>` (the exit code).
 */
import { runLint, lintUsage } from './cliLint';
import { runStatus, statusUsage } from './cliStatus';

type Subcommand = { run: (args: string[]) => Promise<number>; usage: string };

const commands: Record<string, Subcommand> = {
  lint: { run: runLint, usage: lintUsage },
  status: { run: runStatus, usage: statusUsage },
};

function usage(): string {
  return [
    'usage: wa-cluster <command> [options]',
    '',
    'commands:',
    ...Object.values(commands).map((c) => `  ${c.usage}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`unknown command "${name}"\n${usage()}\n`);
    return 2;
  }
  return cmd.run(args);
}

// A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    process.exit(process.exitCode ?? 0);
  }
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
