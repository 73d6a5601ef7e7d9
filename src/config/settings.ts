import * as vscode from 'vscode';
import { CONFIG_SECTION } from '../constants';
import { parseSettings, settingKeys, type Settings } from './schema';

/**
 * The typed, frozen view of `waCluster.*`, re-read when the configuration changes. Invalid values
 * fall back to defaults and are logged once per change. Restricted settings (hosts, commands)
 * are already limited to user values by VS Code in untrusted workspaces (package.json
 * `restrictedConfigurations`).
 */
export class SettingsStore implements vscode.Disposable {
  private current: Settings;
  private readonly changed = new vscode.EventEmitter<Settings>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.current = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(CONFIG_SECTION)) {
        this.current = this.read();
        this.changed.fire(this.current);
      }
    });
  }

  get value(): Settings {
    return this.current;
  }

  /**
   * The API URL set explicitly for a cluster's folder (folder, workspace or user value; not the
   * default), so that a URL inferred from the compose file wins over the default only.
   */
  explicitApiUrl(folder: string): string | undefined {
    const inspected = vscode.workspace
      .getConfiguration(CONFIG_SECTION, vscode.Uri.file(folder))
      .inspect<string>(settingKeys.apiUrl);
    return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
  }

  private read(): Settings {
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const raw: Partial<Record<keyof Settings, unknown>> = {};
    for (const [key, path] of Object.entries(settingKeys) as [keyof Settings, string][]) {
      raw[key] = config.get(path);
    }
    const { settings, problems } = parseSettings(raw);
    for (const p of problems) {
      this.log.warn(`setting ${p.key} ignored (${p.message}); using its default`);
    }
    return settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
