// launch_within_docker.sh in the coreapp image: a coreapp, a master (WA_MASTER_NODE=1) or the
// one-shot database upgrade (WA_DB_UPGRADE=1).
import http from 'node:http';
import { DbClient, dbConfigFromEnv } from './dbclient';
import { faults, handleFaultControl, readBody } from './faults';
import {
  ALLOWED_SHARDS,
  KEYS,
  MASTER_LEASE,
  NODE_TTL_MS,
  effectiveSettings,
  type NodeRow,
  type Registration,
  type ShardMap,
} from './model';
import { compareVersions, containerId, coreLog, env, envFlag, envNumber, errorText, imageVersion, sleep } from './util';

const INTERNAL_PORTS = [6250, 6251, 6252, 6253];
const TICK_MS = envNumber('WA_EMULATOR_TICK_MS', 500);
const LEASE_MS = envNumber('WA_EMULATOR_LEASE_MS', 5000);
const MIGRATION_MS = envNumber('WA_EMULATOR_MIGRATION_MS', 1500);
const CONNECT_MS = envNumber('WA_EMULATOR_CONNECT_MS', 1000);

type HealthAnswer =
  { gateway_status: string; role?: string } | { errors: { code: number; title: string; details: string }[] };

export async function runDbUpgrade(): Promise<void> {
  const version = imageVersion();
  coreLog('I', 'dbupgrade.cpp:41', `WhatsApp Business API database upgrade, build v${version} (wa-emulator)`);
  const db = new DbClient(dbConfigFromEnv());
  try {
    await db.connect();
  } catch (e) {
    coreLog('E', 'datastore.cpp:150', `Unable to connect to database: ${errorText(e)}`);
    coreLog('C', 'dbupgrade.cpp:60', 'Database upgrade failed');
    process.exit(1);
  }
  const schema = await db.get<{ version: string }>(KEYS.schema);
  if (envFlag('WA_EMULATOR_FAIL_UPGRADE')) {
    coreLog(
      'E',
      'dbupgrade.cpp:77',
      'Database upgrade failed: migration step "message" aborted (injected by WA_EMULATOR_FAIL_UPGRADE)',
    );
    await sleep(200);
    process.exit(1);
  }
  if (!schema) {
    await db.set(KEYS.schema, { version, by: 'dbupgrade' });
    coreLog('I', 'dbupgrade.cpp:90', `Initialized database schema at v${version}`);
  } else if (compareVersions(version, schema.version) > 0) {
    coreLog('I', 'dbupgrade.cpp:95', `Upgrading database schema from v${schema.version} to v${version}`);
    for (const step of ['config', 'contact', 'message', 'callback', 'jobqueue', 'cluster']) {
      coreLog('I', 'dbupgrade.cpp:99', `migrating ${step} schema`);
      await sleep(MIGRATION_MS / 6);
    }
    await db.set(KEYS.schema, { version, by: 'dbupgrade' });
  } else if (compareVersions(version, schema.version) < 0) {
    coreLog(
      'E',
      'dbupgrade.cpp:104',
      `Database schema v${schema.version} is newer than this build v${version}; refusing to downgrade`,
    );
    process.exit(1);
  } else {
    coreLog('I', 'dbupgrade.cpp:108', `Database schema already at v${version}; nothing to do`);
  }
  coreLog('I', 'dbupgrade.cpp:112', 'Database upgrade completed successfully');
  db.close();
  if (env('EXIT_ON_SUCCESS').toUpperCase() === 'FALSE') {
    coreLog('I', 'dbupgrade.cpp:116', 'EXIT_ON_SUCCESS=FALSE: staying up after success');
    process.on('SIGTERM', () => process.exit(0));
    setInterval(() => undefined, 1 << 30);
    return;
  }
  process.exit(0);
}

export async function runNode(): Promise<void> {
  if (envFlag('WA_DB_UPGRADE')) {
    return runDbUpgrade();
  }
  const version = imageVersion();
  const isMaster = envFlag('WA_MASTER_NODE');
  const multiconnect = envFlag('WA_APP_MULTICONNECT');
  const cid = containerId();
  const name = env('COREAPP_HOSTNAME', cid);
  const key = multiconnect ? `${name}:${cid}` : cid;
  const advertised = env('COREAPP_EXTERNAL_PORTS', INTERNAL_PORTS.join(','))
    .split(',')
    .map((p) => Number(p.trim()));
  const row: NodeRow = {
    key,
    name,
    cid,
    role: isMaster ? 'master' : 'coreapp',
    version,
    host: name,
    ports: advertised,
    multiconnect,
    startedAt: Date.now(),
  };
  coreLog(
    'I',
    'main.cpp:52',
    `WhatsApp Business API ${isMaster ? 'master' : 'coreapp'} v${version} (wa-emulator) starting: node ${key}, multiconnect=${multiconnect ? 1 : 0}`,
  );

  const dbc = dbConfigFromEnv();
  coreLog(
    'D',
    'config.cpp:33',
    `WA_DB_ENGINE=${dbc.engine} WA_DB_HOSTNAME=${dbc.host} WA_DB_PORT=${dbc.port} WA_DB_USERNAME=${dbc.user} COREAPP_HOSTNAME=${name} COREAPP_EXTERNAL_PORTS=${advertised.join(',')}`,
  );
  const db = new DbClient(dbc);
  try {
    await db.connect();
  } catch (e) {
    coreLog('E', 'datastore.cpp:150', errorText(e));
    coreLog('C', 'configstore.cpp:77', 'Unable to initialize ConfigStore');
    process.exit(1);
  }
  coreLog(
    'I',
    'datastore.cpp:162',
    `connected to ${dbConfigFromEnv().engine === 'PGSQL' ? 'PostgreSQL' : 'MySQL'} at ${dbConfigFromEnv().host}:${dbConfigFromEnv().port}`,
  );
  let dbOk = true;
  let lastReconnect = 0;
  const onDisconnect = (): void => {
    dbOk = false;
    coreLog(
      'E',
      'datastore.cpp:201',
      faults.dropDb
        ? 'database connection dropped (fault injection)'
        : 'Lost connection to database server during query',
    );
  };
  db.on('disconnected', onDisconnect);

  // State read from the database every tick.
  let schema: string | null = null;
  let registered = false;
  let shardCount = 1;
  let owners: (string | null)[] = [];
  let settings = effectiveSettings(undefined);
  let primary = false;
  let becamePrimaryAt = 0;
  let migrating = false;
  let myShards: number[] = [];
  let connectingSince = 0;
  let rows: NodeRow[] = [];
  let dbNow = Date.now();
  const lastOk = new Map<string, number>();
  const heartbeatFailing = new Set<string>();
  const unassignedLogged = new Set<number>();
  const stats = { endpoint_requests: 0, callback_requests: 0, heartbeats_answered: 0 };

  const uninitialized = (): boolean => schema === null || compareVersions(version, schema) > 0;

  const health = (): HealthAnswer => {
    if (!dbOk) {
      return {
        errors: [
          {
            code: 1023,
            title: 'Database error occurred',
            details: 'Lost connection to the database. Please check wacore log for details.',
          },
        ],
      };
    }
    const role = isMaster ? (primary ? 'primary_master' : 'secondary_master') : 'coreapp';
    if (uninitialized()) {
      return multiconnect ? { gateway_status: 'uninitialized', role } : { gateway_status: 'uninitialized' };
    }
    if (!multiconnect) {
      if (!registered) {
        return { gateway_status: 'unregistered' };
      }
      return { gateway_status: Date.now() - connectingSince < CONNECT_MS ? 'connecting' : 'connected' };
    }
    if (!registered) {
      if (isMaster && primary) {
        return { gateway_status: 'unregistered', role };
      }
      return {
        errors: [
          {
            code: 1011,
            title: 'Service not ready',
            details: 'Wacore is not instantiated. Please check wacore log for details.',
          },
        ],
      };
    }
    if (isMaster) {
      return { gateway_status: primary && shardCount > 1 ? 'connected' : 'disconnected', role };
    }
    if (myShards.length > 0) {
      return { gateway_status: Date.now() - connectingSince < CONNECT_MS ? 'connecting' : 'connected', role };
    }
    return { gateway_status: 'disconnected', role };
  };

  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    const send = (): void => {
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(faults.malformedJson ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
    };
    if (faults.slowMs > 0) {
      setTimeout(send, faults.slowMs);
    } else {
      send();
    }
  };

  const servers = INTERNAL_PORTS.map((port, index) =>
    http
      .createServer((req, res) => {
        void (async () => {
          const body = await readBody(req).catch(() => '');
          const path = new URL(req.url ?? '/', 'http://x').pathname;
          if (
            index === 3 &&
            handleFaultControl(req, body, res, () => {
              if (faults.dropDb) {
                db.close();
              }
            })
          ) {
            return;
          }
          if (index === 3 && path === '/health') {
            if (faults.hangHealth) {
              return; // never answer
            }
            json(res, 200, health());
          } else if (index === 3 && path === '/stats') {
            json(res, 200, { key, version, stats });
          } else if (index === 2 && path === '/heartbeat') {
            stats.heartbeats_answered++;
            json(res, 200, { key, version, ok: true });
          } else {
            stats.endpoint_requests++;
            json(res, 404, { errors: [{ code: 1006, title: 'Resource not found', details: `unknown path ${path}` }] });
          }
        })();
      })
      .listen(port),
  );

  // Heartbeats: the primary master asks every coreapp every heartbeat_interval (wa-api.md §3).
  const heartbeatOnce = async (): Promise<void> => {
    const timeout = Math.min(2000, settings.heartbeat_interval * 1000);
    await Promise.all(
      rows
        .filter((r) => r.role === 'coreapp' && r.multiconnect)
        .map(async (r) => {
          const port = r.ports[2] ?? 6252;
          try {
            await httpGet(r.host, port, '/heartbeat', timeout);
            lastOk.set(r.key, Date.now());
            if (heartbeatFailing.delete(r.key)) {
              coreLog('I', 'heartbeat.cpp:88', `heartbeat to ${r.key} (${r.host}:${port}) OK again`);
            }
          } catch (e) {
            if (!heartbeatFailing.has(r.key)) {
              heartbeatFailing.add(r.key);
              coreLog('W', 'heartbeat.cpp:93', `heartbeat to ${r.key} (${r.host}:${port}) failed: ${errorText(e)}`);
            }
          }
        }),
    );
  };
  let heartbeatTimer: NodeJS.Timeout | undefined;
  const heartbeatLoop = (): void => {
    heartbeatTimer = setTimeout(
      () => {
        void (async () => {
          if (primary && dbOk && multiconnect) {
            await heartbeatOnce();
            await manage();
          }
          heartbeatLoop();
        })();
      },
      Math.max(100, settings.heartbeat_interval * 1000),
    );
  };

  const manage = async (): Promise<void> => {
    if (!isMaster || !primary || !registered || !dbOk || uninitialized()) {
      return;
    }
    const now = Date.now();
    const unhealthyMs = settings.unhealthy_interval * 1000;
    // Silent = no heartbeat answer for unhealthy_interval while heartbeats were failing (or the node
    // is gone). A node whose last heartbeat answered is not silent just because the next one is
    // not due yet (e.g. right after unhealthy_interval was lowered below heartbeat_interval).
    const answering = (k: string): boolean =>
      lastOk.has(k) && !heartbeatFailing.has(k) && rows.some((r) => r.key === k);
    const healthy = (k: string): boolean => answering(k) || now - (lastOk.get(k) ?? -Infinity) <= unhealthyMs;
    const next = owners.slice(0, shardCount);
    while (next.length < shardCount) {
      next.push(null);
    }
    const candidates = rows
      .filter(
        (r) =>
          r.role === 'coreapp' &&
          r.multiconnect &&
          schema !== null &&
          compareVersions(r.version, schema) <= 0 &&
          healthy(r.key),
      )
      .sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
    for (let i = 0; i < shardCount; i++) {
      const owner = next[i];
      if (owner) {
        // An owner this master never heard of and that has no live row (e.g. after an upgrade
        // recreated every container) is replaced at once; a known one after unhealthy_interval.
        const known = lastOk.has(owner) || rows.some((r) => r.key === owner);
        const last = known ? Math.max(lastOk.get(owner) ?? 0, becamePrimaryAt) : -Infinity;
        if (answering(owner) || now - last <= unhealthyMs) {
          continue;
        }
        coreLog(
          'W',
          'shardmgr.cpp:140',
          `shard ${i}: primary coreapp ${owner} silent for more than unhealthy_interval (${settings.unhealthy_interval}s); replacing it`,
        );
      }
      const pick = candidates.find((c) => !next.includes(c.key));
      next[i] = pick?.key ?? null;
      if (pick) {
        coreLog('I', 'shardmgr.cpp:151', `shard ${i}: promoted ${pick.key} to primary coreapp`);
        unassignedLogged.delete(i);
      } else if (!unassignedLogged.has(i)) {
        unassignedLogged.add(i);
        coreLog(
          'W',
          'shardmgr.cpp:155',
          `shard ${i} of ${shardCount} has no primary coreapp: not enough healthy secondary coreapps (run shards + 1 coreapps)`,
        );
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(owners)) {
      owners = next;
      await db.set(KEYS.shardmap, { owners: next } satisfies ShardMap);
    }
  };

  let lastReconnectLog = 0;
  const tick = async (): Promise<void> => {
    if (!dbOk) {
      if (faults.dropDb || Date.now() - lastReconnect < 1000) {
        return;
      }
      lastReconnect = Date.now();
      try {
        await db.connect();
        dbOk = true;
        coreLog('I', 'datastore.cpp:162', 'reconnected to the database');
      } catch (e) {
        if (Date.now() - lastReconnectLog > 5000) {
          lastReconnectLog = Date.now();
          coreLog('E', 'datastore.cpp:150', `reconnect failed: ${errorText(e)}`);
        }
        return;
      }
    }
    await db.set(KEYS.nodes + key, row, true);
    const v = await db.mget([KEYS.schema, KEYS.registration, KEYS.shards, KEYS.shardmap, KEYS.settings]);
    const list = await db.list(KEYS.nodes);
    dbNow = await db.now();
    rows = Object.values(list as Record<string, NodeRow>).filter((r) => (r.lastSeen ?? 0) >= dbNow - NODE_TTL_MS);
    schema = (v[KEYS.schema] as { version: string } | null)?.version ?? null;
    const wasRegistered = registered;
    registered = (v[KEYS.registration] as Registration | null)?.verified === true;
    const prevShards = shardCount;
    const requested = (v[KEYS.shards] as { count: number } | null)?.count ?? 1;
    shardCount = ALLOWED_SHARDS.includes(requested) ? requested : 1;
    owners = (v[KEYS.shardmap] as ShardMap | null)?.owners ?? [];
    settings = effectiveSettings(v[KEYS.settings]);

    if (isMaster && multiconnect) {
      const holder = await db.lease(MASTER_LEASE, key, LEASE_MS);
      const was = primary;
      primary = holder === key;
      if (primary && !was) {
        becamePrimaryAt = Date.now();
        lastOk.clear();
        coreLog('I', 'master.cpp:210', `acquired the master lease: this node is now the primary master`);
        await heartbeatOnce();
      } else if (!primary && was) {
        coreLog('W', 'master.cpp:215', `lost the master lease to ${holder ?? 'nobody'}; now a secondary master`);
      }
    }
    if (!multiconnect) {
      primary = true;
    }
    // Schema: initialised or upgraded by the primary master (single instance: by the coreapp).
    if (primary && !migrating) {
      if (schema === null) {
        await db.set(KEYS.schema, { version, by: key });
        coreLog('I', 'schema.cpp:30', `initialized database schema at v${version}`);
        schema = version;
      } else if (compareVersions(version, schema) > 0) {
        migrating = true;
        const from = schema;
        coreLog(
          'I',
          'schema.cpp:36',
          `upgrading database schema from v${from} to v${version}; nodes report uninitialized meanwhile`,
        );
        setTimeout(() => {
          void db
            .set(KEYS.schema, { version, by: key })
            .then(
              () => coreLog('I', 'schema.cpp:40', `database schema upgraded to v${version}`),
              (e) => coreLog('E', 'schema.cpp:41', `schema upgrade failed: ${errorText(e)}`),
            )
            .finally(() => {
              migrating = false;
            });
        }, MIGRATION_MS);
      }
    }
    if (isMaster && primary && multiconnect && ((registered && !wasRegistered) || shardCount !== prevShards)) {
      await heartbeatOnce();
    }
    await manage();

    // Coreapp side: connect when the shard map names this node.
    const mine = multiconnect
      ? owners.map((o, i) => (o === key ? i : -1)).filter((i) => i >= 0)
      : registered && !uninitialized()
        ? [0]
        : [];
    if (!isMaster) {
      if (mine.length > 0 && myShards.length === 0) {
        connectingSince = Date.now();
        coreLog(
          'I',
          'chatd.cpp:77',
          `primary coreapp for shard(s) ${mine.join(',')} of ${shardCount}: connecting to WhatsApp servers`,
        );
        setTimeout(() => {
          if (myShards.length > 0) {
            coreLog('I', 'chatd.cpp:81', 'connected to WhatsApp servers');
          }
        }, CONNECT_MS);
      } else if (mine.length === 0 && myShards.length > 0) {
        coreLog('W', 'chatd.cpp:90', 'no longer primary coreapp for any shard; disconnecting (standby)');
      }
    }
    myShards = mine;
  };

  let ticking = false;
  const tickTimer = setInterval(() => {
    if (ticking) {
      return;
    }
    ticking = true;
    tick()
      .catch((e) => coreLog('W', 'main.cpp:120', `tick failed: ${errorText(e)}`))
      .finally(() => {
        ticking = false;
      });
  }, TICK_MS);
  await tick().catch((e) => coreLog('W', 'main.cpp:120', `tick failed: ${errorText(e)}`));
  heartbeatLoop();
  coreLog(
    'I',
    'main.cpp:130',
    `listening on ports ${INTERNAL_PORTS.join(',')} (advertised ${row.host}:${advertised.join(',')})`,
  );

  const stop = (sig: string): void => {
    coreLog('I', 'main.cpp:140', `received ${sig}, shutting down`);
    clearInterval(tickTimer);
    if (heartbeatTimer) {
      clearTimeout(heartbeatTimer);
    }
    for (const s of servers) {
      s.close();
    }
    const done = (): never => process.exit(0);
    if (!dbOk) {
      done();
    }
    void Promise.all([db.del(KEYS.nodes + key), isMaster ? db.release(MASTER_LEASE, key) : Promise.resolve()])
      .catch(() => undefined)
      .finally(done);
    setTimeout(done, 2000);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, timeout: timeoutMs }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`HTTP ${res.statusCode ?? 0}`))));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('Connection timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}
