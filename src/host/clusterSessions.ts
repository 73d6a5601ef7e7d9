import * as vscode from 'vscode';
import { type WaApiClient } from '../api/client';
import { DiscoveryMemo, discoverClustersStepwise, type DiscoveredCluster } from '../cluster/discovery';
import { ClusterMonitor, type MonitorChange } from '../cluster/monitor';
import { type ClusterSnapshot } from '../cluster/types';
import { nodeFileReader } from '../compose/nodeReader';
import { type FileReader } from '../compose/types';
import { type Settings } from '../config/schema';
import { type SettingsStore } from '../config/settings';
import { historyLines, ExpectedChanges } from '../cluster/announcements';
import { chooseViewState, type ViewState } from '../cluster/viewState';
import { ContextKeys } from '../constants';
import { DockerodeClient } from '../docker/client';
import { parseComposeCommandSetting } from '../config/composeCommand';
import { ComposeRunner, detectCompose, spawnLines, type ComposeCommand } from '../docker/compose';
import { engineEnvForHostSetting } from '../docker/hostTarget';
import { type DockerError } from '../docker/errors';
import { type DockerPort } from '../docker/port';
import { type ApiAccess } from './apiAccess';
import { disposeAll } from '../util/disposable';
import { type HostEngine, withoutInventoryFiles } from '../cluster/hostEngines';
import { type InventoryClusters, findInventoryClusters } from './inventorySessions';

/** One cluster of the workspace, live: its compose definition, its monitor and its API client. */
export interface ClusterSession {
  readonly cluster: DiscoveredCluster;
  readonly monitor: ClusterMonitor;
  readonly apiUrl: string;
  readonly api: WaApiClient | undefined;
  readonly snapshot: ClusterSnapshot | undefined;
}

class Session implements ClusterSession, vscode.Disposable {
  private subscription: { dispose(): void } | undefined;

  constructor(
    public cluster: DiscoveredCluster,
    readonly monitor: ClusterMonitor,
    readonly apiUrl: string,
    readonly api: WaApiClient | undefined,
    private readonly onChange: (session: Session, change: MonitorChange) => void,
  ) {}

  get snapshot(): ClusterSnapshot | undefined {
    return this.monitor.snapshot;
  }

  /** Listening starts the monitor (events + polls); letting go pauses it. */
  listen(on: boolean): void {
    if (on && !this.subscription) {
      this.subscription = this.monitor.onDidChange((change) => this.onChange(this, change));
    } else if (!on && this.subscription) {
      this.subscription.dispose();
      this.subscription = undefined;
    }
  }

  dispose(): void {
    this.listen(false);
    this.monitor.dispose();
  }
}

const COMPOSE_GLOB = '**/*compose*.{yml,yaml}';
const EXCLUDE_GLOB = '**/{node_modules,.git,.wa-diagnostics}/**';

/**
 * Finds the workspace's clusters and keeps one live session per cluster. Monitors run while the
 * explorer is visible or the window has focus, and pause otherwise (no polling in the background).
 */
export class ClusterSessions implements vscode.Disposable {
  private sessions = new Map<string, Session>();
  private docker: DockerPort | undefined;
  private dockerProblem: DockerError | undefined;
  private dockerHost: string | undefined;
  private active = true;
  private rediscovering: Promise<void> | undefined;
  private rediscoverAgain: Promise<void> | undefined;
  private composeCommand:
    { setting: string; detected: Promise<ComposeCommand | undefined>; value: ComposeCommand | undefined } | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Clusters that span several Docker hosts (an inventory in the workspace), by cluster id. */
  private inventories: InventoryClusters = { clusters: [], engines: new Map(), inventories: [] };
  /** What the last discovery found per project: unchanged projects are not parsed again. */
  private readonly discoveryMemo = new DiscoveryMemo();

  private readonly sessionsChanged = new vscode.EventEmitter<void>();
  /** Clusters were added, removed or reconnected. */
  readonly onDidChangeSessions = this.sessionsChanged.event;
  private readonly clusterChanged = new vscode.EventEmitter<{ session: ClusterSession; change: MonitorChange }>();
  /** A cluster's snapshot changed (with the diff). */
  readonly onDidChangeCluster = this.clusterChanged.event;

  constructor(
    private readonly settings: SettingsStore,
    private readonly access: ApiAccess,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(this.sessionsChanged, this.clusterChanged);
  }

  get all(): readonly ClusterSession[] {
    return [...this.sessions.values()];
  }

  get(id: string): ClusterSession | undefined {
    return this.sessions.get(id);
  }

  /** The Docker client shared by every cluster (undefined when the endpoint setting is unusable). */
  get dockerPort(): DockerPort | undefined {
    return this.docker;
  }

  /**
   * The Compose CLI for a cluster (`-f` files, `-p` project, project directory), once the command
   * (setting, else `docker compose`, else `docker-compose`) has been detected; see {@link detectComposeCommand}.
   */
  composeRunner(session: ClusterSession): ComposeRunner | undefined {
    const command = this.composeCommand?.value;
    if (!command) {
      return undefined;
    }
    const c = session.cluster;
    const engine = engineEnvForHostSetting(this.settings.value.dockerHost);
    return new ComposeRunner(
      command,
      {
        files: c.files,
        projectName: c.projectName,
        projectDirectory: c.dir,
        envFiles: c.envFile ? [c.envFile] : [],
      },
      engine ? (cmd, args, opts) => spawnLines(cmd, args, { ...opts, env: { ...opts.env, ...engine } }) : undefined,
    );
  }

  /** Detects the Compose command for the current setting (cached until the setting changes). */
  detectComposeCommand(): Promise<ComposeCommand | undefined> {
    const setting = this.settings.value.composeCommand.trim();
    if (this.composeCommand?.setting !== setting) {
      let configured: string[] | undefined;
      try {
        configured = setting ? parseComposeCommandSetting(setting) : undefined;
      } catch (err) {
        this.log.warn(err instanceof Error ? err.message : String(err));
        configured = undefined;
      }
      const entry: {
        setting: string;
        detected: Promise<ComposeCommand | undefined>;
        value: ComposeCommand | undefined;
      } = {
        setting,
        value: undefined,
        detected: detectCompose({ configured }).then((c) => {
          entry.value = c;
          this.log.info(
            c
              ? `Compose: ${[c.command, ...c.baseArgs].join(' ')} ${c.version ?? ''}`
              : 'Compose: neither "docker compose" nor "docker-compose" works',
          );
          return c;
        }),
      };
      this.composeCommand = entry;
    }
    return this.composeCommand.detected;
  }

  /** Which containers change on purpose right now (cluster/announcements.ts). */
  readonly expected = new ExpectedChanges(() => Date.now());

  /**
   * Containers of this cluster start and stop because the user asked (Up, Down, Upgrade…): for a
   * while that is no news. `services` narrows it to the services the command named.
   */
  expectChanges(session: ClusterSession, ms: number, services?: readonly string[]): void {
    this.expected.expect(session.cluster.projectName, ms, services);
  }

  /** Runs monitors (view visible or window focused) or pauses them. */
  setActive(active: boolean): void {
    this.active = active;
    for (const s of this.sessions.values()) {
      s.listen(active);
    }
  }

  /** Re-reads the workspace's compose files; keeps sessions whose files are unchanged. */
  rediscover(): Promise<void> {
    if (this.rediscovering) {
      // Files changed while a discovery was reading them: read once more when it is done.
      const again = () => {
        this.rediscoverAgain = undefined;
        return this.rediscover();
      };
      this.rediscoverAgain ??= this.rediscovering.then(again, again);
      return this.rediscoverAgain;
    }
    this.rediscovering = this.doRediscover().finally(() => {
      this.rediscovering = undefined;
    });
    return this.rediscovering;
  }

  /** Drops every session and connection, then rediscovers (settings changed, signed in). */
  async reconnect(): Promise<void> {
    // A discovery in flight would create its sessions on the connections dropped here: let it finish first.
    while (this.rediscovering) {
      await this.rediscovering.catch(() => undefined);
    }
    for (const s of this.sessions.values()) {
      s.dispose();
    }
    this.sessions.clear();
    this.docker = undefined;
    this.dockerHost = undefined;
    await this.rediscover();
  }

  /** A full refresh of every cluster now; resolves when every snapshot is fresh. */
  async refresh(): Promise<void> {
    await this.rediscover();
    await Promise.all([...this.sessions.values()].map((s) => s.monitor.refresh()));
  }

  /** The view state that picks the welcome content. */
  viewState(): ViewState {
    return this.viewChoice().state;
  }

  /** The state and Docker problem that pick the welcome content (decided in cluster/viewState.ts). */
  private viewChoice(): { state: ViewState; dockerProblem: string } {
    return chooseViewState({
      clusters: this.sessions.size,
      endpointProblem: this.dockerProblem,
      snapshots: [...this.sessions.values()].map((s) => s.snapshot),
    });
  }

  /** Why Docker cannot be reached, in words, when it cannot. */
  dockerProblemMessage(): string | undefined {
    if (this.dockerProblem) {
      return this.dockerProblem.message;
    }
    return [...this.sessions.values()].map((s) => s.snapshot?.engine.problem?.message).find((m) => m !== undefined);
  }

  private async doRediscover(): Promise<void> {
    const settings = this.settings.value;
    void this.detectComposeCommand();
    const found = await this.findClusters(settings);
    // After the search: the sessions made below use the Docker client of now.
    this.ensureDocker(settings);
    const next = new Map<string, Session>();
    let changed = false;
    for (const cluster of found) {
      const existing = this.sessions.get(cluster.id);
      if (
        existing &&
        existing.cluster.projectName === cluster.projectName &&
        existing.apiUrl === this.access.apiUrl(cluster)
      ) {
        existing.cluster = cluster;
        next.set(cluster.id, existing);
      } else {
        existing?.dispose();
        next.set(cluster.id, await this.createSession(cluster, settings));
        changed = true;
      }
    }
    for (const [id, s] of this.sessions) {
      if (!next.has(id)) {
        s.dispose();
        changed = true;
      }
    }
    this.sessions = next;
    if (changed) {
      this.sessionsChanged.fire();
    }
    await this.updateContext();
  }

  private ensureDocker(settings: Settings): void {
    if (this.docker && this.dockerHost === settings.dockerHost) {
      return;
    }
    this.dockerHost = settings.dockerHost;
    const created = DockerodeClient.create({ hostSetting: settings.dockerHost || undefined });
    if (created.ok) {
      this.docker = created.value;
      this.dockerProblem = undefined;
      this.log.info(`Docker endpoint: ${created.value.endpoint}`);
    } else {
      this.docker = undefined;
      this.dockerProblem = created.error;
      this.log.warn(`Docker endpoint unusable: ${created.error.message}`);
    }
  }

  private async findClusters(settings: Settings): Promise<DiscoveredCluster[]> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const reader = documentAwareReader();
    const clusters: DiscoveredCluster[] = [];
    for (const folder of folders) {
      const configured = settings.composeFiles.map((f) => vscode.Uri.joinPath(folder.uri, f).fsPath);
      const candidates =
        configured.length > 0
          ? []
          : (await vscode.workspace.findFiles(new vscode.RelativePattern(folder, COMPOSE_GLOB), EXCLUDE_GLOB, 200)).map(
              (u) => u.fsPath,
            );
      // One project at a time: with many projects the editor keeps typing and linting meanwhile.
      clusters.push(
        ...(await discoverClustersStepwise(
          {
            candidates,
            configuredFiles: configured,
            projectName: settings.projectName,
            reader,
            env: process.env,
            memo: this.discoveryMemo,
          },
          () => new Promise((resolve) => setImmediate(resolve)),
        )),
      );
    }
    this.discoveryMemo.forgetUnused();
    this.inventories = await findInventoryClusters(reader, this.log);
    return [...this.inventories.clusters, ...withoutInventoryFiles(clusters, this.inventories.inventories)];
  }

  /** Every host's engine of a cluster that spans several hosts (undefined: one engine). */
  hostEngines(session: ClusterSession): readonly HostEngine[] | undefined {
    return this.inventories.engines.get(session.cluster.id);
  }

  private async createSession(cluster: DiscoveredCluster, settings: Settings): Promise<Session> {
    const apiUrl = this.access.apiUrl(cluster);
    let api: WaApiClient | undefined;
    try {
      api = await this.access.client(cluster, settings);
    } catch (err) {
      this.log.warn(`API for ${cluster.projectName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const monitor = new ClusterMonitor({
      project: cluster.projectName,
      docker: this.docker,
      hosts: this.inventories.engines.get(cluster.id),
      health: api ? (signal) => api.health({ signal }) : undefined,
      shards: api ? (signal) => api.getShards({ signal }) : undefined,
      declared: () => this.sessions.get(cluster.id)?.cluster.declared ?? cluster.declared,
      pollIntervalMs: settings.pollIntervalSeconds * 1000,
      translate: vscode.l10n.t,
    });
    const session = new Session(cluster, monitor, apiUrl, api, (s, change) => {
      // The output channel keeps the cluster's history: what changed, and when.
      for (const line of historyLines(cluster.projectName, change, this.expected)) {
        this.log.info(line);
      }
      this.clusterChanged.fire({ session: s, change });
      void this.updateContext();
    });
    session.listen(this.active);
    this.log.info(
      `cluster ${cluster.projectName} (${cluster.files.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}), API ${apiUrl}${api ? '' : ' (not signed in)'}`,
    );
    return session;
  }

  private lastState: string | undefined;

  private async updateContext(): Promise<void> {
    const { state, dockerProblem: problem } = this.viewChoice();
    const key = `${state}|${problem}`;
    if (key !== this.lastState) {
      this.lastState = key;
      await vscode.commands.executeCommand('setContext', ContextKeys.state, state);
      await vscode.commands.executeCommand('setContext', ContextKeys.dockerProblem, problem);
    }
  }

  dispose(): void {
    disposeAll(this.sessions.values(), this.disposables);
    this.sessions.clear();
  }
}

/** Reads compose and env files, preferring unsaved editor text over the disk. */
function documentAwareReader(): FileReader {
  const open = new Map(
    vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file').map((d) => [d.uri.fsPath, d]),
  );
  return {
    read(path: string): string | undefined {
      const doc = open.get(path);
      if (doc) {
        return doc.getText();
      }
      // Regular files only, size-limited: a FIFO or a device named in a compose file must not hang the editor.
      return nodeFileReader.read(path);
    },
  };
}
