import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { type HostServices, declaredOnHost, inventoryForFiles, inventoryProject } from '../cluster/hostPlacement';
import { nodeFileReader } from '../compose/nodeReader';
import { type ComposeRunner } from '../docker/compose';
import { type ContainerSummary } from '../docker/types';
import { InventoryEngines } from '../docker/inventoryEngines';
import { type Inventory, loadInventory } from '../inventory/inventory';
import { type ClusterSession } from '../host/clusterSessions';
import { type Services } from '../host/services';

/** A cluster that an inventory spreads over several hosts, with each host's engine, for one command. */
export interface InventoryCluster {
  readonly inventory: Inventory;
  readonly engines: InventoryEngines;
  /** The Compose project its hosts run. */
  readonly project: string;
  /** Each host's declared services and running containers (none when its engine does not answer). */
  readonly hosts: readonly (HostServices & { readonly containers: readonly ContainerSummary[] })[];
  /** Compose on one host, bound to its engine. */
  runner(host: string, files?: readonly string[]): Promise<ComposeRunner>;
  dispose(): Promise<void>;
}

/** The workspace's valid inventories (an invalid one is left to the inventory lint). */
async function workspaceInventories(): Promise<Inventory[]> {
  const uris = await vscode.workspace.findFiles('**/*.inventory.{yml,yaml}', '**/node_modules/**', 50);
  return uris.flatMap((u) => {
    const text = nodeFileReader.read(u.fsPath);
    const inventory = text === undefined ? undefined : loadInventory(u.fsPath, text).inventory;
    return inventory ? [inventory] : [];
  });
}

/**
 * The inventory of a session's cluster, opened for one command (dispose it afterwards), or
 * undefined when the workspace has none for it: the command then runs as on one host.
 */
export async function inventoryClusterFor(
  services: Services,
  session: ClusterSession,
): Promise<InventoryCluster | undefined> {
  const inventory = inventoryForFiles(await workspaceInventories(), session.cluster.files);
  if (!inventory) {
    return undefined;
  }
  const command = await services.sessions.detectComposeCommand();
  if (!command) {
    throw new Error(
      vscode.l10n.t(
        'Neither "docker compose" nor "docker-compose" works on this machine. Install Docker Compose, or set waCluster.compose.command.',
      ),
    );
  }
  const engines = new InventoryEngines(inventory, {
    env: process.env,
    homeDir: os.homedir(),
    platform: process.platform,
    readFile: (p) => nodeFileReader.read(p),
    exists: (p) => fs.existsSync(p),
  });
  const hosts = await Promise.all(
    inventory.hosts.map(async (h) => {
      let containers: ContainerSummary[] = [];
      try {
        containers = await engines.docker(h.name).listContainers(undefined);
      } catch (err) {
        services.log.warn(`host ${h.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { host: h.name, declared: declaredOnHost(h, nodeFileReader, process.env), containers };
    }),
  );
  const project = inventoryProject(
    hosts.flatMap((h) => h.containers),
    session.cluster.dir,
    session.cluster.projectName,
  );
  return {
    inventory,
    engines,
    project,
    hosts: hosts.map((h) => {
      const mine = h.containers.filter((c) => c.project === project);
      return {
        ...h,
        containers: mine,
        running: mine.filter((c) => c.state === 'running').map((c) => c.service ?? ''),
      };
    }),
    runner: (host, files) => engines.composeRunner(host, command, project, files),
    dispose: () => engines.close(),
  };
}
