import * as nodePath from 'node:path';
import { isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { parseDotenv, type DotenvEntry, type DotenvFile, type DotenvProblem } from './dotenv';
import { interpolate, type Interpolated, type InterpolationError, type VarRef } from './interpolate';
import { classifyRole, type Role } from './roles';
import {
  entries,
  getNode,
  makeSourceFile,
  nodeSpan,
  pairOf,
  parseCompose,
  scalarString,
  seqItems,
  subSpan,
  type ComposeSource,
  type SourceFile,
} from './source';
import type { FileReader, ReadRefusal, Span } from './types';

/** A scalar value after interpolation, with where it was written. */
export interface Str {
  value: string;
  /** The text before interpolation. */
  raw: string;
  unresolved: boolean;
  span: Span;
  node: Node;
  source: ComposeSource;
}

/** One environment variable a container gets, and where it is set. */
export interface EnvValue {
  name: string;
  /** After interpolation; undefined when the variable is passed through from a shell that lacks it. */
  value: string | undefined;
  unresolved: boolean;
  keySpan: Span;
  /** The value as written (quotes included), or an empty span after the key when there is no value. */
  valueSpan: Span;
  origin: 'environment' | 'env_file';
  /** For `environment:` entries: the compose file and the node (map pair or list item). */
  source?: ComposeSource;
  node?: Node;
  form?: 'map' | 'list';
  /** For env_file entries. */
  envEntry?: DotenvEntry;
}

export interface EnvFileRef {
  /** As written. */
  path: Str;
  resolved: string;
  required: boolean;
  exists: boolean;
}

export interface PortRange {
  start: number;
  end: number;
}

export interface PortMapping {
  hostIp: string;
  /** Host side; undefined when only the container port is given (a random host port). */
  published?: PortRange;
  target: PortRange;
  protocol: string;
  raw: string;
  unresolved: boolean;
  span: Span;
  source: ComposeSource;
}

export interface Mount {
  type: 'volume' | 'bind' | 'tmpfs' | 'other';
  source?: string;
  target: string;
  span: Span;
  unresolved: boolean;
}

export interface ServiceDef {
  source: ComposeSource;
  key: Scalar;
  map: YAMLMap;
}

export interface Service {
  name: string;
  /** The service's key in the last file that defines it. */
  keySpan: Span;
  defs: ServiceDef[];
  /** The last definition of each key of the service (for edits). */
  pairs: Map<string, { source: ComposeSource; pair: Pair; map: YAMLMap }>;
  image?: Str;
  networkMode?: Str;
  restart?: Str;
  hostname?: Str;
  containerName?: Str;
  /** `command` joined with spaces (list form) or as written. */
  command?: Str;
  /** What Compose sets from `environment:` (after merge), before env files. */
  composeEnv: Map<string, EnvValue>;
  /** The container environment: env files, then `environment:` on top. */
  environment: Map<string, EnvValue>;
  envFiles: EnvFileRef[];
  ports: PortMapping[];
  volumes: Mount[];
  dependsOn: Str[];
  links: Str[];
  networks: Str[];
  volumesFrom: Str[];
  secrets: Str[];
  configs: Str[];
  extends?: { service: Str; file?: Str };
  role: Role;
}

export interface Declaration {
  name: string;
  span: Span;
  external: boolean;
}

/** A `${…}`/`$VAR` in a compose file, with its exact place in the source. */
export interface VarUse {
  ref: VarRef;
  span: Span;
  /** Where its operator argument (default or message) sits, when there is one. */
  argSpan?: Span;
  node: Node;
  source: ComposeSource;
}

export interface VariableSource {
  value: string;
  origin: 'environment' | 'dotenv';
  entry?: DotenvEntry;
  file?: string;
}

export interface Project {
  /** The project directory (the first compose file's folder). */
  dir: string;
  files: ComposeSource[];
  /** The env file used for interpolation (`.env` beside the first file, or --env-file), when it exists. */
  dotenv?: DotenvFile;
  dotenvPath: string;
  envFiles: Map<string, DotenvFile>;
  /** Every file with text that findings may point into, by path. */
  sources: Map<string, SourceFile>;
  services: Map<string, Service>;
  volumes: Map<string, Declaration>;
  networks: Map<string, Declaration>;
  secrets: Map<string, Declaration>;
  configs: Map<string, Declaration>;
  variables: Map<string, VariableSource>;
  varUses: VarUse[];
  /** Interpolation syntax errors of compose values, by span (worded like {@link InterpolationError}). */
  interpolationErrors: ({ span: Span } & Pick<InterpolationError, 'message' | 'word'>)[];
  /** Problems reading env files (bad lines), by span. */
  envProblems: DotenvProblem[];
  /** Files that exist but were not read (a FIFO, a device, a directory, too large), with where they are named. */
  unreadable: { path: string; span: Span; refusal: ReadRefusal }[];
  /** `extends` and `include` chains that come back to where they started (Compose: "circular reference"). */
  circular: { kind: 'extends' | 'include'; span: Span; chain: string[] }[];
  /** Every path read or looked for (compose files, env files): re-lint when one changes. */
  dependencies: string[];
  lookup(name: string): string | undefined;
}

export interface LoadOptions {
  /**
   * Compose files in `-f` order; the first file's folder is the project directory. A file given
   * already parsed ({@link parseCompose}) is not parsed again (discovery parses in a turn of its own).
   */
  files: ({ path: string; text: string } | ComposeSource)[];
  /** `--env-file`; defaults to `<project dir>/.env`. */
  envFile?: string;
  /** The shell environment Compose would see (overrides the env file). */
  env?: Record<string, string | undefined>;
  reader: FileReader;
}

const MAX_EXTENDS_DEPTH = 10;
const MAX_INCLUDE_DEPTH = 10;

/** Builds the project model from compose files; never throws (problems are recorded in the model). */
export function loadProject(opts: LoadOptions): Project {
  const dir = nodePath.dirname(opts.files[0]?.path ?? nodePath.resolve('compose.yml'));
  const dotenvPath = opts.envFile ?? nodePath.join(dir, '.env');
  const env = opts.env ?? {};
  const sources = new Map<string, SourceFile>();
  const dependencies = new Set<string>(opts.files.map((f) => f.path));
  dependencies.add(dotenvPath);
  const dotenvText = opts.reader.read(dotenvPath);
  const dotenvRefusal = dotenvText === undefined ? opts.reader.refusal?.(dotenvPath) : undefined;
  const dotenv = dotenvText === undefined ? undefined : parseDotenv(dotenvPath, dotenvText, (n) => env[n]);
  const variables = new Map<string, VariableSource>();
  for (const e of dotenv?.entries ?? []) {
    if (e.value !== undefined) {
      variables.set(e.key, { value: e.value, origin: 'dotenv', entry: e, file: dotenvPath });
    }
  }
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined) {
      variables.set(k, { value: v, origin: 'environment' });
    }
  }
  if (dotenv) {
    sources.set(dotenvPath, dotenv);
  }
  const lookup = (name: string): string | undefined => variables.get(name)?.value;

  const project: Project = {
    dir,
    files: [],
    dotenvPath,
    envFiles: new Map(),
    sources,
    services: new Map(),
    volumes: new Map(),
    networks: new Map(),
    secrets: new Map(),
    configs: new Map(),
    variables,
    varUses: [],
    interpolationErrors: [],
    envProblems: [...(dotenv?.problems ?? [])],
    unreadable: [],
    circular: [],
    dependencies: [],
    lookup,
    ...(dotenv ? { dotenv } : {}),
  };
  const ctx = new Ctx(project, opts.reader, lookup, dependencies);

  for (const f of opts.files) {
    const src = 'doc' in f ? f : parseCompose(f.path, f.text);
    project.files.push(src);
    sources.set(f.path, src);
    ctx.index(src);
  }
  const first = project.files[0];
  if (dotenvRefusal && first) {
    // `.env` / `--env-file` is not named in a compose file: the finding goes at the top of the first one.
    project.unreadable.push({ path: dotenvPath, span: { file: first.path, start: 0, end: 0 }, refusal: dotenvRefusal });
  }
  for (const src of project.files) {
    ctx.checkIncludes(src);
  }

  // Per file: resolve `extends`, then merge into the project in -f order.
  const merged = new Map<string, Service>();
  for (const src of project.files) {
    const contents = src.doc.contents;
    for (const e of entries(contents)) {
      const map = e.value;
      if (e.key === 'volumes' || e.key === 'networks' || e.key === 'secrets' || e.key === 'configs') {
        const target = project[e.key];
        for (const d of entries(map)) {
          const external =
            isMap(d.value) &&
            isTruthy(
              scalarString(getNode(d.value, 'external')) ?? (isMap(getNode(d.value, 'external')) ? 'true' : undefined),
            );
          target.set(d.key, { name: d.key, span: spanOf(src, d.keyNode), external });
        }
      }
    }
    for (const s of entries(getNode(contents, 'services'))) {
      if (!isMap(s.value)) {
        continue;
      }
      const def = ctx.resolveExtends(src, s.key, s.keyNode, s.value, [`${src.path}#${s.key}`]);
      const existing = merged.get(s.key);
      merged.set(s.key, existing ? mergeServices(existing, def) : def);
    }
  }
  for (const svc of merged.values()) {
    ctx.finishEnvironment(svc);
    svc.role = classifyRole(svc.name, svc.image?.value, (n) => svc.environment.get(n)?.value);
    project.services.set(svc.name, svc);
  }
  project.dependencies = [...dependencies];
  return project;
}

function isTruthy(v: string | undefined): boolean {
  return v !== undefined && /^(true|yes|1|on)$/i.test(v.trim());
}

function spanOf(src: SourceFile, node: unknown): Span {
  return nodeSpan(src.path, node) ?? { file: src.path, start: 0, end: 0 };
}

class Ctx {
  private readonly interp = new WeakMap<Node, Interpolated>();

  constructor(
    private readonly project: Project,
    private readonly reader: FileReader,
    private readonly lookup: (name: string) => string | undefined,
    private readonly deps: Set<string>,
  ) {}

  /** Interpolates every scalar value of a compose file and records each variable use. */
  index(src: ComposeSource): void {
    // Aliases share nodes: each is indexed once.
    const seen = new Set<unknown>();
    const visit = (node: unknown, depth: number): void => {
      if (depth > 200 || node === null || node === undefined || seen.has(node)) {
        return;
      }
      seen.add(node);
      if (isScalar(node)) {
        if (typeof node.value !== 'string') {
          return;
        }
        const raw = node.value;
        if (!raw.includes('$')) {
          return;
        }
        const r = interpolate(raw, this.lookup);
        this.interp.set(node, r);
        for (const ref of r.refs) {
          const text = raw.slice(ref.start, ref.end);
          const nth = countBefore(raw, text, ref.start);
          const span = subSpan(src, node, ref.start, ref.end - ref.start, nth) ?? spanOf(src, node);
          let argSpan: Span | undefined;
          if (ref.arg !== undefined && ref.argStart !== undefined && span.end - span.start === ref.end - ref.start) {
            argSpan = {
              file: src.path,
              start: span.start + (ref.argStart - ref.start),
              end: span.start + (ref.argStart - ref.start) + ref.arg.length,
            };
          }
          this.project.varUses.push({ ref, span, node, source: src, ...(argSpan ? { argSpan } : {}) });
        }
        for (const e of r.errors) {
          const span = subSpan(src, node, e.start, e.end - e.start) ?? spanOf(src, node);
          this.project.interpolationErrors.push({ span, message: e.message, word: e.word });
        }
        return;
      }
      if (isMap(node)) {
        for (const item of node.items) {
          visit(item.value, depth + 1);
        }
        return;
      }
      if (isSeq(node)) {
        for (const item of node.items) {
          visit(item, depth + 1);
        }
      }
    };
    visit(src.doc.contents, 0);
  }

  str(src: ComposeSource, node: unknown): Str | undefined {
    if (!isScalar(node)) {
      return undefined;
    }
    const raw = scalarString(node);
    if (raw === undefined) {
      return undefined;
    }
    const r = this.interp.get(node);
    return {
      value: r ? r.value : raw,
      raw,
      unresolved: r?.unresolved ?? false,
      span: spanOf(src, node),
      node,
      source: src,
    };
  }

  strList(src: ComposeSource, node: unknown): Str[] {
    if (isScalar(node)) {
      const s = this.str(src, node);
      return s ? [s] : [];
    }
    return seqItems(node)
      .map((n) => this.str(src, n))
      .filter((s): s is Str => s !== undefined);
  }

  /** `depends_on` / `networks`: the long form's keys (a map), or the short form's list. */
  private keysOrList(src: ComposeSource, node: unknown): Str[] {
    if (!isMap(node)) {
      return this.strList(src, node);
    }
    return entries(node).map((d) => ({
      value: d.key,
      raw: d.key,
      unresolved: false,
      span: spanOf(src, d.keyNode),
      node: d.keyNode,
      source: src,
    }));
  }

  /** Reads and parses a compose file named by `extends.file` or `include`, recording why when it cannot. */
  private readCompose(p: string, span: Span): ComposeSource | undefined {
    const known = this.project.sources.get(p);
    if (known && 'doc' in known) {
      return known as ComposeSource;
    }
    this.deps.add(p);
    const text = this.reader.read(p);
    if (text === undefined) {
      const refusal = this.reader.refusal?.(p);
      if (refusal) {
        this.project.unreadable.push({ path: p, span, refusal });
      }
      return undefined;
    }
    const parsed = parseCompose(p, text);
    this.index(parsed);
    this.project.sources.set(p, parsed);
    return parsed;
  }

  /**
   * Builds a service from one definition, applying `extends` first. `chain` holds the
   * `file#service` ids on the way here: meeting one again is a circular reference.
   */
  resolveExtends(src: ComposeSource, name: string, key: Scalar, map: YAMLMap, chain: string[], at?: Span): Service {
    const own = this.buildService(src, name, key, map);
    if (!own.extends || chain.length > MAX_EXTENDS_DEPTH) {
      return own;
    }
    const baseName = own.extends.service.value;
    let baseSrc: ComposeSource | undefined = src;
    if (own.extends.file) {
      baseSrc = this.readCompose(
        nodePath.resolve(nodePath.dirname(src.path), own.extends.file.value),
        own.extends.file.span,
      );
    }
    if (!baseSrc) {
      return own;
    }
    const id = `${baseSrc.path}#${baseName}`;
    if (chain.includes(id)) {
      // Reported where the chain starts (the project's own file), named from there.
      const root = chain[0]?.slice(0, chain[0].lastIndexOf('#')) ?? src.path;
      this.project.circular.push({
        kind: 'extends',
        span: at ?? own.extends.service.span,
        chain: [...chain, id].map((c) => extendsLabel(c, root)),
      });
      return own;
    }
    const basePair = pairOf(getNode(baseSrc.doc.contents, 'services'), baseName);
    if (!basePair || !isMap(basePair.value)) {
      return own;
    }
    const base = this.resolveExtends(
      baseSrc,
      baseName,
      basePair.key,
      basePair.value,
      [...chain, id],
      at ?? own.extends.service.span,
    );
    const merged = mergeServices(base, own);
    merged.name = name;
    merged.keySpan = own.keySpan;
    return merged;
  }

  /** Follows `include:` from a compose file and records a chain that comes back to a file already on it. */
  checkIncludes(top: ComposeSource): void {
    const done = new Set<string>();
    const walk = (src: ComposeSource, chain: string[], span: Span | undefined): void => {
      for (const inc of includePaths(src)) {
        const at = span ?? inc.span;
        if (chain.includes(inc.path)) {
          this.project.circular.push({
            kind: 'include',
            span: at,
            chain: [...chain, inc.path].map((c) => nodePath.basename(c)),
          });
          continue;
        }
        if (chain.length >= MAX_INCLUDE_DEPTH || done.has(inc.path)) {
          continue;
        }
        done.add(inc.path);
        const next = this.readCompose(inc.path, at);
        if (next) {
          walk(next, [...chain, inc.path], at);
        }
      }
    };
    walk(top, [top.path], undefined);
  }

  buildService(src: ComposeSource, name: string, key: Scalar, map: YAMLMap): Service {
    const svc: Service = {
      name,
      keySpan: spanOf(src, key),
      defs: [{ source: src, key, map }],
      pairs: new Map(),
      composeEnv: new Map(),
      environment: new Map(),
      envFiles: [],
      ports: [],
      volumes: [],
      dependsOn: [],
      links: [],
      networks: [],
      volumesFrom: [],
      secrets: [],
      configs: [],
      role: 'other',
    };
    for (const e of entries(map)) {
      svc.pairs.set(e.key, { source: src, pair: e.pair, map });
      const v = e.value;
      switch (e.key) {
        case 'image':
        case 'network_mode':
        case 'restart':
        case 'hostname':
        case 'container_name': {
          const s = this.str(src, v);
          if (s) {
            const field = (
              {
                image: 'image',
                network_mode: 'networkMode',
                restart: 'restart',
                hostname: 'hostname',
                container_name: 'containerName',
              } as const
            )[e.key];
            svc[field] = s;
          }
          break;
        }
        case 'command': {
          if (isSeq(v)) {
            const parts = this.strList(src, v);
            svc.command = {
              value: parts.map((p) => p.value).join(' '),
              raw: parts.map((p) => p.raw).join(' '),
              unresolved: parts.some((p) => p.unresolved),
              span: spanOf(src, v),
              node: v,
              source: src,
            };
          } else {
            const s = this.str(src, v);
            if (s) {
              svc.command = s;
            }
          }
          break;
        }
        case 'environment':
          this.readEnvironment(src, v, svc.composeEnv);
          break;
        case 'env_file':
          this.readEnvFiles(src, v, svc.envFiles);
          break;
        case 'ports':
          for (const item of seqItems(v)) {
            svc.ports.push(...this.readPort(src, item));
          }
          break;
        case 'volumes':
          for (const item of seqItems(v)) {
            const m = this.readMount(src, item);
            if (m) {
              svc.volumes.push(m);
            }
          }
          break;
        case 'depends_on':
          svc.dependsOn = this.keysOrList(src, v);
          break;
        case 'networks':
          svc.networks = this.keysOrList(src, v);
          break;
        case 'links':
          svc.links = this.strList(src, v);
          break;
        case 'volumes_from':
          svc.volumesFrom = this.strList(src, v);
          break;
        case 'secrets':
        case 'configs': {
          const list: Str[] = [];
          for (const item of seqItems(v)) {
            const s = isMap(item) ? this.str(src, getNode(item, 'source')) : this.str(src, item);
            if (s) {
              list.push(s);
            }
          }
          svc[e.key] = list;
          break;
        }
        case 'extends': {
          if (isMap(v)) {
            const service = this.str(src, getNode(v, 'service'));
            const file = this.str(src, getNode(v, 'file'));
            if (service) {
              svc.extends = { service, ...(file ? { file } : {}) };
            }
          } else {
            const service = this.str(src, v);
            if (service) {
              svc.extends = { service };
            }
          }
          break;
        }
        default:
          break;
      }
    }
    return svc;
  }

  private readEnvironment(src: ComposeSource, node: unknown, out: Map<string, EnvValue>): void {
    if (isMap(node)) {
      for (const e of entries(node)) {
        const keySpan = spanOf(src, e.keyNode);
        const s = this.str(src, e.value);
        const isNull = s === undefined;
        const value = isNull ? this.lookup(e.key) : s.value;
        out.set(e.key, {
          name: e.key,
          value,
          unresolved: s?.unresolved ?? false,
          keySpan,
          valueSpan: s ? s.span : { file: src.path, start: keySpan.end, end: keySpan.end },
          origin: 'environment',
          source: src,
          node: e.pair as unknown as Node,
          form: 'map',
        });
      }
      return;
    }
    for (const item of seqItems(node)) {
      const s = this.str(src, item);
      if (!s) {
        continue;
      }
      const eq = s.raw.indexOf('=');
      const name = eq < 0 ? s.raw : s.raw.slice(0, eq);
      const keySpan = subSpan(src, item, 0, name.length) ?? s.span;
      let value: string | undefined;
      let unresolved = false;
      let valueSpan: Span = { file: src.path, start: keySpan.end, end: keySpan.end };
      if (eq >= 0) {
        const rawValue = s.raw.slice(eq + 1);
        const r = interpolate(rawValue, this.lookup);
        value = r.value;
        unresolved = r.unresolved;
        valueSpan = subSpan(src, item, eq + 1, rawValue.length) ?? s.span;
        if (rawValue === '') {
          valueSpan = { file: src.path, start: keySpan.end + 1, end: keySpan.end + 1 };
        }
      } else {
        value = this.lookup(name);
      }
      out.set(name, {
        name,
        value,
        unresolved,
        keySpan,
        valueSpan,
        origin: 'environment',
        source: src,
        node: item,
        form: 'list',
      });
    }
  }

  private readEnvFiles(src: ComposeSource, node: unknown, out: EnvFileRef[]): void {
    const items: { path: Str; required: boolean }[] = [];
    if (isScalar(node)) {
      const s = this.str(src, node);
      if (s) {
        items.push({ path: s, required: true });
      }
    }
    for (const item of seqItems(node)) {
      if (isMap(item)) {
        const p = this.str(src, getNode(item, 'path'));
        const req = this.str(src, getNode(item, 'required'));
        if (p) {
          items.push({ path: p, required: req === undefined || isTruthy(req.value) });
        }
      } else {
        const s = this.str(src, item);
        if (s) {
          items.push({ path: s, required: true });
        }
      }
    }
    for (const { path, required } of items) {
      const resolved = nodePath.resolve(nodePath.dirname(src.path), path.value);
      this.deps.add(resolved);
      let parsed = this.project.envFiles.get(resolved);
      let refusal: ReadRefusal | undefined;
      if (!parsed && !path.unresolved) {
        const text = this.reader.read(resolved);
        refusal = text === undefined ? this.reader.refusal?.(resolved) : undefined;
        if (refusal) {
          this.project.unreadable.push({ path: resolved, span: path.span, refusal });
        }
        if (text !== undefined) {
          parsed = parseDotenv(resolved, text, this.lookup);
          this.project.envFiles.set(resolved, parsed);
          this.project.sources.set(resolved, parsed);
          this.project.envProblems.push(...parsed.problems);
        }
      }
      out.push({
        path,
        resolved,
        required,
        exists:
          parsed !== undefined || refusal !== undefined || this.project.unreadable.some((u) => u.path === resolved),
      });
    }
  }

  /** Applies env files, then `environment:`, as Compose does. */
  finishEnvironment(svc: Service): void {
    const env = new Map<string, EnvValue>();
    for (const ref of svc.envFiles) {
      const parsed = this.project.envFiles.get(ref.resolved);
      for (const entry of parsed?.entries ?? []) {
        env.set(entry.key, {
          name: entry.key,
          value: entry.value,
          unresolved: entry.unresolved,
          keySpan: entry.keySpan,
          valueSpan: entry.valueSpan,
          origin: 'env_file',
          envEntry: entry,
        });
      }
    }
    for (const [k, v] of svc.composeEnv) {
      env.set(k, v);
    }
    svc.environment = env;
  }

  private readPort(src: ComposeSource, item: Node): PortMapping[] {
    const span = spanOf(src, item);
    if (isMap(item)) {
      const target = this.str(src, getNode(item, 'target'));
      const published = this.str(src, getNode(item, 'published'));
      const hostIp = this.str(src, getNode(item, 'host_ip'));
      const protocol = this.str(src, getNode(item, 'protocol'));
      const t = target ? parseRange(target.value) : undefined;
      if (!t) {
        return [];
      }
      const p = published && published.value !== '' ? parseRange(published.value) : undefined;
      return [
        {
          hostIp: hostIp?.value ?? '',
          target: t,
          protocol: (protocol?.value ?? 'tcp').toLowerCase(),
          raw: src.text.slice(span.start, span.end),
          unresolved: !!(target?.unresolved || published?.unresolved || hostIp?.unresolved),
          span,
          source: src,
          ...(p ? { published: p } : {}),
        },
      ];
    }
    const s = this.str(src, item);
    if (!s) {
      return [];
    }
    const parsed = parsePortString(s.value);
    if (!parsed) {
      return [];
    }
    return [{ ...parsed, raw: s.raw, unresolved: s.unresolved, span, source: src }];
  }

  private readMount(src: ComposeSource, item: Node): Mount | undefined {
    const span = spanOf(src, item);
    if (isMap(item)) {
      const type = this.str(src, getNode(item, 'type'))?.value ?? 'volume';
      const source = this.str(src, getNode(item, 'source'));
      const target = this.str(src, getNode(item, 'target'));
      if (!target) {
        return undefined;
      }
      const t = type === 'volume' || type === 'bind' || type === 'tmpfs' ? type : 'other';
      return {
        type: t,
        target: trimSlash(target.value),
        span,
        unresolved: !!(source?.unresolved || target.unresolved),
        ...(source ? { source: source.value } : {}),
      };
    }
    const s = this.str(src, item);
    if (!s) {
      return undefined;
    }
    const parts = splitVolume(s.value);
    if (parts.length === 1) {
      return { type: 'volume', target: trimSlash(parts[0] ?? ''), span, unresolved: s.unresolved };
    }
    const source = parts[0] ?? '';
    return {
      type: isPathLike(source) ? 'bind' : 'volume',
      source,
      target: trimSlash(parts[1] ?? ''),
      span,
      unresolved: s.unresolved,
    };
  }
}

/** `file#service` as the chain of a circular `extends` is shown: the service, with its file when it is another one. */
function extendsLabel(id: string, from: string): string {
  const i = id.lastIndexOf('#');
  const file = id.slice(0, i);
  return file === from ? id.slice(i + 1) : `${nodePath.basename(file)}#${id.slice(i + 1)}`;
}

/** The files a compose file includes (`include:` as paths or `{ path: … }`), resolved against its folder. */
function includePaths(src: ComposeSource): { path: string; span: Span }[] {
  const out: { path: string; span: Span }[] = [];
  const add = (node: unknown): void => {
    const v = scalarString(node);
    if (v !== undefined && !v.includes('$')) {
      out.push({ path: nodePath.resolve(nodePath.dirname(src.path), v), span: spanOf(src, node) });
    }
  };
  for (const item of seqItems(getNode(src.doc.contents, 'include'))) {
    if (isMap(item)) {
      const p = getNode(item, 'path');
      if (isSeq(p)) {
        seqItems(p).forEach(add);
      } else {
        add(p);
      }
    } else {
      add(item);
    }
  }
  return out;
}

function countBefore(haystack: string, needle: string, before: number): number {
  let n = 0;
  let i = haystack.indexOf(needle);
  while (i >= 0 && i < before) {
    n++;
    i = haystack.indexOf(needle, i + Math.max(1, needle.length));
  }
  return n;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

export function isPathLike(source: string): boolean {
  return /^([./~]|[A-Za-z]:[\\/]|\\\\|\$)/.test(source);
}

/** `source:target[:mode]`, keeping Windows drive letters together. */
function splitVolume(v: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === ':' && !(cur.length === 1 && /[A-Za-z]/.test(cur) && (v[i + 1] === '\\' || v[i + 1] === '/'))) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

export function parseRange(v: string): PortRange | undefined {
  const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(v);
  if (!m) {
    return undefined;
  }
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (!(start <= end) || end > 65535) {
    return undefined;
  }
  return { start, end };
}

/** Short port syntax: `[[host_ip:][published]:]target[/protocol]`, ranges allowed. */
export function parsePortString(v: string): Omit<PortMapping, 'raw' | 'unresolved' | 'span' | 'source'> | undefined {
  let rest = v.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1).toLowerCase();
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) {
      return undefined;
    }
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 1).replace(/^:/, '');
  }
  const parts = rest.split(':');
  let published: string | undefined;
  let target: string;
  if (parts.length === 1) {
    target = parts[0] ?? '';
  } else if (parts.length === 2) {
    published = parts[0];
    target = parts[1] ?? '';
  } else if (parts.length === 3 && !hostIp) {
    hostIp = parts[0] ?? '';
    published = parts[1];
    target = parts[2] ?? '';
  } else {
    // IPv6 without brackets: the last two parts are published:target.
    target = parts.pop() ?? '';
    published = parts.pop();
    hostIp = hostIp || parts.join(':');
  }
  const t = parseRange(target);
  if (!t) {
    return undefined;
  }
  const p = published === undefined || published === '' ? undefined : parseRange(published);
  if (published && published !== '' && !p) {
    return undefined;
  }
  return { hostIp, target: t, protocol, ...(p ? { published: p } : {}) };
}

/** Compose's merge of a later definition of a service onto an earlier one (compose-spec merge rules). */
export function mergeServices(base: Service, over: Service): Service {
  const composeEnv = new Map(base.composeEnv);
  for (const [k, v] of over.composeEnv) {
    composeEnv.set(k, v);
  }
  const pairs = new Map(base.pairs);
  for (const [k, v] of over.pairs) {
    pairs.set(k, v);
  }
  const byTarget = new Map<string, Mount>();
  for (const m of [...base.volumes, ...over.volumes]) {
    byTarget.set(m.target, m);
  }
  const unionBy = (a: Str[], b: Str[]): Str[] => {
    const m = new Map<string, Str>();
    for (const s of [...a, ...b]) {
      m.set(s.value, s);
    }
    return [...m.values()];
  };
  const pick = <K extends 'image' | 'networkMode' | 'restart' | 'hostname' | 'containerName' | 'command' | 'extends'>(
    k: K,
  ): Partial<Pick<Service, K>> => {
    const v = over[k] ?? base[k];
    return (v === undefined ? {} : { [k]: v }) as Partial<Pick<Service, K>>;
  };
  return {
    name: over.name,
    keySpan: over.keySpan,
    defs: [...base.defs, ...over.defs],
    pairs,
    composeEnv,
    environment: new Map(),
    envFiles: [...base.envFiles, ...over.envFiles],
    ports: [...base.ports, ...over.ports],
    volumes: [...byTarget.values()],
    dependsOn: unionBy(base.dependsOn, over.dependsOn),
    links: [...base.links, ...over.links],
    networks: unionBy(base.networks, over.networks),
    volumesFrom: unionBy(base.volumesFrom, over.volumesFrom),
    secrets: unionBy(base.secrets, over.secrets),
    configs: unionBy(base.configs, over.configs),
    role: 'other',
    ...pick('image'),
    ...pick('networkMode'),
    ...pick('restart'),
    ...pick('hostname'),
    ...pick('containerName'),
    ...pick('command'),
    ...pick('extends'),
  };
}

export { makeSourceFile };
