import * as vscode from 'vscode';
import { type ComposeRunner } from '../docker/compose';
import { nodeFileReader } from '../compose/nodeReader';
import { readLintSettings } from '../diagnostics/composeDiagnostics';
import { lintFiles } from '../lint/engine';
import { type ClusterSession, type ClusterSessions } from './clusterSessions';

/** The "WA Cluster: Compose" output channel: every Compose command we run, with its output. */
let composeOutput: vscode.OutputChannel | undefined;
function output(): vscode.OutputChannel {
  composeOutput ??= vscode.window.createOutputChannel(vscode.l10n.t('WA Cluster: Compose'));
  return composeOutput;
}

/** Appends a line to the "WA Cluster: Compose" channel (steps that are not Compose commands, e.g. waits). */
export function appendComposeOutput(line: string): void {
  output().appendLine(line);
}

export function disposeComposeOutput(): void {
  composeOutput?.dispose();
  composeOutput = undefined;
}

/** The Compose runner of a cluster, or a clear error when no Compose command works here. */
export async function composeFor(sessions: ClusterSessions, session: ClusterSession): Promise<ComposeRunner> {
  await sessions.detectComposeCommand();
  const runner = sessions.composeRunner(session);
  if (!runner) {
    throw new Error(vscode.l10n.t('Neither "docker compose" nor "docker-compose" works on this machine. Install Docker Compose, or set waCluster.compose.command.'));
  }
  return runner;
}

/**
 * Lints the cluster's compose files before Compose runs them ("checked before it runs"): errors
 * stop here unless the user chooses to go on. Resolves false when the user stops.
 */
export async function checkBeforeRun(session: ClusterSession, action: string): Promise<boolean> {
  // The same rules, severities and words as the Problems panel: a rule the user turned off never blocks.
  const settings = readLintSettings();
  if (!settings.enable) {
    return true;
  }
  const files = session.cluster.files.map((path) => ({ path, text: nodeFileReader.read(path) ?? '' }));
  const { findings } = lintFiles({ files, reader: nodeFileReader, env: process.env }, { rules: settings.rules, t: vscode.l10n.t });
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length === 0) {
    return true;
  }
  const first = errors[0]!;
  const goOn = vscode.l10n.t('{0} Anyway', action);
  const show = vscode.l10n.t('Show Problems');
  const answer = await vscode.window.showWarningMessage(
    vscode.l10n.t('The compose files of {0} have {1} error(s); Compose may fail or start a broken cluster.', session.cluster.projectName, errors.length),
    { modal: true, detail: `${vscode.workspace.asRelativePath(first.file)}:${first.range.start.line + 1}: ${first.message}` },
    goOn,
    show,
  );
  if (answer === show) {
    await vscode.commands.executeCommand('workbench.actions.view.problems');
  }
  return answer === goOn;
}

/** The services a Compose command names (`up -d wacore3` → wacore3); undefined when it acts on all (`down`). */
function namedServices(sub: readonly string[]): string[] | undefined {
  if (sub[0] === 'down') {
    return undefined;
  }
  const named = sub.slice(1).filter((a) => !a.startsWith('-'));
  return named.length > 0 ? named : undefined;
}

/**
 * Runs one Compose command with cancellable progress (the last output line as the message) and
 * the full output in the "WA Cluster: Compose" channel. Rejects with Compose's own error text.
 */
export async function runComposeVisibly(sessions: ClusterSessions, session: ClusterSession, runner: ComposeRunner, sub: readonly string[], title: string, opts: { env?: Readonly<Record<string, string>> } = {}): Promise<void> {
  const out = output();
  // The containers are about to change on purpose: the notifier stays quiet about them meanwhile.
  const services = namedServices(sub);
  sessions.expectChanges(session, 10 * 60_000, services);
  const envPrefix = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
  out.appendLine(`$ ${envPrefix}${runner.commandLine(sub)}`);
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
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
      sessions.expectChanges(session, 15_000, services);
    }
  });
}
