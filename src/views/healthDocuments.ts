import * as vscode from 'vscode';

export const HEALTH_SCHEME = 'wa-health';

/**
 * Read-only documents with a cluster's raw `/v1/health` answer ("Show Health"): a content
 * provider's documents cannot be edited or saved over; "Show Health" again refreshes the text.
 */
export class HealthDocumentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(HEALTH_SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** `wa-health:/<project>/health.json` (the .json name gives the editor JSON highlighting). */
  static uriOf(project: string): vscode.Uri {
    return vscode.Uri.from({ scheme: HEALTH_SCHEME, path: `/${project}/health.json` });
  }

  async show(uri: vscode.Uri, text: string): Promise<vscode.TextEditor> {
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    const json = doc.languageId === 'json' ? doc : await vscode.languages.setTextDocumentLanguage(doc, 'json');
    return vscode.window.showTextDocument(json, { preview: true });
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
    this.texts.clear();
  }
}
