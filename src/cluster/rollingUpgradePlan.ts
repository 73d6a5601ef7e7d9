import { type HealthReport } from '../api/health';
import { type FileReader } from '../compose/types';
import { type ContainerSummary } from '../docker/types';
import { type InventoryHost } from '../inventory/inventory';
import { type Translate } from '../util/translate';
import { versionFromImage } from './classify';
import { type NodeKind } from './types';
import {
  checkTargetVersion,
  imagesAtVersion,
  missingImages,
  supportsDbUpgrade,
  type LocalImage,
  type UpgradeService,
} from './upgradePlan';

/**
 * The upgrade of a cluster that spans several Docker hosts (an inventory), as a plan: a backup,
 * the DB upgrade service once (so that old and new nodes share an upgraded schema), then host by
 * host — its masters, then its coreapps and web — each host waited for until its nodes run the
 * new version and answer in /v1/health. {@link ./rollingUpgradeRunner} executes it and stops at
 * the first host that does not come back, leaving the hosts after it on the old version.
 */

/** One host as it runs now. */
export interface RollingHostInput {
  readonly name: string;
  /** Its running compose services and what each is, in declaration order. */
  readonly running: readonly { readonly service: string; readonly kind: NodeKind; readonly version?: string }[];
  /** The env file whose WA_API_VERSION Compose uses on this host. */
  readonly envFile: string;
}

export interface RollingHostStep {
  readonly kind: 'host';
  readonly host: string;
  /** Recreated first: the host's masters. */
  readonly masters: readonly string[];
  /** Then its coreapps and web. */
  readonly coreapps: readonly string[];
  readonly web: readonly string[];
  readonly envFile: string;
}

export type RollingStep =
  | { readonly kind: 'backup' }
  | { readonly kind: 'dbUpgrade'; readonly host: string; readonly service: UpgradeService }
  | RollingHostStep;

export interface RollingUpgradePlan {
  readonly project: string;
  readonly to: string;
  /** What each host runs before (a host's nodes' version; '?' when unknown or mixed). */
  readonly from: Readonly<Record<string, string>>;
  readonly steps: readonly RollingStep[];
  /** Hosts left alone: nothing of the cluster runs there, or they already run the target. */
  readonly skipped: readonly { readonly host: string; readonly why: string }[];
  readonly question: string;
  readonly detail: string;
}

export interface RollingPlanInput {
  readonly project: string;
  readonly version: string;
  /** In inventory order. */
  readonly hosts: readonly RollingHostInput[];
  readonly upgradeService: UpgradeService | undefined;
}

const WHATSAPP: readonly NodeKind[] = ['master', 'coreapp', 'web'];

/** A host step's services in the order they are recreated. */
export function stepServices(step: RollingHostStep): string[] {
  return [...step.masters, ...step.coreapps, ...step.web];
}

/** The version a host's WhatsApp nodes run: one version, or undefined when unknown or mixed. */
function hostVersion(h: RollingHostInput): string | undefined {
  const versions = new Set(h.running.filter((r) => WHATSAPP.includes(r.kind)).map((r) => r.version));
  return versions.size === 1 ? [...versions][0] : undefined;
}

export function planRollingUpgrade(
  input: RollingPlanInput,
  t: Translate,
): { ok: true; plan: RollingUpgradePlan } | { ok: false; message: string } {
  const { project, version, upgradeService } = input;
  const versions = new Set(
    input.hosts.filter((h) => h.running.some((r) => WHATSAPP.includes(r.kind))).map(hostVersion),
  );
  const common = versions.size === 1 ? [...versions][0] : undefined;
  const problem = checkTargetVersion(version, common, t);
  if (problem) {
    return { ok: false, message: problem };
  }
  if (!upgradeService) {
    return {
      ok: false,
      message: t(
        'A rolling upgrade runs old and new nodes side by side, so the DB upgrade service must upgrade the schema first, but none was found beside the inventory (a dbupgrade-compose.yml, or a service with WA_DB_UPGRADE=1). Nothing was changed.',
      ),
    };
  }
  if (!supportsDbUpgrade(version)) {
    return {
      ok: false,
      message: t(
        'The DB upgrade service is documented from version 2.23 on; {0} cannot be upgraded host by host.',
        version,
      ),
    };
  }
  const skipped: { host: string; why: string }[] = [];
  const hostSteps: RollingHostStep[] = [];
  for (const h of input.hosts) {
    const names = (kind: NodeKind) => h.running.filter((r) => r.kind === kind).map((r) => r.service);
    const [masters, coreapps, web] = [names('master'), names('coreapp'), names('web')];
    if (masters.length + coreapps.length + web.length === 0) {
      skipped.push({ host: h.name, why: t('no WhatsApp node runs there') });
    } else if (hostVersion(h) === version) {
      skipped.push({ host: h.name, why: t('already runs {0}', version) });
    } else {
      hostSteps.push({ kind: 'host', host: h.name, masters, coreapps, web, envFile: h.envFile });
    }
  }
  if (hostSteps.length === 0) {
    return {
      ok: false,
      message: t('No host of {0} runs a master, coreapp or web to upgrade. Nothing was changed.', project),
    };
  }
  const upgradeHost = input.hosts.find((h) => h.running.some((r) => r.kind === 'master'))?.name ?? hostSteps[0]!.host;
  const from = Object.fromEntries(
    input.hosts
      .filter((h) => h.running.some((r) => WHATSAPP.includes(r.kind)))
      .map((h) => [h.name, hostVersion(h) ?? '?']),
  );
  const lines = [
    t('1. Back up the settings (POST /v1/settings/backup).'),
    t(
      '2. Run the DB upgrade service {0} on {1} with version {2} and wait for it to exit with 0 (on failure nothing else changes).',
      upgradeService.service,
      upgradeHost,
      version,
    ),
    ...hostSteps.map((s, i) =>
      t(
        '{0}. {1}: recreate {2} on {3}, wait until they run it and answer in /v1/health, then set WA_API_VERSION in its env file.',
        i + 3,
        s.host,
        stepServices(s).join(', '),
        version,
      ),
    ),
    ...skipped.map((s) => t('{0} is left alone: {1}.', s.host, s.why)),
    t('The first host that does not come back stops the upgrade: the hosts after it keep running the old version.'),
  ];
  return {
    ok: true,
    plan: {
      project,
      to: version,
      from,
      skipped,
      steps: [{ kind: 'backup' }, { kind: 'dbUpgrade', host: upgradeHost, service: upgradeService }, ...hostSteps],
      question: t('Upgrade {0} to {1} host by host ({2})?', project, version, hostSteps.map((s) => s.host).join(', ')),
      detail: lines.join('\n'),
    },
  };
}

/**
 * The images each host of the plan needs, as Compose resolves them there with WA_API_VERSION set to
 * the target: those of its step's services, and on the DB upgrade's host the DB upgrade service's
 * (from its own files). Hosts the plan leaves alone need none.
 */
export function rollingTargetImages(
  plan: RollingUpgradePlan,
  hostFiles: (host: string) => Pick<InventoryHost, 'composeFiles' | 'envFiles'>,
  reader: FileReader,
  env: Readonly<Record<string, string | undefined>>,
): { readonly host: string; readonly images: readonly string[] }[] {
  const needs = new Map<string, string[]>();
  const add = (host: string, files: readonly string[] | undefined, services: readonly string[]) => {
    const h = hostFiles(host);
    const images = imagesAtVersion(files ?? h.composeFiles, reader, plan.to, env, h.envFiles[h.envFiles.length - 1])
      .filter((s) => services.includes(s.service))
      .map((s) => s.image);
    needs.set(host, [...(needs.get(host) ?? []), ...images]);
  };
  for (const step of plan.steps) {
    if (step.kind === 'dbUpgrade') {
      add(step.host, step.service.files, [step.service.service]);
    } else if (step.kind === 'host') {
      add(step.host, undefined, stepServices(step));
    }
  }
  return [...needs].map(([host, images]) => ({ host, images }));
}

/**
 * The refusal, in one line, when a host lacks images of the target it needs (undefined: none
 * does). A host whose images could not be listed (`local` undefined) is left to Compose.
 */
export function rollingMissingImagesMessage(
  version: string,
  needs: readonly { readonly host: string; readonly images: readonly string[] }[],
  local: (host: string) => readonly LocalImage[] | undefined,
  t: Translate,
): string | undefined {
  const lacking = needs.flatMap((n) => {
    const images = local(n.host);
    const missing = images ? missingImages(n.images, images) : [];
    return missing.length > 0 ? [t('{0} not on the Docker engine of {1}', missing.join(', '), n.host)] : [];
  });
  return lacking.length > 0
    ? t(
        'Version {0} cannot be used: {1} (docker pull, or docker load, there first). Nothing was changed.',
        version,
        lacking.join('; '),
      )
    : undefined;
}

/**
 * Whether a host came back on `version`: every service of its step runs there on that version and
 * each of its master/coreapp containers answers in /v1/health (matched by container id) without
 * an error and past `uninitialized`. Undefined when it did; else what is still missing.
 */
export function hostPending(
  step: RollingHostStep,
  containers: readonly ContainerSummary[],
  health: HealthReport | undefined,
  version: string,
  t: Translate,
): string | undefined {
  for (const service of stepServices(step)) {
    const c = containers.filter((x) => x.service === service && !x.oneoff).sort((a, b) => b.createdAt - a.createdAt)[0];
    if (!c || c.state !== 'running') {
      return t('{0} on {1} is not running', service, step.host);
    }
    const v = versionFromImage(c.image);
    if (v !== version) {
      return t('{0} on {1} runs {2}', service, step.host, v ?? c.image);
    }
    if (step.web.includes(service)) {
      continue; // the web has no /v1/health entry of its own
    }
    if (!health) {
      return t('/v1/health does not answer');
    }
    const entry = health.entries.find(
      (e) => e.containerId !== undefined && e.containerId !== '' && c.id.startsWith(e.containerId),
    );
    if (!entry) {
      return t('{0} on {1} is not in /v1/health yet', service, step.host);
    }
    // An unregistered cluster's coreapps answer 1011 "Service not ready" before and after: that is their normal state.
    const unregistered = health.entries.some((e) => e.gatewayStatus === 'unregistered');
    const blocking = entry.errors.find((e) => !(unregistered && e.code === 1011));
    if (blocking) {
      return t('{0} on {1}: {2}', service, step.host, blocking.title);
    }
    if (entry.errors.length === 0 && (entry.gatewayStatus === undefined || entry.gatewayStatus === 'uninitialized')) {
      return t('{0} on {1} is {2}', service, step.host, entry.gatewayStatus ?? '?');
    }
  }
  return undefined;
}

/** What runs on a host, for the report: `master 2.53.2, wacore 2.51.1` (one version when all agree). */
export function hostVersions(services: readonly string[], containers: readonly ContainerSummary[]): string {
  const parts = services.map((s) => {
    const c = containers.filter((x) => x.service === s && !x.oneoff).sort((a, b) => b.createdAt - a.createdAt)[0];
    return {
      s,
      v: c ? `${versionFromImage(c.image) ?? c.image}${c.state === 'running' ? '' : ` (${c.state})`}` : 'absent',
    };
  });
  const distinct = new Set(parts.map((p) => p.v));
  return distinct.size === 1 ? [...distinct][0]! : parts.map((p) => `${p.s} ${p.v}`).join(', ');
}
