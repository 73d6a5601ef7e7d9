/** Helpers shared by the extension-host suites (not a test file itself). */
import assert from 'node:assert/strict';
import os from 'node:os';
import * as vscode from 'vscode';
import { probeCertificate } from '../../src/api/tls';
import { EXTENSION_ID } from '../../src/constants';
import { type TestApi } from '../../src/extension';
import { type ClusterSession } from '../../src/host/clusterSessions';
import { type ClusterElement } from '../../src/views/clusterTreeProvider';
import * as emulator from '../emulator/src/harness';

/** The workspace folder the harness opened (clusters of a suite go in a subfolder named after its project). */
export const workspaceRoot =
  process.env.WA_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.tmpdir();

/** Polls `probe` until it gives a value (not undefined/false); a probe that throws is tried again. */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) {
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** {@link eventually} for a condition. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await eventually(what, async () => (await probe()) || undefined, timeoutMs);
}

/** Activates the extension and returns its test API. */
export async function activateExtension(): Promise<TestApi> {
  const ext = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

/** The session of a project, once the extension has discovered its compose files. */
export function discovered(api: TestApi, project: string, timeoutMs = 60_000): Promise<ClusterSession> {
  return eventually(
    `cluster ${project} is discovered`,
    async () => {
      await api.sessions.rediscover();
      return api.sessions.all.find((s) => s.cluster.projectName === project);
    },
    timeoutMs,
  );
}

/**
 * What "Sign In" does once the user trusted the certificate and typed the password: the first
 * login (new password), the pinned certificate, the password in SecretStorage, new connections.
 * Returns an admin token for the test's own API calls.
 */
export async function signInAsTheUserWould(api: TestApi, ws: { readonly baseUrl: string }): Promise<string> {
  const token = await emulator.login(ws.baseUrl);
  const url = new URL(ws.baseUrl);
  const cert = await probeCertificate(url.hostname, Number(url.port || 443));
  await api.access.trustCertificate(ws.baseUrl, { fingerprint256: cert.fingerprint256, pem: cert.pem });
  await api.access.storePassword(ws.baseUrl, 'admin', emulator.DEFAULT_PASSWORD);
  await api.sessions.reconnect();
  return token;
}

/** A notification or dialog the extension showed, and the buttons it offered. */
export interface Shown {
  readonly severity: 'info' | 'warning' | 'error';
  readonly message: string;
  readonly modal: boolean;
  readonly items: readonly string[];
}

type ShowMessage = (message: string, ...rest: unknown[]) => Thenable<unknown>;

/**
 * Answers the extension's real dialogs the way a user would, and records every notification.
 * `answers`: for a message matching the pattern, the button (by its title) the user clicks; a
 * modal with no matching answer is dismissed (Escape), a toast is left alone. Quick picks are
 * answered by `picks` (placeholder or title pattern → item label), input boxes by `inputs`
 * (title pattern → the text typed; refused, i.e. left open and then escaped, when its
 * validateInput objects), the folder dialog by `openFolder`. Call `restore()` when done.
 */
export function answerDialogs(
  opts: {
    answers?: readonly [RegExp, string][];
    picks?: readonly [RegExp, string][];
    inputs?: readonly [RegExp, string][];
    openFolder?: string;
    /** The file a save dialog answers with (only when given: otherwise the real dialog stays). */
    saveFile?: string;
  } = {},
): { shown: Shown[]; offered: { prompt: string; labels: string[] }[]; restore(): void } {
  const shown: Shown[] = [];
  /** Every quick pick shown: its title and placeholder, and its item labels in order (the first is preselected). */
  const offered: { prompt: string; labels: string[] }[] = [];
  const w = vscode.window as unknown as Record<string, unknown>;
  const saved = {
    info: w.showInformationMessage,
    warning: w.showWarningMessage,
    error: w.showErrorMessage,
    pick: w.showQuickPick,
    open: w.showOpenDialog,
    save: w.showSaveDialog,
    input: w.showInputBox,
    createPick: w.createQuickPick,
  };
  const fake =
    (severity: Shown['severity']): ShowMessage =>
    (message, ...rest) => {
      const options =
        typeof rest[0] === 'object' && rest[0] !== null && !('title' in rest[0])
          ? (rest.shift() as vscode.MessageOptions)
          : undefined;
      const items = rest.map((i) => (typeof i === 'string' ? i : (i as vscode.MessageItem).title));
      shown.push({ severity, message, modal: options?.modal === true, items });
      const answer = opts.answers?.find(([re]) => re.test(message))?.[1];
      const index = answer === undefined ? -1 : items.indexOf(answer);
      return Promise.resolve(index >= 0 ? rest[index] : undefined);
    };
  w.showInformationMessage = fake('info');
  w.showWarningMessage = fake('warning');
  w.showErrorMessage = fake('error');
  w.showQuickPick = async (items: unknown, options?: vscode.QuickPickOptions) => {
    const list = (await items) as (string | vscode.QuickPickItem)[];
    const prompt = `${options?.title ?? ''} ${options?.placeHolder ?? ''}`;
    offered.push({ prompt, labels: list.map((i) => (typeof i === 'string' ? i : i.label)) });
    const label = opts.picks?.find(([re]) => re.test(prompt))?.[1];
    return label === undefined ? undefined : list.find((i) => (typeof i === 'string' ? i : i.label) === label);
  };
  // Only when asked to: a test may have its own input box (a password prompt) in place.
  if (opts.inputs) {
    w.showInputBox = async (options?: vscode.InputBoxOptions) => {
      const typed = opts.inputs?.find(([re]) => re.test(options?.title ?? ''))?.[1];
      if (typed === undefined) {
        return undefined;
      }
      return (await options?.validateInput?.(typed)) ? undefined : typed;
    };
  }
  if (opts.picks) {
    // Pickers built with createQuickPick (Set Shards' exact-number picker) are answered the same way.
    const picks = opts.picks;
    w.createQuickPick = () => answeredQuickPick(picks, offered);
  }
  w.showOpenDialog = () =>
    Promise.resolve(opts.openFolder === undefined ? undefined : [vscode.Uri.file(opts.openFolder)]);
  if (opts.saveFile !== undefined) {
    const file = opts.saveFile;
    w.showSaveDialog = () => Promise.resolve(vscode.Uri.file(file));
  }
  return {
    shown,
    offered,
    restore: () => {
      w.showOpenDialog = saved.open;
      w.showSaveDialog = saved.save;
      w.showInputBox = saved.input;
      w.showInformationMessage = saved.info;
      w.showWarningMessage = saved.warning;
      w.showErrorMessage = saved.error;
      w.showQuickPick = saved.pick;
      w.createQuickPick = saved.createPick;
    },
  };
}

/**
 * A createQuickPick stand-in: once shown, the item whose label `picks` names for its title and
 * placeholder is accepted, as a user's Enter would; with no match it is dismissed (Escape).
 */
function answeredQuickPick(
  picks: readonly [RegExp, string][],
  offered: { prompt: string; labels: string[] }[],
): unknown {
  const accept = new vscode.EventEmitter<void>();
  const hidden = new vscode.EventEmitter<void>();
  const changed = new vscode.EventEmitter<string>();
  const unused = new vscode.EventEmitter<never>();
  let isHidden = false;
  const pick = {
    title: undefined as string | undefined,
    placeholder: undefined as string | undefined,
    items: [] as readonly vscode.QuickPickItem[],
    selectedItems: [] as readonly vscode.QuickPickItem[],
    activeItems: [] as readonly vscode.QuickPickItem[],
    value: '',
    ignoreFocusOut: false,
    canSelectMany: false,
    busy: false,
    enabled: true,
    onDidAccept: accept.event,
    onDidHide: hidden.event,
    onDidChangeValue: changed.event,
    onDidChangeSelection: unused.event,
    onDidChangeActive: unused.event,
    onDidTriggerButton: unused.event,
    onDidTriggerItemButton: unused.event,
    show(): void {
      const prompt = `${pick.title ?? ''} ${pick.placeholder ?? ''}`;
      offered.push({ prompt, labels: pick.items.map((i) => i.label) });
      const label = picks.find(([re]) => re.test(prompt))?.[1];
      setTimeout(() => {
        const item = label === undefined ? undefined : pick.items.find((i) => i.label === label);
        if (item) {
          pick.selectedItems = [item];
          pick.activeItems = [item];
          accept.fire();
        }
        pick.hide();
      }, 0);
    },
    hide(): void {
      if (!isHidden) {
        isHidden = true;
        hidden.fire();
      }
    },
    dispose(): void {
      for (const e of [accept, hidden, changed, unused]) {
        e.dispose();
      }
    },
  };
  return pick;
}

/** What the tree shows for one cluster: its root element, the root's description, node name → description ("coreapp · standby"). */
export function clusterTree(
  api: TestApi,
  project: string,
): { root(): ClusterElement | undefined; rootDescription(): string; descriptions(): Record<string, string> } {
  // By `kind`, not instanceof: the extension runs from its bundle, these classes from out/.
  const root = () =>
    api.tree
      .getChildren()
      .find((e): e is ClusterElement => e.kind === 'cluster' && e.session?.cluster.projectName === project);
  return {
    root,
    rootDescription: () => {
      const r = root();
      return r ? String(api.tree.getTreeItem(r).description ?? '') : '';
    },
    descriptions: () => {
      const r = root();
      const out: Record<string, string> = {};
      for (const e of r ? api.tree.getChildren(r) : []) {
        if (e.kind === 'node') {
          out[e.name] = String(api.tree.getTreeItem(e).description ?? '');
        }
      }
      return out;
    },
  };
}
