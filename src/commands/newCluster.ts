import * as vscode from 'vscode';
import { generateScaffold, scaffoldOptionsSchema, type ScaffoldFiles } from '../compose/scaffold';
import { DEFAULT_INVENTORY_FILE } from '../inventory/inventory';
import { safeFirst } from '../util/safeChoice';
import { generateProductionScaffold, type ProductionScaffoldOptions } from '../inventory/scaffold';

interface Choice<T> extends vscode.QuickPickItem {
  readonly value: T;
}

async function pickOne<T>(title: string, items: Choice<T>[]): Promise<T | undefined> {
  return (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
}

async function askNumber(title: string, value: number, min: number, max: number): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max
        ? undefined
        : vscode.l10n.t('A whole number from {0} to {1}', min, max),
  });
  return text === undefined ? undefined : Number(text);
}

/** What a script, task or test may pass instead of answering the prompts (replacing files always asks). */
interface NewClusterOptions {
  readonly folder: string;
  readonly engine?: 'mysql' | 'postgres';
  readonly masters?: number;
  readonly coreapps?: number;
  readonly webPort?: number;
  readonly version?: string;
  readonly registry?: string;
  /** Several hosts (the vendor's production layout): writes an inventory too. */
  readonly production?: Omit<ProductionScaffoldOptions, 'engine' | 'version' | 'registry'>;
}

function isNewClusterOptions(arg: unknown): arg is NewClusterOptions {
  return typeof arg === 'object' && arg !== null && typeof (arg as { folder?: unknown }).folder === 'string';
}

/**
 * "WA Cluster: New Cluster": writes a multiconnect compose file, `db.env` and `.env` (the
 * vendor's layout, for MySQL or Postgres, M masters and N coreapps) into a workspace folder, after
 * confirming before it replaces any file. The result lints clean.
 */
export async function newCluster(arg?: unknown): Promise<void> {
  if (isNewClusterOptions(arg)) {
    const { folder, production, ...rest } = arg;
    await writeScaffold(
      vscode.Uri.file(folder),
      production
        ? generateProductionScaffold({ ...production, ...rest })
        : generateScaffold(scaffoldOptionsSchema.parse(rest)),
    );
    return;
  }
  const folder =
    vscode.workspace.workspaceFolders?.length === 1
      ? vscode.workspace.workspaceFolders[0]
      : await vscode.window.showWorkspaceFolderPick({
          placeHolder: vscode.l10n.t("Where should the cluster's files go?"),
        });
  if (!folder) {
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t("Open a folder first: the cluster's compose files are written into it."),
      );
    }
    return;
  }
  const layout = await pickOne(vscode.l10n.t('New cluster: layout'), [
    { label: vscode.l10n.t('One host'), description: 'multiconnect-compose.yml', value: 'single' as const },
    {
      label: vscode.l10n.t('Several hosts (production)'),
      description: `prod-multiconnect-compose.yml + ${DEFAULT_INVENTORY_FILE}`,
      value: 'production' as const,
    },
  ]);
  if (layout === 'production') {
    await newProductionCluster(folder.uri);
    return;
  }
  if (!layout) {
    return;
  }
  const engine = await pickOne(vscode.l10n.t('New cluster (1/5): database'), [
    { label: 'MySQL', description: 'mysql:8.0.33', value: 'mysql' as const },
    { label: 'PostgreSQL', description: 'postgres:13.8', value: 'postgres' as const },
  ]);
  if (!engine) {
    return;
  }
  const masters = await askNumber(
    vscode.l10n.t('New cluster (2/5): number of masters (2 or more for high availability)'),
    2,
    1,
    16,
  );
  if (masters === undefined) {
    return;
  }
  const coreapps = await askNumber(
    vscode.l10n.t('New cluster (3/5): number of coreapps (shards + 1 keeps a spare)'),
    3,
    1,
    64,
  );
  if (coreapps === undefined) {
    return;
  }
  const webPort = await askNumber(
    vscode.l10n.t('New cluster (4/5): host port of the web container (HTTPS)'),
    9090,
    1,
    65535,
  );
  if (webPort === undefined) {
    return;
  }
  const version = await vscode.window.showInputBox({
    title: vscode.l10n.t('New cluster (5/5): WhatsApp Business API version (WA_API_VERSION, without "v")'),
    value: '2.41.2',
    ignoreFocusOut: true,
    validateInput: (v) =>
      /^\d+\.\d+\.\d+$/.test(v)
        ? undefined
        : vscode.l10n.t('major.minor.patch, without a leading "v" (the image tag adds it)'),
  });
  if (version === undefined) {
    return;
  }
  if (
    !(await writeScaffold(
      folder.uri,
      generateScaffold(scaffoldOptionsSchema.parse({ engine, masters, coreapps, webPort, version })),
    ))
  ) {
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.joinPath(folder.uri, 'multiconnect-compose.yml'));
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Wrote a cluster of {0} master(s) and {1} coreapp(s) on {2}: start it with docker-compose -f multiconnect-compose.yml up -d.',
      masters,
      coreapps,
      engine === 'mysql' ? 'MySQL' : 'PostgreSQL',
    ),
  );
}

/** Asks for the hosts and the database host, writes the production layout and opens the inventory. */
async function newProductionCluster(folder: vscode.Uri): Promise<void> {
  const names = await vscode.window.showInputBox({
    title: vscode.l10n.t('New cluster (1/2): the hosts, by the names other hosts reach them by (comma-separated)'),
    value: 'wa-a.example.internal, wa-b.example.internal, wa-c.example.internal',
    ignoreFocusOut: true,
    validateInput: (v) =>
      v
        .split(',')
        .map((x) => x.trim())
        .every((x) => /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(x))
        ? undefined
        : vscode.l10n.t('Host names or addresses, separated by commas'),
  });
  if (names === undefined) {
    return;
  }
  const dbHost = await vscode.window.showInputBox({
    title: vscode.l10n.t('New cluster (2/2): the database server every host connects to (WA_DB_HOSTNAME)'),
    value: 'db.example.internal',
    ignoreFocusOut: true,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(v) ? undefined : vscode.l10n.t('A host name or address')),
  });
  if (dbHost === undefined) {
    return;
  }
  const list = names.split(',').map((x) => x.trim());
  // Each engine over ssh:// by default (the user's ssh config and agent apply); edit `docker:` in the inventory for contexts or tcp://.
  const hosts = list.map((externalHostname, i) => ({
    name: /^[A-Za-z]/.test(externalHostname) ? (externalHostname.split('.')[0] ?? `host${i + 1}`) : `host${i + 1}`,
    docker: `ssh://${externalHostname}`,
    externalHostname,
  }));
  let files: Record<string, string>;
  try {
    files = generateProductionScaffold({ hosts, dbHost });
  } catch {
    void vscode.window.showErrorMessage(vscode.l10n.t('Each host needs its own name: {0}', names));
    return;
  }
  if (await writeScaffold(folder, files)) {
    await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, DEFAULT_INVENTORY_FILE));
  }
}

/** Writes the scaffold into a folder, after a modal confirmation when it would replace files. False when the user declines. */
async function writeScaffold(
  folder: vscode.Uri,
  files: ScaffoldFiles | Readonly<Record<string, string>>,
): Promise<boolean> {
  const existingNames: string[] = [];
  for (const name of Object.keys(files)) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, name));
      existingNames.push(name);
    } catch {
      // not there: nothing to overwrite
    }
  }
  if (existingNames.length > 0) {
    const existing = existingNames.map((n) => vscode.workspace.asRelativePath(vscode.Uri.joinPath(folder, n)));
    const show = { title: vscode.l10n.t('Open the Existing Files'), risky: false };
    const replace = { title: vscode.l10n.t('Replace'), risky: true };
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Replace {0}?', existing.join(', ')),
      { modal: true, detail: vscode.l10n.t('Their current content is lost.') },
      ...safeFirst([show, replace]),
    );
    if (answer?.title === show.title) {
      for (const name of existingNames) {
        await vscode.window.showTextDocument(vscode.Uri.joinPath(folder, name), { preview: false });
      }
    }
    if (answer?.title !== replace.title) {
      return false;
    }
  }
  for (const [name, text] of Object.entries(files) as [string, string][]) {
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, name), Buffer.from(text, 'utf8'));
  }
  return true;
}
