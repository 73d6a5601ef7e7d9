import { loadProject } from '../compose/project';
import { type Role } from '../compose/roles';
import { type FileReader } from '../compose/types';
import { type Translate } from '../util/translate';
import { type ClusterSnapshot, type DeclaredService } from './types';

/**
 * The upgrade as a plan (walkthrough steps 13–14): which steps, in which order, and every reason
 * to stop before anything changes. {@link ./upgradeRunner} executes the plan; the command
 * (commands/upgradeCluster.ts) only asks for the version, path and confirmation.
 */

export type UpgradePath = 'dbupgrade' | 'downtime';

/** The DB upgrade service beside a cluster: in its own compose files, or in a `*upgrade*.yml` of its folder. */
export interface UpgradeService {
  readonly service: string;
  /** Compose files to run it with (`-f`), same project name and directory as the cluster. */
  readonly files: readonly string[];
}

export type UpgradeStep =
  /** Run the DB upgrade service with the new version, wait for exit 0; on anything else stop with nothing else changed. */
  | { readonly kind: 'dbUpgrade'; readonly service: UpgradeService }
  /** Write WA_API_VERSION into the env file. */
  | { readonly kind: 'setVersion'; readonly envFile: string }
  /** `up -d` the services that ran before, on the new version. */
  | { readonly kind: 'recreate'; readonly services: readonly string[] }
  /**
   * Watch until every recreated node runs the new version, none is still starting, and as many
   * shards are connected on the new version as were before (`shards`; 0: none were).
   */
  | { readonly kind: 'verify'; readonly services: readonly string[]; readonly shards: number };

export interface UpgradePlan {
  readonly project: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly path: UpgradePath;
  readonly steps: readonly UpgradeStep[];
  /** The confirmation the user answers before the first step: a question and one line per step. */
  readonly question: string;
  readonly detail: string;
}

/** Why a target version is not usable, or undefined when it is (`2.53.2`: bare, no leading `v`). */
export function checkTargetVersion(value: string, current: string | undefined, t: Translate): string | undefined {
  const v = value.trim();
  if (/^v/i.test(v)) {
    return t('Write the version without the leading "v" (the compose files add it): {0}', v.replace(/^v/i, ''));
  }
  if (!/^\d+\.\d+\.\d+$/.test(v)) {
    return t('A version is major.minor.patch, e.g. 2.53.2.');
  }
  if (current !== undefined && v === current.replace(/^v/, '')) {
    return t('The cluster already runs {0}.', v);
  }
  return undefined;
}

/** The DB upgrade service is documented from v2.23 on (wa-api.md §4, seed walkthrough step 14). */
export function supportsDbUpgrade(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor >= 23);
}

/** The paths a user may pick for this target (the DB upgrade path only where a service exists and the version allows it). */
export function possiblePaths(upgradeService: UpgradeService | undefined, version: string): UpgradePath[] {
  return upgradeService !== undefined && supportsDbUpgrade(version) ? ['dbupgrade', 'downtime'] : ['downtime'];
}

/** Services of the cluster that run now (not the upgrade service), in declaration order. */
export function runningServices(
  declared: readonly DeclaredService[],
  snapshot: ClusterSnapshot | undefined,
  exclude: string | undefined,
): string[] {
  const running = new Set(
    (snapshot?.nodes ?? []).filter((n) => n.container?.state === 'running' && n.service).map((n) => n.service!),
  );
  return declared.map((d) => d.name).filter((name) => running.has(name) && name !== exclude);
}

export interface PlanInput {
  readonly project: string;
  readonly current: string | undefined;
  readonly version: string;
  readonly path: UpgradePath;
  readonly upgradeService: UpgradeService | undefined;
  readonly declared: readonly DeclaredService[];
  /** The snapshot just before the upgrade (what runs now). */
  readonly snapshot: ClusterSnapshot | undefined;
  /** The env file that gets the new WA_API_VERSION, and how to name it to the user. */
  readonly envFile: string;
  readonly envFileLabel: string;
  /** How to name a compose file to the user (its base name). */
  readonly fileLabel: (file: string) => string;
  readonly clusterFiles: readonly string[];
}

/** The plan, or the reason to stop before anything changes. */
export function planUpgrade(
  input: PlanInput,
  t: Translate,
): { ok: true; plan: UpgradePlan } | { ok: false; message: string } {
  const { project, version, upgradeService } = input;
  const problem = checkTargetVersion(version, input.current, t);
  if (problem) {
    return { ok: false, message: problem };
  }
  if (input.path === 'dbupgrade' && !upgradeService) {
    return {
      ok: false,
      message: t(
        'No DB upgrade service was found beside {0} (a dbupgrade-compose.yml, or a service with WA_DB_UPGRADE=1). Nothing was changed.',
        input.clusterFiles.map(input.fileLabel).join(', '),
      ),
    };
  }
  if (input.path === 'dbupgrade' && !supportsDbUpgrade(version)) {
    return {
      ok: false,
      message: t(
        'The DB upgrade service is documented from version 2.23 on; upgrade to {0} with downtime instead.',
        version,
      ),
    };
  }
  const stillUpgrading = upgradeService
    ? input.snapshot?.nodes.find(
        (n) =>
          n.service === upgradeService.service &&
          (n.container?.state === 'running' || n.container?.state === 'restarting'),
      )
    : undefined;
  if (stillUpgrading) {
    // An earlier DB upgrade (cut short in the editor, or started by hand) is migrating: recreating it would cut that short.
    return {
      ok: false,
      message: t(
        'The DB upgrade container {0} of {1} is still running. Starting an upgrade now would cut its migration short: wait until it has exited ("docker wait {0}" prints its exit code), then run Upgrade again. Nothing was changed.',
        stillUpgrading.container?.name ?? stillUpgrading.name,
        project,
      ),
    };
  }
  const services = runningServices(input.declared, input.snapshot, upgradeService?.service);
  const kindOf = (name: string) => input.declared.find((d) => d.name === name)?.kind;
  if (
    input.path === 'dbupgrade' &&
    input.declared.some((d) => d.kind === 'db') &&
    !services.some((s) => kindOf(s) === 'db')
  ) {
    return {
      ok: false,
      message: t(
        'The database of {0} does not run, so the DB upgrade could not reach it. Start the cluster (WA Cluster: Up) first. Nothing was changed.',
        project,
      ),
    };
  }
  const steps: UpgradeStep[] = [];
  const lines: string[] = [];
  if (input.path === 'dbupgrade' && upgradeService) {
    steps.push({ kind: 'dbUpgrade', service: upgradeService });
    lines.push(
      t(
        '1. Run the DB upgrade service {0} with version {1} and wait for it to exit with 0 (on failure nothing else changes).',
        upgradeService.service,
        version,
      ),
    );
  }
  steps.push({ kind: 'setVersion', envFile: input.envFile });
  lines.push(t('{0}. Set WA_API_VERSION={1} in {2}.', lines.length + 1, version, input.envFileLabel));
  if (services.length > 0) {
    const shards = connectedShards(input.snapshot);
    steps.push({ kind: 'recreate', services }, { kind: 'verify', services, shards });
    // Only the WhatsApp nodes have a version; the others (db) are named as kept.
    const versioned = services.filter((s) => isVersioned(kindOf(s)));
    const kept = services.filter((s) => !isVersioned(kindOf(s)));
    lines.push(
      kept.length > 0
        ? t(
            '{0}. Recreate {1} on {2} ("up -d"; {3} keeps running); the API is unavailable meanwhile.',
            lines.length + 1,
            versioned.join(', '),
            version,
            kept.join(', '),
          )
        : t(
            '{0}. Recreate {1} on {2} ("up -d"); the API is unavailable meanwhile.',
            lines.length + 1,
            versioned.join(', '),
            version,
          ),
    );
    lines.push(
      shards > 0
        ? t(
            '{0}. Wait until every node runs {1} and {2}/{2} shards are connected again (failovers meanwhile are expected, not announced).',
            lines.length + 1,
            version,
            shards,
          )
        : t('{0}. Wait until every node runs {1}.', lines.length + 1, version),
    );
  } else {
    lines.push(t('Nothing runs now: the next Up starts {0}.', version));
  }
  lines.push(
    t(
      'Volumes are kept. A schema upgrade cannot be undone by going back to {0}: back up first.',
      input.current ?? t('the old version'),
    ),
  );
  return {
    ok: true,
    plan: {
      project,
      from: input.current,
      to: version,
      path: input.path,
      steps,
      question: t('Upgrade {0} from {1} to {2}?', project, input.current ?? '?', version),
      detail: lines.join('\n'),
    },
  };
}

/** The nodes that carry WA_API_VERSION (their image is tagged with it); db and others have no version. */
function isVersioned(kind: DeclaredService['kind'] | undefined): boolean {
  return kind === 'web' || kind === 'master' || kind === 'coreapp';
}

/** Shards connected in a snapshot (0 when health is not known): what the upgrade must bring back. */
export function connectedShards(snapshot: ClusterSnapshot | undefined): number {
  return snapshot?.cluster?.healthMode ? snapshot.nodes.filter((n) => n.shardOwner).length : 0;
}

/**
 * What the upgrade still waits for, in words (undefined: done): every WhatsApp node of `services`
 * runs `version` and none is still starting, the API reports `version`, and `shards` coreapps on
 * `version` are connected. This is also the progress message.
 */
export function pendingUpgrade(
  snapshot: ClusterSnapshot,
  services: readonly string[],
  version: string,
  apiVersion: string | undefined,
  shards: number,
  t: Translate,
): string | undefined {
  for (const name of services) {
    const node = snapshot.nodes.find((n) => n.service === name);
    if (!node || !isVersioned(node.kind)) {
      continue;
    }
    if (node.container?.state !== 'running') {
      return t('waiting for {0} to run (it is not running)', name);
    }
    if (node.container.version !== version) {
      return t('waiting for {0} to run {1} (it runs {2})', name, version, node.container.version ?? '?');
    }
    if (node.state === 'starting') {
      return t('waiting for {0}: {1}', name, node.stateReason);
    }
  }
  if (apiVersion !== version) {
    if (apiVersion === undefined && shards === 0) {
      return undefined;
    }
    return apiVersion === undefined
      ? t('waiting for /v1/health to answer')
      : t('waiting for the API to report {0} (it reports {1})', version, apiVersion);
  }
  if (shards > 0) {
    // Owners on the new version only: a stale health entry of a removed container does not count.
    const connected = snapshot.nodes.filter((n) => n.shardOwner && n.container?.version === version).length;
    if (connected < shards) {
      return t('waiting for {0}/{1} shards connected on {2} ({3}/{1} now)', shards, shards, version, connected);
    }
  }
  return undefined;
}

/** Local images as Docker lists them: each image's `repo:tag` names. */
export interface LocalImage {
  readonly repoTags: readonly string[];
}

/** The `repo:tag` names of `required` that no local image carries, in order, without repeats. */
export function missingImages(required: readonly string[], local: readonly LocalImage[]): string[] {
  const present = new Set(local.flatMap((i) => i.repoTags.map(withDefaultTag)));
  return [...new Set(required)].filter((r) => !present.has(withDefaultTag(r)));
}

function withDefaultTag(ref: string): string {
  const slash = ref.lastIndexOf('/');
  return ref.lastIndexOf(':') > slash ? ref : `${ref}:latest`;
}

/**
 * The image of each service of `files` with WA_API_VERSION=`version`, as Compose resolves it: the
 * target version wins over the env file, as the runners pass it in the environment.
 */
export function imagesAtVersion(
  files: readonly string[],
  reader: FileReader,
  version: string,
  env: Readonly<Record<string, string | undefined>>,
  envFile: string | undefined,
): { readonly service: string; readonly role: Role; readonly image: string }[] {
  if (files.length === 0) {
    return [];
  }
  const project = loadProject({
    files: files.map((p) => ({ path: p, text: reader.read(p) ?? '' })),
    reader,
    env: { ...env, WA_API_VERSION: version },
    ...(envFile ? { envFile } : {}),
  });
  return [...project.services.values()].flatMap((s) =>
    s.image?.value ? [{ service: s.name, role: s.role, image: s.image.value }] : [],
  );
}

/** The refusal, in one line, when images of the target version are not on this engine (undefined: all present). */
export function missingImagesMessage(version: string, missing: readonly string[], t: Translate): string | undefined {
  if (missing.length === 0) {
    return undefined;
  }
  return t(
    'Version {0} cannot be used: {1} not on this Docker engine (docker pull, or docker load, first). Nothing was changed.',
    version,
    missing.join(', '),
  );
}

/**
 * The versions that could be upgraded to with local images only: for every repository of the
 * cluster's WhatsApp images (`repos`, e.g. docker.whatsapp.biz/coreapp), a `v<version>` tag is
 * present. Newest first.
 */
export function localVersions(repos: readonly string[], local: readonly LocalImage[]): string[] {
  const tagsOf = new Map<string, Set<string>>();
  for (const ref of local.flatMap((i) => i.repoTags)) {
    const m = /^(.+):v(\d+\.\d+\.\d+)$/.exec(ref);
    if (m) {
      const versions = tagsOf.get(m[1]!) ?? new Set<string>();
      versions.add(m[2]!);
      tagsOf.set(m[1]!, versions);
    }
  }
  const unique = [...new Set(repos)];
  if (unique.length === 0) {
    return [];
  }
  const [first, ...rest] = unique.map((r) => tagsOf.get(r) ?? new Set<string>());
  return [...first!].filter((v) => rest.every((s) => s.has(v))).sort(compareVersionsDescending);
}

function compareVersionsDescending(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

/** `docker.whatsapp.biz/coreapp` of `docker.whatsapp.biz/coreapp:v2.51.1`: the repository of a versioned image. */
export function imageRepository(ref: string): string | undefined {
  return /^(.+):v\d+\.\d+\.\d+$/.exec(ref)?.[1];
}

/**
 * The exit code of a one-shot container from what `docker wait` said and what inspecting it shows;
 * undefined while it still runs (wait again). A container that was restarted (`restart:
 * on-failure`) has failed whatever the wait said: engines before 22.06 read the exit code after
 * the restart had already reset it to 0 (moby/moby#39352, fixed by moby/moby#43751), which
 * happened here on Docker 20.10.
 */
export function oneShotExitCode(
  waited: number,
  inspected: { state: string; exitCode: number | undefined; restartCount: number },
): number | undefined {
  if (inspected.restartCount > 0 || inspected.state === 'restarting') {
    return waited !== 0 ? waited : inspected.exitCode || 1;
  }
  if (inspected.state === 'exited' || inspected.state === 'dead') {
    return waited !== 0 ? waited : (inspected.exitCode ?? waited);
  }
  return undefined;
}

/** What the user is told on the next start when an upgrade was cut short (window closed, editor crashed) at `step`. */
export function interruptedUpgradeMessage(
  entry: { project: string; from: string | undefined; to: string; step: UpgradeStep['kind'] },
  t: Translate,
  /** The DB upgrade container as the engine shows it now (interrupted in the 'dbUpgrade' step), when found. */
  upgradeContainer?: { name: string; state: string; exitCode: number | undefined },
): string {
  const from = entry.from ?? t('the old version');
  switch (entry.step) {
    case 'dbUpgrade':
      if (upgradeContainer && (upgradeContainer.state === 'running' || upgradeContainer.state === 'restarting')) {
        // Recreating it now (Upgrade again) would cut the migration short: it has to run to its end.
        return t(
          'The upgrade of {0} from {1} to {2} was interrupted while the DB upgrade ran, and its container {3} is still running. The nodes were not restarted and .env still names {1}. Let it finish: run neither Upgrade nor Up on {2} until it has exited ("docker wait {3}" prints its exit code), then, if it exited with 0, run Upgrade again.',
          entry.project,
          from,
          entry.to,
          upgradeContainer.name,
        );
      }
      if (upgradeContainer?.exitCode !== undefined) {
        return upgradeContainer.exitCode === 0
          ? t(
              'The upgrade of {0} from {1} to {2} was interrupted while the DB upgrade ran; its container {3} has since finished with exit code 0. The nodes were not restarted and .env still names {1}: run Upgrade again to restart them on {2}.',
              entry.project,
              from,
              entry.to,
              upgradeContainer.name,
            )
          : t(
              'The upgrade of {0} from {1} to {2} was interrupted while the DB upgrade ran; its container {3} exited with {4}. The nodes were not restarted and .env still names {1}. Check its logs ("docker logs {3}"), then run Upgrade again.',
              entry.project,
              from,
              entry.to,
              upgradeContainer.name,
              upgradeContainer.exitCode,
            );
      }
      return t(
        "The upgrade of {0} from {1} to {2} was interrupted while the DB upgrade ran. The nodes were not restarted and .env still names {1}. Check the DB upgrade container's logs, then run Upgrade again.",
        entry.project,
        from,
        entry.to,
      );
    case 'setVersion':
      return t(
        'The upgrade of {0} from {1} to {2} was interrupted while WA_API_VERSION was written to .env. Check .env: run Upgrade again to finish, or set WA_API_VERSION back to {1}.',
        entry.project,
        from,
        entry.to,
      );
    case 'recreate':
    case 'verify':
      return t(
        'The upgrade of {0} from {1} to {2} was interrupted while the nodes were restarted on {2}. .env names {2}: check the WA Cluster view, and run Up to start any node that is not running on {2}.',
        entry.project,
        from,
        entry.to,
      );
  }
}
