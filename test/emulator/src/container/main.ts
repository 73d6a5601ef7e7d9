// Entry point of every program in the emulator images. One bundle, copied under each vendor name;
// the file name it was started as picks the program (no shell in the images).
import path from 'node:path';
import { runDbServer } from './dbserver';
import { runNode } from './node';
import { runWeb } from './web';
import { runWait } from './wait';
import { env } from './util';
import { scheduleCrashFromEnv } from './faults';

const self = path.basename(process.argv[1] ?? '');
const args = process.argv.slice(2);

const launch = (): Promise<void> => {
  scheduleCrashFromEnv();
  return env('WA_EMULATOR_IMAGE') === 'web' ? runWeb() : runNode();
};

const fail = (e: unknown): void => {
  process.stdout.write(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
};

switch (self) {
  case 'wait_on_mysql.sh':
    runWait('mysql', args, launch).catch(fail);
    break;
  case 'wait_on_postgres.sh':
    runWait('postgres', args, launch).catch(fail);
    break;
  case 'launch_within_docker.sh':
    launch().catch(fail);
    break;
  case 'docker-entrypoint.sh':
    runDbServer(args);
    break;
  default:
    process.stdout.write(`wa-emulator: unknown program name ${self}\n`);
    process.exit(2);
}
