/**
 * A dockerd of the test's own (own socket, data root, exec root and managed containerd; no bridge,
 * no iptables), so a test can stop and restart "the engine" without touching the machine's
 * daemon or anybody's containers. Needs root and the dockerd binary (Debian docker.io).
 * It runs in a network namespace of its own: a dockerd started with `--bridge none` deletes the
 * namespace's `docker0`, which in the root namespace is the machine daemon's default bridge.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exec } from '../emulator/src/harness';

/** A tiny image for the private engine: the host's sleep and the libraries it needs (no registry). */
export const SLEEP_IMAGE = 'wa-private/sleep:1';

export interface PrivateDockerdOptions {
  /**
   * Publish container ports inside the engine's network namespace through docker-proxy (the
   * namespace's loopback is brought up); reach them from the test with {@link PrivateDockerd.forwardPort}.
   */
  readonly publishPorts?: boolean;
  /** dockerd's --shutdown-timeout: how long a stop waits for containers before killing them (dockerd's default 15 s). */
  readonly shutdownTimeoutSeconds?: number;
}

export class PrivateDockerd {
  constructor(private readonly options: PrivateDockerdOptions = {}) {}

  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-dockerd-'));
  readonly socket = path.join(this.root, 'docker.sock');
  readonly host = `unix://${this.socket}`;
  private readonly pidFile = path.join(this.root, 'dockerd.pid');
  private readonly netns = `wa-pd-${process.pid}-${path.basename(this.root).slice(-6)}`;

  /** `docker` CLI arguments against this engine. */
  docker(args: string[], timeoutMs = 60_000): ReturnType<typeof exec> {
    return exec('docker', ['-H', this.host, ...args], { timeoutMs });
  }

  async running(): Promise<boolean> {
    return (
      (await this.docker(['version', '--format', '{{.Server.Version}}'], 5000).catch(() => ({ code: 1 }))).code === 0
    );
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const config = path.join(this.root, 'daemon.json');
    fs.writeFileSync(config, '{}');
    const log = fs.openSync(path.join(this.root, 'dockerd.log'), 'a');
    const args = [
      '--config-file',
      config,
      '--data-root',
      path.join(this.root, 'data'),
      '--exec-root',
      path.join(this.root, 'exec'),
      '--pidfile',
      this.pidFile,
      '-H',
      this.host,
      '--bridge',
      'none',
      '--iptables=false',
      '--ip-masq=false',
      `--userland-proxy=${this.options.publishPorts ? 'true' : 'false'}`,
      ...(this.options.shutdownTimeoutSeconds !== undefined
        ? ['--shutdown-timeout', String(this.options.shutdownTimeoutSeconds)]
        : []),
      '--log-level',
      'warn',
    ];
    if (!fs.existsSync(`/var/run/netns/${this.netns}`)) {
      const r = await exec('ip', ['netns', 'add', this.netns]);
      if (r.code !== 0) {
        throw new Error(`ip netns add ${this.netns} failed: ${r.stderr}`);
      }
    }
    if (this.options.publishPorts) {
      // A new namespace's loopback is down: docker-proxy could not bind 127.0.0.1 in it.
      const r = await exec('nsenter', [`--net=/var/run/netns/${this.netns}`, 'ip', 'link', 'set', 'lo', 'up']);
      if (r.code !== 0) {
        throw new Error(`bringing up lo in ${this.netns} failed: ${r.stderr}`);
      }
    }
    // nsenter, not `ip netns exec`: that one remounts /sys and hides the cgroup mounts dockerd needs.
    spawn('nsenter', [`--net=/var/run/netns/${this.netns}`, 'dockerd', ...args], {
      stdio: ['ignore', log, log],
      detached: true,
    }).unref();
    fs.closeSync(log);
    const deadline = Date.now() + timeoutMs;
    while (!(await this.running())) {
      if (Date.now() > deadline) {
        throw new Error(`private dockerd did not start; see ${path.join(this.root, 'dockerd.log')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGTERM, as `systemctl stop docker` does; resolves once the daemon (and its containerd) exited. */
  async stop(timeoutMs = 60_000): Promise<void> {
    const pid = Number(fs.existsSync(this.pidFile) ? fs.readFileSync(this.pidFile, 'utf8').trim() : NaN);
    if (!Number.isFinite(pid)) {
      return;
    }
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        process.kill(pid, 0);
      } catch {
        // containerd follows its dockerd; give it a moment to unmount
        await new Promise((r) => setTimeout(r, 500));
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`private dockerd ${pid} did not stop`);
  }

  /** Imports {@link SLEEP_IMAGE} (a rootfs of /bin/sleep and its shared libraries). */
  async importSleepImage(): Promise<void> {
    const rootfs = path.join(this.root, 'rootfs');
    const ldd = await exec('ldd', ['/bin/sleep']);
    for (const f of ['/bin/sleep', ...[...ldd.stdout.matchAll(/(\/\S+)/g)].map((m) => m[1]!)]) {
      fs.mkdirSync(path.join(rootfs, path.dirname(f)), { recursive: true });
      fs.copyFileSync(fs.realpathSync(f), path.join(rootfs, f));
      fs.chmodSync(path.join(rootfs, f), 0o755);
    }
    const r = await exec('sh', ['-c', `tar -C '${rootfs}' -c . | docker -H '${this.host}' import - ${SLEEP_IMAGE}`]);
    if (r.code !== 0) {
      throw new Error(`import failed: ${r.stderr}`);
    }
  }

  /**
   * Makes 127.0.0.1:`port` of the engine's namespace (a port its containers publish, see
   * {@link PrivateDockerdOptions.publishPorts}) answer on 127.0.0.1:`localPort` of the test's own: a
   * listener here pipes each connection through a unix socket (file system, shared by both
   * namespaces) to a small forwarder started inside the engine's namespace. Survives restarts of
   * the engine: every connection is forwarded anew.
   */
  async forwardPort(port: number, localPort = port): Promise<{ close(): Promise<void> }> {
    const socket = path.join(this.root, `forward-${port}.sock`);
    const inside = `const net = require('node:net');
const [socket, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), '127.0.0.1');
  c.pipe(u).on('error', () => u.destroy());
  u.pipe(c).on('error', () => c.destroy());
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
}).listen(socket);`;
    const child = spawn(
      'nsenter',
      [`--net=/var/run/netns/${this.netns}`, process.execPath, '-e', inside, socket, String(port)],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(socket)) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill();
        throw new Error(`the forwarder for port ${port} in ${this.netns} did not start`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const open = new Set<net.Socket>();
    const server = net.createServer((c) => {
      const u = net.connect(socket);
      open.add(c).add(u);
      c.on('close', () => open.delete(c));
      u.on('close', () => open.delete(u));
      c.pipe(u).on('error', () => u.destroy());
      u.pipe(c).on('error', () => c.destroy());
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(localPort, '127.0.0.1', resolve));
    return {
      close: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const s of open) {
          s.destroy();
        }
        await closed;
        child.kill();
      },
    };
  }

  /** Stops the daemon and deletes its folder and network namespace. */
  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined);
    await exec('ip', ['netns', 'del', this.netns]).catch(() => undefined);
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
