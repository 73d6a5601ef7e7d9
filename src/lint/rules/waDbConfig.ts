import { parseImage } from '../../compose/image';
import type { Service } from '../../compose/project';
import { replaceEnvValue } from '../edits';
import type { Rule, RuleContext } from '../rule';
import { isServiceLikeName, serviceByHost, servicesWithRole } from '../wa';

const REQUIRED = ['WA_DB_ENGINE', 'WA_DB_HOSTNAME', 'WA_DB_PORT', 'WA_DB_USERNAME', 'WA_DB_PASSWORD'];
/** Characters the vendor forbids in the DB password (production multiconnect guide). */
const FORBIDDEN = /[?{}&~!()^=]/g;

type Engine = 'MYSQL' | 'PGSQL';

function dbEngineOf(db: Service): Engine | undefined {
  const name = db.image ? parseImage(db.image.value).name : '';
  if (['mysql', 'mariadb', 'percona', 'percona-server', 'mysql-server'].includes(name)) {
    return 'MYSQL';
  }
  if (['postgres', 'postgresql'].includes(name)) {
    return 'PGSQL';
  }
  return undefined;
}

/** The port the DB listens on inside its container. */
function listenPort(db: Service, engine: Engine): number {
  const cmd = db.command?.value ?? '';
  if (engine === 'MYSQL') {
    const m = /--port[= ](\d+)|-P\s*(\d+)/.exec(cmd);
    return Number(m?.[1] ?? m?.[2] ?? 3306);
  }
  const m = /(?:^|\s)-p\s*(\d+)|-c\s+port=(\d+)/.exec(cmd);
  const pgport = db.environment.get('PGPORT')?.value;
  return Number(m?.[1] ?? m?.[2] ?? pgport ?? 5432);
}

export const waDbConfig: Rule = {
  id: 'wa-db-config',
  severity: 'error',
  description: 'Missing or wrong `WA_DB_*` settings: engine, host, port, credentials, forbidden password characters.',
  check({ project, report, t }) {
    const dbServices = servicesWithRole(project, 'db');
    for (const svc of servicesWithRole(project, 'web', 'master', 'coreapp', 'dbupgrade')) {
      if (svc.envFiles.some((e) => !e.exists)) {
        continue; // undefined-reference reports the missing env_file
      }
      const env = (n: string) => svc.environment.get(n);
      const missing = REQUIRED.filter((n) => env(n) === undefined || env(n)?.value === undefined);
      if (missing.length > 0) {
        report({
          span: svc.keySpan,
          message: t(
            '`{0}` ({1}) has no {2} after its env files are applied: the node cannot reach the database. Set them in its env_file (db.env) or environment.',
            svc.name,
            svc.role,
            missing.join(', '),
          ),
        });
      }
      const engineV = env('WA_DB_ENGINE');
      const engine = engineV?.value?.trim().toUpperCase();
      if (engineV?.value !== undefined && !engineV.unresolved && engine !== 'MYSQL' && engine !== 'PGSQL') {
        report({
          span: engineV.valueSpan,
          message: t('WA_DB_ENGINE is `{0}`: it must be MYSQL or PGSQL.', engineV.value),
        });
      }
      const pw = env('WA_DB_PASSWORD');
      if (pw?.value && !pw.unresolved) {
        const bad = [...new Set(pw.value.match(FORBIDDEN) ?? [])];
        if (bad.length > 0) {
          report({
            span: pw.valueSpan,
            message: t(
              'WA_DB_PASSWORD contains {0}: the WhatsApp client does not accept ? { } & ~ ! ( ) ^ = in the database password. Choose a password without them.',
              bad.map((c) => `\`${c}\``).join(' '),
            ),
          });
        }
      }
      const hostV = env('WA_DB_HOSTNAME');
      const host = hostV?.value?.trim();
      if (!hostV || !host || hostV.unresolved) {
        continue;
      }
      const db = serviceByHost(project, host);
      if (!db) {
        if (
          dbServices.length > 0 &&
          isServiceLikeName(host) &&
          svc.networkMode?.value !== 'bridge' &&
          svc.role !== 'dbupgrade'
        ) {
          const only = dbServices.length === 1 ? dbServices[0] : undefined;
          const edit = only ? replaceEnvValue(hostV, only.name) : undefined;
          report({
            span: hostV.valueSpan,
            message: t(
              "WA_DB_HOSTNAME is `{0}`, but the project has no such service (the database service is {1}). Set WA_DB_HOSTNAME to the database service's name.",
              host,
              dbServices.map((d) => `\`${d.name}\``).join(', '),
            ),
            ...(edit && only ? { fix: { title: t('Set {0}={1}', 'WA_DB_HOSTNAME', only.name), edits: [edit] } } : {}),
          });
        }
        continue;
      }
      const dbEngine = dbEngineOf(db);
      if (!dbEngine) {
        continue;
      }
      if (engineV && (engine === 'MYSQL' || engine === 'PGSQL') && engine !== dbEngine) {
        const edit = replaceEnvValue(engineV, dbEngine);
        report({
          span: engineV.valueSpan,
          message: t(
            'WA_DB_ENGINE is {0}, but `{1}` runs {2}. Set WA_DB_ENGINE={3}.',
            engine,
            db.name,
            dbEngine === 'MYSQL' ? 'MySQL' : 'PostgreSQL',
            dbEngine,
          ),
          ...(edit ? { fix: { title: t('Set {0}={1}', 'WA_DB_ENGINE', dbEngine), edits: [edit] } } : {}),
        });
      }
      const portV = env('WA_DB_PORT');
      const listen = listenPort(db, dbEngine);
      if (portV?.value !== undefined && !portV.unresolved && Number(portV.value) !== listen) {
        const hostPublished = db.ports.some(
          (p) => p.published && Number(portV.value) >= p.published.start && Number(portV.value) <= p.published.end,
        );
        const edit = replaceEnvValue(portV, String(listen));
        report({
          span: portV.valueSpan,
          message: hostPublished
            ? t(
                'WA_DB_PORT is {0}, but `{1}` listens on {2} inside the compose network ({0} is its port on the host, not reachable from other containers by name). Set WA_DB_PORT={2}.',
                portV.value,
                db.name,
                listen,
              )
            : t(
                'WA_DB_PORT is {0}, but `{1}` listens on {2} inside the compose network. Set WA_DB_PORT={2}.',
                portV.value,
                db.name,
                listen,
              ),
          ...(edit ? { fix: { title: t('Set {0}={1}', 'WA_DB_PORT', listen), edits: [edit] } } : {}),
        });
      }
      checkCredentials(svc, db, dbEngine, { report, t });
    }
  },
};

function checkCredentials(
  svc: Service,
  db: Service,
  engine: Engine,
  { report, t }: Pick<RuleContext, 'report' | 't'>,
): void {
  const user = svc.environment.get('WA_DB_USERNAME');
  const pw = svc.environment.get('WA_DB_PASSWORD');
  const dbEnv = (n: string) => {
    const v = db.environment.get(n);
    return v && !v.unresolved ? v.value : undefined;
  };
  if (!user?.value || user.unresolved) {
    return;
  }
  let expectedUser: string | undefined;
  let expectedPw: string | undefined;
  let pwVar: string;
  if (engine === 'MYSQL') {
    if (user.value === 'root') {
      expectedUser = 'root';
      expectedPw = dbEnv('MYSQL_ROOT_PASSWORD');
      pwVar = 'MYSQL_ROOT_PASSWORD';
      if (dbEnv('MYSQL_ALLOW_EMPTY_PASSWORD') !== undefined || dbEnv('MYSQL_RANDOM_ROOT_PASSWORD') !== undefined) {
        return;
      }
    } else {
      expectedUser = dbEnv('MYSQL_USER');
      expectedPw = dbEnv('MYSQL_PASSWORD');
      pwVar = 'MYSQL_PASSWORD';
      if (expectedUser === undefined && db.environment.get('MYSQL_USER') === undefined) {
        report({
          span: user.valueSpan,
          message: t(
            'WA_DB_USERNAME is `{0}`, but `{1}` creates no such MySQL user (no MYSQL_USER). Use root or set MYSQL_USER/MYSQL_PASSWORD on `{1}`.',
            user.value,
            db.name,
          ),
        });
        return;
      }
    }
  } else {
    expectedUser = dbEnv('POSTGRES_USER') ?? (db.environment.has('POSTGRES_USER') ? undefined : 'postgres');
    expectedPw = dbEnv('POSTGRES_PASSWORD');
    pwVar = 'POSTGRES_PASSWORD';
  }
  if (expectedUser !== undefined && user.value !== expectedUser) {
    const edit = replaceEnvValue(user, expectedUser);
    report({
      span: user.valueSpan,
      message: t(
        'WA_DB_USERNAME is `{0}`, but `{1}` creates the user `{2}`: the login will fail. Set WA_DB_USERNAME={2}.',
        user.value,
        db.name,
        expectedUser,
      ),
      ...(edit ? { fix: { title: t('Set {0}={1}', 'WA_DB_USERNAME', expectedUser), edits: [edit] } } : {}),
    });
    return;
  }
  if (expectedPw !== undefined && pw?.value !== undefined && !pw.unresolved && pw.value !== expectedPw) {
    report({
      span: pw.valueSpan,
      message: t(
        'WA_DB_PASSWORD does not match {0} of `{1}`: the login will fail. Use the same password in both places.',
        pwVar,
        db.name,
      ),
    });
  }
}
