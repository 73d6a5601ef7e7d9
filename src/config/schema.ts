import { z } from 'zod';
import { ruleSettingsSchema } from '../lint/engine';

/**
 * The extension's settings (`waCluster.*` outside the linter's own), validated once where they
 * enter. An invalid value falls back to its default and is reported, never thrown deep inside.
 */
export const settingsSchema = z.object({
  composeFiles: z.array(z.string().min(1)).default([]),
  projectName: z.string().default(''),
  composeCommand: z.string().default(''),
  dockerHost: z.string().default(''),
  apiUrl: z
    .string()
    .default('https://127.0.0.1:9090')
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), {
      message: 'must be an http(s) URL such as https://127.0.0.1:9090',
    }),
  apiUser: z.string().min(1).default('admin'),
  apiCaFile: z.string().default(''),
  apiCertificateFingerprint: z
    .string()
    .default('')
    .refine((f) => f === '' || /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(f), {
      message: 'must be a SHA-256 fingerprint: 32 hex pairs separated by colons',
    }),
  /** `http://` API URLs the user accepts sending credentials to in clear text (user settings only). */
  apiAllowPlainHttp: z
    .array(
      z.string().refine((u) => URL.canParse(u) && new URL(u).protocol === 'http:', {
        message: 'each entry must be an http:// URL',
      }),
    )
    .default([]),
  pollIntervalSeconds: z.number().min(1).max(3600).default(5),
  notifyClusterEvents: z.boolean().default(true),
  logsMaxLines: z.number().int().min(100).max(1_000_000).default(10_000),
  lintEnable: z.boolean().default(true),
  lintInclude: z.string().min(1).default('**/*compose*.{yml,yaml}'),
  lintRules: ruleSettingsSchema.default({}),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Where each setting lives under the `waCluster` section. */
export const settingKeys: { readonly [K in keyof Settings]: string } = {
  composeFiles: 'compose.files',
  projectName: 'compose.projectName',
  composeCommand: 'compose.command',
  dockerHost: 'docker.host',
  apiUrl: 'api.url',
  apiUser: 'api.user',
  apiCaFile: 'api.caFile',
  apiCertificateFingerprint: 'api.certificateFingerprint',
  apiAllowPlainHttp: 'api.allowPlainHttp',
  pollIntervalSeconds: 'health.pollIntervalSeconds',
  notifyClusterEvents: 'notifications.clusterEvents',
  logsMaxLines: 'logs.maxLines',
  lintEnable: 'lint.enable',
  lintInclude: 'lint.include',
  lintRules: 'lint.rules',
};

/** Settings that run commands or point at hosts: ignored in untrusted workspaces. */
export const restrictedSettingKeys: readonly (keyof Settings)[] = [
  'composeCommand',
  'dockerHost',
  'apiUrl',
  'apiCaFile',
  'apiCertificateFingerprint',
  'apiAllowPlainHttp',
];

export interface SettingsProblem {
  readonly key: string;
  readonly message: string;
}

/**
 * Parses raw values read from the configuration; each invalid value is replaced by its default
 * and reported, so one typo never disables the whole extension.
 */
export function parseSettings(raw: Partial<Record<keyof Settings, unknown>>): {
  settings: Settings;
  problems: SettingsProblem[];
} {
  const problems: SettingsProblem[] = [];
  const clean: Partial<Record<keyof Settings, unknown>> = {};
  for (const key of Object.keys(settingKeys) as (keyof Settings)[]) {
    const value = raw[key];
    if (value === undefined) {
      continue;
    }
    const field = settingsSchema.shape[key];
    const result = field.safeParse(value);
    if (result.success) {
      clean[key] = result.data;
    } else {
      problems.push({
        key: `waCluster.${settingKeys[key]}`,
        message: result.error.issues.map((i) => i.message).join('; '),
      });
    }
  }
  return { settings: Object.freeze(settingsSchema.parse(clean)), problems };
}
