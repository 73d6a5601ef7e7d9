// npm run emulator -- up|down [--volumes]|status|build   [--dir <folder>] [--port <n>] [--version <x.y.z>] [--project <name>] [--compose v1|v2]
//
// Runs the wa-emulator cluster (test/emulator) with the real Compose CLI in a demo workspace
// (default .demo/biz/, the one `npm start` runs, so `status` finds the demo's cluster):
// multiconnect-compose.yml, db.env, .env (WA_API_VERSION) and friends. The project is the one the
// workspace remembers, else the folder's name (as Compose itself names it).
// `up` starts the documented HA set (db, waweb, master1, master2, wacore1, wacore2); the web answers
// on https://127.0.0.1:9090. --compose v2 runs `docker compose` (containers <project>-<service>-1),
// v1 `docker-compose` (<project>_<service>_1); default: v2 when installed (the workspace remembers
// the choice). Needs `npm run build` first (uses out/test/emulator/src/harness.js).
//
// With `--hosts N` (up|down [--volumes]|status): the multi-host bench of test/emulator/src/multihost.ts,
// N cluster hosts + a database host, each a dockerd in its own network namespace (needs root);
// workspace .demo/hosts/ (override with --dir), inventory wa-cluster.inventory.yml.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const harnessPath = path.join(root, 'out/test/emulator/src/harness.js');
if (!fs.existsSync(harnessPath)) {
  console.error(`${path.relative(root, harnessPath)} is missing: run \`npm run build\` first.`);
  process.exit(2);
}
const h = createRequire(import.meta.url)(harnessPath);

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const command =
  argv.find((a, i) => !a.startsWith('--') && !(i > 0 && /^--(dir|port|version|project|hosts)$/.test(argv[i - 1]))) ??
  'status';
if (argv.includes('--hosts')) {
  const mh = createRequire(import.meta.url)(path.join(root, 'out/test/emulator/src/multihost.js'));
  const hosts = Number(opt('hosts', '3'));
  const hdir = path.resolve(root, opt('dir', '.demo/hosts'));
  const run = async () => {
    if (command === 'up') {
      const t0 = Date.now();
      // Interrupted half-way: take down whatever was started (namespaces, engines, sshd), then exit.
      const interrupted = () => {
        console.error('interrupted: tearing the bench down');
        mh.stopHosts({ hosts, volumes: true }).finally(() => process.exit(130));
      };
      process.once('SIGINT', interrupted);
      process.once('SIGTERM', interrupted);
      const b = await mh.startHosts({
        hosts,
        dir: hdir,
        version: opt('version', h.OLD_VERSION),
        log: (l) => console.log(l),
      });
      await h.waitForHealth(b.webUrl, (x) => Object.keys(x.health).length >= 2 * hosts, {
        apiKey: b.apiKey,
        timeoutMs: 60000,
      });
      console.log(`${hosts} hosts up and answering health in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      console.log(`  Inventory: ${b.inventoryPath}`);
      console.log(`  Web API:   ${b.webUrl}   (any host's :9090; CA certificate: ${h.caCertPath})`);
      for (const x of [b.db, ...b.hosts]) {
        console.log(`  ${x.name.padEnd(6)} ${x.address.padEnd(13)} ${x.endpoint}`);
      }
      console.log(`  Stop:      npm run emulator -- down --hosts ${hosts} [--volumes]`);
    } else if (command === 'down') {
      await mh.stopHosts({
        hosts,
        volumes: argv.includes('--volumes') || argv.includes('-v'),
        log: (l) => console.log(l),
      });
      const left = await mh.benchLeftovers();
      console.log(left.length === 0 ? 'nothing left of the bench' : `still there: ${left.join(', ')}`);
    } else if (command === 'status') {
      const b = mh.runningBench();
      if (!b) {
        console.log('no multi-host bench is up');
        return;
      }
      const r = await h.api(b.webUrl, 'GET', '/v1/health', { apiKey: b.apiKey, timeoutMs: 5000 });
      console.log(`GET ${b.webUrl}/v1/health → ${r.status}`);
      console.log(JSON.stringify(r.body ?? r.text, null, 2));
    } else {
      throw new Error(
        'usage: npm run emulator -- up|down [--volumes]|status --hosts N [--dir <folder>] [--version <x.y.z>]',
      );
    }
  };
  run().then(
    () => process.exit(0),
    (e) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exit(1);
    },
  );
} else {
  const dir = path.resolve(root, opt('dir', '.demo/biz'));
  const port = Number(opt('port', '9090'));
  const stateFile = path.join(dir, '.emulator.json');
  const saved = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : {};
  const version = opt('version', saved.version ?? h.OLD_VERSION);
  const project = opt(
    'project',
    saved.project ??
      path
        .basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9_-]/g, ''),
  );
  const composeFlavor = opt('compose', saved.compose ?? h.composeFlavor());
  if (composeFlavor !== 'v1' && composeFlavor !== 'v2') {
    console.error(`--compose must be v1 or v2, not "${composeFlavor}"`);
    process.exit(2);
  }
  const cli = h.composeCli(composeFlavor);

  function workspace() {
    const ws = h.writeWorkspace({
      dir,
      project,
      version,
      webPort: saved.port && !argv.includes('--port') ? saved.port : port,
      compose: composeFlavor,
    });
    fs.writeFileSync(
      stateFile,
      JSON.stringify({ project, version, port: ws.webPort, compose: composeFlavor }, null, 2) + '\n',
    );
    return ws;
  }

  async function main() {
    switch (command) {
      case 'build': {
        const r = await h.buildImages({ log: (l) => console.log(l) });
        console.log(
          `images ready in ${(r.ms / 1000).toFixed(1)} s (built ${r.built.length}, cached ${r.cached.length})`,
        );
        console.log(`docker build context: ${path.relative(root, path.join(h.cacheDir, 'ctx'))}`);
        return;
      }
      case 'up': {
        const t0 = Date.now();
        const r = await h.buildImages({ log: (l) => console.log(l) });
        console.log(`images ready in ${(r.ms / 1000).toFixed(1)} s`);
        const ws = workspace();
        console.log(`workspace: ${ws.dir} (project ${ws.project}, WA_API_VERSION=${ws.version})`);
        console.log(
          `$ ${[cli.command, ...cli.baseArgs].join(' ')} -p ${ws.project} -f multiconnect-compose.yml up -d ${h.HA_SERVICES.join(' ')}`,
        );
        const t1 = Date.now();
        await h.up(ws, h.HA_SERVICES);
        await h.waitForHealth(ws, (x) => Object.keys(x.health).length >= 4, { timeoutMs: 30000 });
        console.log(
          `containers: ${h.HA_SERVICES.map((s) => h.containerName(composeFlavor, ws.project, s)).join(', ')} (Compose ${composeFlavor})`,
        );
        console.log(
          `cluster up and answering health ${((Date.now() - t1) / 1000).toFixed(1)} s after \`up\` (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`,
        );
        console.log('');
        console.log(`  Web API:  ${ws.baseUrl}   (self-signed; CA certificate: ${h.caCertPath})`);
        console.log('  Log in:   POST /v1/users/login with Basic auth admin / secret;');
        console.log(
          '            the first login must set a new password: body {"new_password": "…"} (error 1024 otherwise)',
        );
        console.log(
          `  Try:      curl --cacert ${h.caCertPath} -u admin:secret -X POST ${ws.baseUrl}/v1/users/login -H 'content-type: application/json' -d '{"new_password":"${h.DEFAULT_PASSWORD}"}'`,
        );
        console.log(
          `  Health:   curl --cacert ${h.caCertPath} -H 'Authorization: Apikey ${h.DEFAULT_API_KEY}' ${ws.baseUrl}/v1/health`,
        );
        console.log(`  Register: POST /v1/account, then POST /v1/account/verify {"code":"123456"}`);
        console.log(`  Stop:     npm run emulator -- down [--volumes]`);
        return;
      }
      case 'down': {
        if (!fs.existsSync(path.join(dir, 'multiconnect-compose.yml'))) {
          console.log(`nothing to stop: no workspace in ${dir}`);
          return;
        }
        const ws = workspace();
        const volumes = argv.includes('--volumes') || argv.includes('-v');
        await h.down(ws, { volumes });
        console.log(
          volumes
            ? `stopped and removed the cluster and its data (${ws.project})`
            : `stopped the cluster (${ws.project}); data kept — \`down --volumes\` deletes it`,
        );
        return;
      }
      case 'status': {
        if (!fs.existsSync(path.join(dir, 'multiconnect-compose.yml'))) {
          console.log(`no emulator workspace in ${dir}; run \`npm run emulator -- up\``);
          return;
        }
        const ws = workspace();
        const ps = await h.compose(ws, ['ps'], { check: false });
        console.log(ps.stdout || ps.stderr);
        try {
          const r = await h.api(ws, 'GET', '/v1/health', { apiKey: ws.apiKey ?? undefined, timeoutMs: 5000 });
          console.log(`GET ${ws.baseUrl}/v1/health → ${r.status}`);
          console.log(JSON.stringify(r.body ?? r.text, null, 2));
        } catch (e) {
          console.log(`web not answering on ${ws.baseUrl}: ${e instanceof Error ? e.message : String(e)}`);
        }
        return;
      }
      default:
        console.error(
          'usage: npm run emulator -- up|down [--volumes]|status|build [--dir <folder>] [--port <n>] [--version <x.y.z>] [--project <name>] [--compose v1|v2]',
        );
        process.exit(2);
    }
  }

  main().catch((e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
