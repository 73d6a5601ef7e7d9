// The engines of an inventory's hosts for the commands: a Docker client per host and Compose run
// against that host's endpoint (docker/hostTarget.ts), through a private forwarded socket where
// the CLI cannot verify the engine itself. Never the local engine unless the inventory names it.
import * as path from 'node:path';
import { type EndpointInputs } from './endpoint';
import { type ComposeCommand, ComposeRunner, spawnLines } from './compose';
import { DockerodeClient } from './client';
import { DockerError } from './errors';
import { type EngineForwarder, forwardEngine } from './engineForwarder';
import { type EngineEnv, composeV1Refusal, hostComposeTarget, unixEngineEnv } from './hostTarget';
import { type DockerPort } from './port';
import { inventoryHostEndpoint } from '../inventory/endpoint';
import { type Inventory, type InventoryHost } from '../inventory/inventory';

export class InventoryEngines {
  private readonly clients = new Map<string, DockerPort>();
  private readonly forwarders = new Map<string, Promise<EngineForwarder>>();

  constructor(
    readonly inventory: Inventory,
    private readonly inputs: EndpointInputs,
  ) {}

  host(name: string): InventoryHost {
    const h = this.inventory.hosts.find((x) => x.name === name);
    if (!h) {
      throw new DockerError('unreachable', `The inventory ${this.inventory.path} has no host ${name}`);
    }
    return h;
  }

  private endpoint(name: string) {
    const ep = inventoryHostEndpoint(this.host(name), this.inputs);
    if (!ep.ok) {
      throw ep.error;
    }
    return ep.value;
  }

  /** The Docker engine of a host (one client per host, kept). */
  docker(name: string): DockerPort {
    let c = this.clients.get(name);
    if (!c) {
      c = DockerodeClient.fromEndpoint(this.endpoint(name));
      this.clients.set(name, c);
    }
    return c;
  }

  /** The engine variables that send the docker CLI and Compose to this host. */
  async engineEnv(name: string): Promise<EngineEnv> {
    const target = hostComposeTarget(this.host(name), this.endpoint(name));
    if (target.kind === 'env') {
      return target.env;
    }
    let f = this.forwarders.get(name);
    if (!f) {
      f = forwardEngine(target.endpoint);
      this.forwarders.set(name, f);
    }
    return unixEngineEnv((await f).socketPath);
  }

  /**
   * Compose for the host's files (or `files`, e.g. a DB upgrade service's own) as project
   * `project`, bound to the host's engine: its engine variables win over the environment and
   * whatever a caller passes, so no run of this runner reaches another engine.
   */
  async composeRunner(
    name: string,
    command: ComposeCommand,
    project: string,
    files?: readonly string[],
  ): Promise<ComposeRunner> {
    const h = this.host(name);
    const refused =
      command.flavor === 'v1' ? composeV1Refusal(hostComposeTarget(h, this.endpoint(name)), name) : undefined;
    if (refused) {
      throw new DockerError('unreachable', refused);
    }
    const all = files ?? h.composeFiles;
    const engine = await this.engineEnv(name);
    return new ComposeRunner(
      command,
      {
        files: all,
        projectName: project,
        projectDirectory: path.dirname(h.composeFiles[0] ?? all[0] ?? this.inventory.dir),
        envFiles: h.envFiles,
      },
      (cmd, args, opts) => spawnLines(cmd, args, { ...opts, env: { ...opts.env, ...engine } }),
    );
  }

  async close(): Promise<void> {
    const all = [...this.forwarders.values()];
    this.forwarders.clear();
    await Promise.all(
      all.map((f) =>
        f.then(
          (x) => x.close(),
          () => undefined,
        ),
      ),
    );
  }
}
