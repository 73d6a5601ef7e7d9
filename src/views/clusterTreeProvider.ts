import * as vscode from 'vscode';
import { ContextKeys, ViewStates, type ViewState } from '../constants';

/** One compose file found in the workspace: the root of a cluster in the tree. */
export interface ComposeFileElement {
  readonly kind: 'composeFile';
  readonly uri: vscode.Uri;
}

const COMPOSE_GLOB = '**/*compose*.{yml,yaml}';
const EXCLUDE_GLOB = '**/{node_modules,.git}/**';

/** Lists the workspace's compose files; the live cluster nodes hang below them. */
export class ClusterTreeProvider implements vscode.TreeDataProvider<ComposeFileElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ComposeFileElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private state: ViewState | undefined;

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(element: ComposeFileElement): vscode.TreeItem {
    const item = new vscode.TreeItem(vscode.workspace.asRelativePath(element.uri), vscode.TreeItemCollapsibleState.None);
    item.id = element.uri.toString();
    item.resourceUri = element.uri;
    item.iconPath = new vscode.ThemeIcon('server-environment');
    item.contextValue = 'waCluster.composeFile';
    item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [element.uri] };
    return item;
  }

  async getChildren(element?: ComposeFileElement): Promise<ComposeFileElement[]> {
    if (element) {
      return [];
    }
    const uris = await vscode.workspace.findFiles(COMPOSE_GLOB, EXCLUDE_GLOB, 50);
    uris.sort((a, b) => a.path.localeCompare(b.path));
    await this.setState(uris.length === 0 ? ViewStates.noCompose : ViewStates.ready);
    return uris.map((uri) => ({ kind: 'composeFile', uri }));
  }

  /** The view state that selects the welcome content (exposed for tests). */
  get currentState(): ViewState | undefined {
    return this.state;
  }

  private async setState(state: ViewState): Promise<void> {
    if (state !== this.state) {
      this.state = state;
      await vscode.commands.executeCommand('setContext', ContextKeys.state, state);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
