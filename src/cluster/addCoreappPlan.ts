import { loadProject, type Project, type Service } from '../compose/project';
import { type FileReader } from '../compose/types';
import { lintProject, type RuleSettings } from '../lint/engine';
import { type Translate, english } from '../util/translate';

/**
 * "Add Coreapp" when every declared coreapp runs: a new `wacoreN` service in the compose file,
 * a copy of the last coreapp (same image, environment, volumes, env files, restart policy and
 * dependencies) with what must be its own (wa-api.md §1.4, §5.5): the service name,
 * COREAPP_HOSTNAME, `hostname`/`container_name` when set, and fixed host ports (moved past every
 * published port, COREAPP_EXTERNAL_PORTS with them). The edit is textual, next to the copied
 * service, so every comment and the formatting of the rest of the file stay as they are; the
 * result is linted with our rules and refused if it adds an error.
 */

export interface AddCoreappInput {
  /** The cluster's compose files in `-f` order, with their current text. */
  readonly files: readonly { readonly path: string; readonly text: string }[];
  readonly envFile?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly reader: FileReader;
  readonly rules?: RuleSettings;
}

export type AddCoreappPlan =
  | {
      readonly ok: true;
      /** The compose file that gets the new service, and its new text. */
      readonly file: string;
      readonly text: string;
      readonly service: string;
      readonly hostname: string;
      /** The service copied. */
      readonly template: string;
      /** 0-based line of the new service's key. */
      readonly line: number;
      /** The same change as one insertion into the old text (for an undoable editor edit). */
      readonly insertAt: number;
      readonly inserted: string;
    }
  | { readonly ok: false; readonly reason: string };

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** `wacore3` → next free `wacoreN` (N past every `wacore<digits>` in use); `core` → `core2`. */
export function nextServiceName(template: string, taken: ReadonlySet<string>): string {
  const m = /^(.*?)(\d+)$/.exec(template);
  const prefix = m ? m[1]! : template;
  let n = 1;
  for (const name of taken) {
    const own = name.startsWith(prefix) ? /^\d+$/.exec(name.slice(prefix.length)) : null;
    if (own) {
      n = Math.max(n, Number(own[0]));
    }
  }
  let candidate = `${prefix}${n + 1}`;
  while (taken.has(candidate)) {
    n++;
    candidate = `${prefix}${n + 1}`;
  }
  return candidate;
}

/** A per-node value of the copied service for the new one: its name in place of the old one's. */
function ownValue(value: string, from: string, to: string): string {
  if (value.includes(from)) {
    return value.split(from).join(to);
  }
  const digits = /(\d+)$/.exec(to)?.[1] ?? '2';
  return /\d+$/.test(value) ? value.replace(/\d+$/, digits) : `${value}-${digits}`;
}

/** The lint errors, each as `rule: message`; `rename` words the new service as the copied one (same error, not a new one). */
function lintErrors(
  project: Project,
  rules: RuleSettings | undefined,
  t: Translate,
  rename?: { from: string; to: string },
): Set<string> {
  return new Set(
    lintProject(project, { rules: rules ?? {}, t })
      .filter((f) => f.severity === 'error')
      .map((f) => `${f.rule}: ${rename ? f.message.split(rename.from).join(rename.to) : f.message}`),
  );
}

export function planAddCoreapp(input: AddCoreappInput, t: Translate = english): AddCoreappPlan {
  const load = (files: readonly { path: string; text: string }[]): Project =>
    loadProject({
      files: files.map((f) => ({ path: f.path, text: f.text })),
      ...(input.envFile ? { envFile: input.envFile } : {}),
      env: { ...input.env },
      reader: input.reader,
    });
  const project = load(input.files);
  const coreapps = [...project.services.values()].filter((s) => s.role === 'coreapp');
  const template = coreapps[coreapps.length - 1];
  if (!template) {
    return { ok: false, reason: t('The compose files declare no coreapp to copy.') };
  }
  const def = template.defs[template.defs.length - 1];
  const keyRange = def?.key.range;
  const mapRange = def?.map.range;
  if (!def || !keyRange || !mapRange) {
    return { ok: false, reason: t('{0} has no definition of its own to copy.', template.name) };
  }
  const text = def.source.text;
  const blockStart = text.lastIndexOf('\n', keyRange[0] - 1) + 1;
  const newline = text.indexOf('\n', Math.max(mapRange[1] - 1, keyRange[0]));
  const blockEnd = newline < 0 ? text.length : newline;
  const inBlock = (span: { file: string; start: number; end: number }): boolean =>
    span.file === def.source.path && span.start >= blockStart && span.end <= blockEnd;

  const service = nextServiceName(template.name, new Set(project.services.keys()));
  const edits: Replacement[] = [{ start: keyRange[0], end: keyRange[1], text: service }];
  /** Replaces `value` inside a span's text (quotes and `KEY=` prefixes as written stay). */
  const rewrite = (span: { start: number; end: number }, value: string, next: string): void => {
    const written = text.slice(span.start, span.end);
    const at = written.indexOf(value);
    if (at >= 0) {
      edits.push({ start: span.start + at, end: span.start + at + value.length, text: next });
    }
  };

  const host = template.composeEnv.get('COREAPP_HOSTNAME');
  if (!host || host.value === undefined || host.unresolved || !inBlock(host.valueSpan)) {
    return {
      ok: false,
      reason: t(
        'COREAPP_HOSTNAME of {0} is not a plain value in its environment: add the new coreapp by hand.',
        template.name,
      ),
    };
  }
  const hostname = ownValue(host.value, template.name, service);
  rewrite(host.valueSpan, host.value, hostname);
  for (const own of [template.hostname, template.containerName]) {
    if (own && !own.unresolved && inBlock(own.span)) {
      rewrite(own.span, own.value, ownValue(own.value, template.name, service));
    }
  }

  const portEdit = movePorts(project, template, inBlock, t);
  if (!portEdit.ok) {
    return portEdit;
  }
  for (const e of portEdit.edits) {
    rewrite(e.span, e.from, e.to);
  }
  const external = template.composeEnv.get('COREAPP_EXTERNAL_PORTS');
  if (external?.value && portEdit.moved.size > 0 && inBlock(external.valueSpan)) {
    const next = external.value.replace(/\d+/g, (p) => String(portEdit.moved.get(Number(p)) ?? p));
    rewrite(external.valueSpan, external.value, next);
  }

  edits.sort((a, b) => b.start - a.start);
  let block = text.slice(blockStart, blockEnd);
  for (const e of edits) {
    block = block.slice(0, e.start - blockStart) + e.text + block.slice(e.end - blockStart);
  }
  const newText = `${text.slice(0, blockEnd)}\n${block}${text.slice(blockEnd)}`;
  const files = input.files.map((f) => (f.path === def.source.path ? { path: f.path, text: newText } : f));

  const after = load(files);
  const added = after.services.get(service);
  if (!added || added.role !== 'coreapp' || added.composeEnv.get('COREAPP_HOSTNAME')?.value !== hostname) {
    return { ok: false, reason: t('The copy of {0} did not read back as a coreapp: add it by hand.', template.name) };
  }
  const before = lintErrors(project, input.rules, t);
  // An error the copied service already has is no new one (its copy inherits it, the linter names both).
  const fresh = [...lintErrors(after, input.rules, t, { from: service, to: template.name })].filter(
    (e) => !before.has(e),
  );
  if (fresh.length > 0) {
    return { ok: false, reason: t('Adding {0} would make the compose file fail the linter: {1}', service, fresh[0]!) };
  }
  const line = newText.slice(0, blockEnd + 1).split('\n').length - 1;
  return {
    ok: true,
    file: def.source.path,
    text: newText,
    service,
    hostname,
    template: template.name,
    line,
    insertAt: blockEnd,
    inserted: `\n${block}`,
  };
}

/**
 * Fixed host ports of the copied service cannot be shared: each range moves past the highest
 * host port any service publishes. Random host ports (`127.0.0.1::6250-6253`) stay as they are.
 */
function movePorts(
  project: Project,
  template: Service,
  inBlock: (span: { file: string; start: number; end: number }) => boolean,
  t: Translate,
):
  | {
      ok: true;
      edits: { span: { start: number; end: number }; from: string; to: string }[];
      moved: Map<number, number>;
    }
  | { ok: false; reason: string } {
  const fixed = template.ports.filter((p) => p.published !== undefined);
  const moved = new Map<number, number>();
  if (fixed.length === 0) {
    return { ok: true, edits: [], moved };
  }
  let highest = 0;
  for (const s of project.services.values()) {
    for (const p of s.ports) {
      highest = Math.max(highest, p.published?.end ?? 0);
    }
  }
  const lowest = Math.min(...fixed.map((p) => p.published!.start));
  const offset = highest + 1 - lowest;
  const edits: { span: { start: number; end: number }; from: string; to: string }[] = [];
  for (const p of fixed) {
    const pub = p.published!;
    const from = pub.start === pub.end ? `${pub.start}` : `${pub.start}-${pub.end}`;
    const to = pub.start === pub.end ? `${pub.start + offset}` : `${pub.start + offset}-${pub.end + offset}`;
    // Short syntax only: `[ip:]host:container`, the host part right before the container part.
    const target = p.target.start === p.target.end ? `${p.target.start}` : `${p.target.start}-${p.target.end}`;
    if (p.unresolved || !inBlock(p.span) || !p.raw.includes(`${from}:${target}`)) {
      return {
        ok: false,
        reason: t(
          '{0} publishes fixed host ports in a form this command cannot move: add the new coreapp by hand.',
          template.name,
        ),
      };
    }
    edits.push({ span: p.span, from: `${from}:${target}`, to: `${to}:${target}` });
    for (let i = pub.start; i <= pub.end; i++) {
      moved.set(i, i + offset);
    }
  }
  return { ok: true, edits, moved };
}
