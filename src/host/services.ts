import * as vscode from 'vscode';
import { diagnosticsHosts } from '../cluster/diagnosticsBundle';
import { type SettingsStore } from '../config/settings';
import { type DockerPort } from '../docker/port';
import { type LogCluster, type LogCommandDeps } from '../commands/logTargets';
import { type ApiAccess } from './apiAccess';
import { type ClusterSessions } from './clusterSessions';
import { type ComposeConsole } from './runCompose';

/**
 * Everything a command needs, built once in extension.ts (the one composition root) and handed to
 * every command: the log, the typed settings, the API credentials, the live clusters, the
 * Compose console and the Docker port, and where state that outlives a window is kept.
 */
export class Services implements LogCommandDeps {
  constructor(
    readonly log: vscode.LogOutputChannel,
    readonly settings: SettingsStore,
    readonly access: ApiAccess,
    readonly sessions: ClusterSessions,
    readonly compose: ComposeConsole,
    /** Workspace state: what must survive a reload of the window (an upgrade in progress). */
    readonly workspaceState: vscode.Memento,
    readonly extensionVersion: string,
  ) {}

  /** The Docker port shared by every cluster (undefined when the endpoint setting is unusable). */
  get docker(): DockerPort | undefined {
    return this.sessions.dockerPort;
  }

  clusters(): readonly LogCluster[] {
    return this.sessions.all.map((s) => ({
      project: s.cluster.projectName,
      docker: this.docker,
      dockerOfHost: (host: string) => this.sessions.hostEngines(s)?.find((h) => h.name === host)?.docker,
      diagnosticsHosts: diagnosticsHosts(this.sessions.hostEngines(s)),
      snapshot: s.snapshot,
      api: s.api,
      compose: this.sessions.composeRunner(s),
      folder: vscode.Uri.file(s.cluster.dir),
    }));
  }

  async knownSecrets(project: string | undefined): Promise<readonly string[]> {
    const s = this.sessions.all.find((x) => x.cluster.projectName === project);
    const password = s ? await this.access.password(s.apiUrl, this.settings.value.apiUser) : undefined;
    return password ? [password] : [];
  }

  maxLines(): number {
    return this.settings.value.logsMaxLines;
  }
}
