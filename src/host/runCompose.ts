import * as vscode from 'vscode';
import { runGate } from '../cluster/runGate';
import { nodeFileReader } from '../compose/nodeReader';
import { type SettingsStore } from '../config/settings';
import { type ComposeRunner } from '../docker/compose';
import { safeFirst } from '../util/safeChoice';
import { type ClusterSession, type ClusterSessions } from './clusterSessions';

/** The services a Compose command names (`up -d wacore3` → wacore3); undefined when it acts on all (`down`). */
function namedServices(sub: readonly string[]): string[] | undefined {
  if (sub[0] === 'down') {
    return undefined;
  }
  const named = sub.slice(1).filter((a) => !a.startsWith('-'));
  return named.length > 0 ? named : undefined;
}

/**
 * Runs Compose for the commands: the "WA Cluster: Compose" output channel (every Compose command
 * we run, with its output), the Compose runner of a cluster, and the lint gate before a run.
 * One instance lives in the {@link Services} of the extension.
 */
export class ComposeConsole implements vscode.Disposable {
  private channel: vscode.OutputChannel | undefined;

  constructor(
    private readonly sessions: ClusterSessions,
    private readonly settings: SettingsStore,
  ) {}

  private get output(): vscode.OutputChannel {
    this.channel ??= vscode.window.createOutputChannel(vscode.l10n.t('WA Cluster: Compose'));
    return this.channel;
  }

  /** Reveals the "WA Cluster: Compose" channel (a failure's full output). */
  show(): void {
    this.output.show(true);
  }

  /** Appends a line to the "WA Cluster: Compose" channel (steps that are not Compose commands, e.g. waits). */
  append(line: string): void {
    this.output.appendLine(line);
  }

  /** The Compose runner of a cluster, or a clear error when no Compose command works here. */
  async runnerFor(session: ClusterSession): Promise<ComposeRunner> {
    await this.sessions.detectComposeCommand();
    const runner = this.sessions.composeRunner(session);
    if (!runner) {
      throw new Error(
        vscode.l10n.t(
          'Neither "docker compose" nor "docker-compose" works on this machine. Install Docker Compose, or set waCluster.compose.command.',
        ),
      );
    }
    return runner;
  }

  /**
   * The pre-run gate (cluster/runGate.ts): lint errors stop here unless the user chooses to go
   * on. Resolves false when the user stops.
   */
  async checkBeforeRun(session: ClusterSession, action: string): Promise<boolean> {
    const s = this.settings.value;
    const gate = runGate(
      {
        project: session.cluster.projectName,
        files: session.cluster.files,
        reader: nodeFileReader,
        env: process.env,
        lint: { enable: s.lintEnable, rules: s.lintRules },
        action,
      },
      vscode.l10n.t,
    );
    if (gate.kind === 'go') {
      return true;
    }
    // Enter shows the problems; going on is the explicit second button.
    const show = { title: vscode.l10n.t('Show Problems'), risky: false };
    const goOn = { title: gate.goOn, risky: true };
    const answer = await vscode.window.showWarningMessage(
      gate.question,
      {
        modal: true,
        detail: `${vscode.workspace.asRelativePath(gate.first.file)}:${gate.first.range.start.line + 1}: ${gate.first.message}`,
      },
      ...safeFirst([show, goOn]),
    );
    if (answer?.title === show.title) {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }
    return answer?.title === goOn.title;
  }

  /**
   * Runs one Compose command with cancellable progress (the last output line as the message) and
   * the full output in the "WA Cluster: Compose" channel. Rejects with Compose's own error text,
   * or with an AbortError when the user cancels.
   */
  async runVisibly(
    session: ClusterSession,
    runner: ComposeRunner,
    sub: readonly string[],
    title: string,
    opts: { env?: Readonly<Record<string, string>> } = {},
  ): Promise<void> {
    const out = this.output;
    // The containers are about to change on purpose: the notifier stays quiet about them meanwhile.
    const services = namedServices(sub);
    this.sessions.expectChanges(session, 10 * 60_000, services);
    const envPrefix = Object.entries(opts.env ?? {})
      .map(([k, v]) => `${k}=${v} `)
      .join('');
    out.appendLine(`$ ${envPrefix}${runner.commandLine(sub)}`);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        try {
          await runner.run(sub, {
            ...(opts.env ? { env: opts.env } : {}),
            signal: controller.signal,
            onLine: (line) => {
              out.appendLine(line);
              progress.report({ message: line.slice(0, 120) });
            },
          });
        } catch (err) {
          out.appendLine(err instanceof Error ? err.message : String(err));
          if (controller.signal.aborted) {
            throw new vscode.CancellationError();
          }
          throw err;
        } finally {
          cancel.dispose();
          this.sessions.expectChanges(session, 15_000, services);
        }
      },
    );
  }

  dispose(): void {
    this.channel?.dispose();
    this.channel = undefined;
  }
}
