import fs from 'node:fs';
import os from 'node:os';
import { type HostEngine, hostEngines, inventoryProjectName } from './cluster/hostEngines';
import { nodeFileReader } from './compose/nodeReader';
import { DockerodeClient } from './docker/client';
import { type Inventory, loadInventory } from './inventory/inventory';

/** What `status --inventory FILE` watches: every host's engine, the cluster's project, its web. */
export interface InventoryStatusSource {
  readonly inventory: Inventory;
  readonly engines: HostEngine[];
  readonly projectName: string | undefined;
}

/** Reads and validates the inventory and connects one client per host; a problem in words otherwise. */
export function inventoryStatusSource(file: string): InventoryStatusSource | string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return `--inventory ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  const loaded = loadInventory(file, text);
  if (!loaded.inventory) {
    const first = loaded.issues[0];
    return `--inventory ${file}: ${first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'not an inventory'} (run "wa-cluster lint --inventory ${file}")`;
  }
  const engines = hostEngines(loaded.inventory, {
    env: process.env,
    homeDir: os.homedir(),
    platform: process.platform,
    readFile: (p) => nodeFileReader.read(p),
    exists: (p) => fs.existsSync(p),
    reader: nodeFileReader,
    connect: (endpoint) => DockerodeClient.fromEndpoint(endpoint),
  });
  return { inventory: loaded.inventory, engines, projectName: inventoryProjectName(engines) };
}
