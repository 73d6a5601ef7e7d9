// /opt/whatsapp/bin/wait_on_mysql.sh and wait_on_postgres.sh: wait until the database answers on
// WA_DB_HOSTNAME:WA_DB_PORT, then run the command given as arguments (the vendor compose files pass
// launch_within_docker.sh). Failures are logged the way `nc` reports them (SS#66).
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sleep } from './util';

function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve(`nc: connect to ${host} port ${port} (tcp) timed out: Operation now in progress`);
    }, 2000);
    s.on('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve(null);
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
        resolve(`nc: getaddrinfo for host "${host}" port ${port}: Name or service not known`);
      } else if (e.code === 'ECONNREFUSED') {
        resolve(`nc: connect to ${host} port ${port} (tcp) failed: Connection refused`);
      } else {
        resolve(`nc: connect to ${host} port ${port} (tcp) failed: ${e.message}`);
      }
    });
  });
}

export async function runWait(
  kind: 'mysql' | 'postgres',
  args: string[],
  launchInProcess: () => Promise<void>,
): Promise<void> {
  const host = process.env.WA_DB_HOSTNAME ?? 'db';
  const port = Number(process.env.WA_DB_PORT ?? '3306');
  const label = kind === 'mysql' ? 'MySQL' : 'PostgreSQL';
  let stopping = false;
  const onStop = (): void => {
    stopping = true;
    process.exit(0);
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  for (let attempt = 1; !stopping; attempt++) {
    const err = await probe(host, port);
    if (err === null) {
      process.stdout.write(`${label} is up at ${host}:${port}\n`);
      break;
    }
    if (attempt <= 10 || attempt % 10 === 0) {
      process.stdout.write(`${err}\nWaiting for ${label} at ${host}:${port} (attempt ${attempt}) ...\n`);
    }
    await sleep(1000);
  }
  process.removeListener('SIGTERM', onStop);
  process.removeListener('SIGINT', onStop);
  const [cmd, ...rest] = args;
  if (!cmd) {
    return;
  }
  if (path.basename(cmd) === 'launch_within_docker.sh' && path.dirname(cmd) === path.dirname(process.argv[1] ?? '')) {
    // Our own launcher: run it in this process instead of a second node (same as exec).
    await launchInProcess();
    return;
  }
  const child = spawn(cmd, rest, { stdio: 'inherit' });
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}
