import fs from 'node:fs';
import os from 'node:os';
import * as vscode from 'vscode';
import { type DiscoveredCluster } from '../cluster/discovery';
import { type HostEngine, hostEngines, inventoryCluster } from '../cluster/hostEngines';
import { type FileReader } from '../compose/types';
import { DockerodeClient } from '../docker/client';
import { type Inventory, loadInventory } from '../inventory/inventory';

const INVENTORY_GLOB = '**/*.inventory.{yml,yaml}';
const EXCLUDE_GLOB = '**/{node_modules,.git,.wa-diagnostics}/**';

/** The workspace's inventories as clusters, with every host's engine. */
export interface InventoryClusters {
  readonly clusters: DiscoveredCluster[];
  readonly engines: Map<string, HostEngine[]>;
  readonly inventories: Inventory[];
}

/** Finds `*.inventory.yml` files; each valid one is one cluster across its hosts (invalid ones are linted, not watched). */
export async function findInventoryClusters(
  reader: FileReader,
  log: vscode.LogOutputChannel,
): Promise<InventoryClusters> {
  const out: InventoryClusters = { clusters: [], engines: new Map(), inventories: [] };
  for (const uri of await vscode.workspace.findFiles(INVENTORY_GLOB, EXCLUDE_GLOB, 20)) {
    const text = reader.read(uri.fsPath);
    const inv = text === undefined ? undefined : loadInventory(uri.fsPath, text).inventory;
    if (!inv) {
      continue;
    }
    const engines = hostEngines(inv, {
      env: process.env,
      homeDir: os.homedir(),
      platform: process.platform,
      readFile: (p) => reader.read(p),
      exists: (p) => fs.existsSync(p),
      reader,
      connect: (endpoint) => DockerodeClient.fromEndpoint(endpoint),
    });
    const cluster = inventoryCluster(inv, engines);
    for (const e of engines) {
      log.info(
        `${cluster.projectName}: host ${e.name} ${e.endpoint?.description ?? `unusable: ${e.problem?.message ?? ''}`}`,
      );
    }
    out.clusters.push(cluster);
    out.engines.set(cluster.id, engines);
    out.inventories.push(inv);
  }
  return out;
}
