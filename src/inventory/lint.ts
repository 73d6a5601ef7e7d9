// Lints a cluster inventory against the compose/env files each host runs: the checks that only make
// sense across hosts (wa-api.md §1.3 prod-multiconnect comments, §3 sizing, §5 items 3 and 5).
// Pure: files come through the reader, Docker contexts as a list of names.
import { parseDotenv } from '../compose/dotenv';
import { type Project, type Service, loadProject } from '../compose/project';
import { type SourceFile, rangeOf } from '../compose/source';
import type { FileReader, Finding, Severity, Span } from '../compose/types';
import { compareFindings, ruleSettingsSchema, type RuleSettings } from '../lint/engine';
import { externalPort } from '../lint/rules/waExternalPorts';
import { serviceByHost, servicesWithRole } from '../lint/wa';
import { type Translate, english } from '../util/translate';
import { type Inventory, type InventoryHost, loadInventory } from './inventory';

export interface InventoryLintOptions {
  reader: FileReader;
  /** Names of the Docker contexts on this machine (`default` is always known); undefined: not checked. */
  contexts?: readonly string[];
  rules?: RuleSettings;
  t?: Translate;
}

export interface InventoryLintResult {
  inventory?: Inventory;
  /** Each host's compose project, loaded with that host's env files (for the host-aware features). */
  projects: Map<string, Project>;
  findings: Finding[];
  /** Every file read or looked for: re-lint when one changes. */
  dependencies: string[];
}

interface InventoryRuleContext {
  inventory: Inventory;
  projects: Map<string, Project>;
  contexts: readonly string[] | undefined;
  report: (span: Span, message: string) => void;
  t: Translate;
}

export interface InventoryRule {
  id: string;
  severity: Severity;
  description: string;
  check(ctx: InventoryRuleContext): void;
}

/** The host port other nodes and hosts reach: published tcp ports of a service, as `port → mapping span`. */
function publishedPorts(svc: Service): { port: number; span: Span }[] {
  const out: { port: number; span: Span }[] = [];
  for (const p of svc.ports) {
    if (p.unresolved || !p.published || p.protocol !== 'tcp') {
      continue;
    }
    for (let port = p.published.start; port <= p.published.end; port++) {
      out.push({ port, span: p.span });
    }
  }
  return out;
}

/** Where a value written with `${VAR}` really comes from: the env file entry that sets VAR, else the span itself. */
function originOf(project: Project, span: Span): Span {
  for (const u of project.varUses) {
    if (u.span.file === span.file && u.span.start >= span.start && u.span.end <= span.end) {
      const v = project.variables.get(u.ref.name);
      if (v?.origin === 'dotenv' && v.entry && !u.ref.usedDefault) {
        return v.entry.valueSpan;
      }
    }
  }
  return span;
}

/** The hosts whose compose project could be loaded, with it. */
function hostProjects(inventory: Inventory, projects: Map<string, Project>): [InventoryHost, Project][] {
  return inventory.hosts.flatMap((h) => {
    const p = projects.get(h.name);
    return p ? [[h, p] as [InventoryHost, Project]] : [];
  });
}

const ADVERTISED = ['COREAPP_HOSTNAME', 'WEBAPP_HOSTNAME'];

const unknownContext: InventoryRule = {
  id: 'inventory-unknown-context',
  severity: 'error',
  description: 'A host names a Docker context that does not exist on this machine.',
  check({ inventory, contexts, report, t }) {
    if (!contexts) {
      return;
    }
    for (const h of inventory.hosts) {
      if (h.docker.kind === 'context' && h.docker.name !== 'default' && !contexts.includes(h.docker.name)) {
        report(
          h.spans.docker,
          contexts.length > 0
            ? t(
                'Host `{0}` uses Docker context `{1}`, which does not exist here (known: {2}). Create it with `docker context create {1} --docker host=…` or write the engine URL (ssh://user@host, tcp://host:2376).',
                h.name,
                h.docker.name,
                contexts.join(', '),
              )
            : t(
                'Host `{0}` uses Docker context `{1}`, which does not exist here. Create it with `docker context create {1} --docker host=…` or write the engine URL (ssh://user@host, tcp://host:2376).',
                h.name,
                h.docker.name,
              ),
        );
      }
    }
  },
};

const duplicateHostname: InventoryRule = {
  id: 'inventory-duplicate-hostname',
  severity: 'error',
  description: 'Two hosts advertise the same EXTERNAL_HOSTNAME (COREAPP_HOSTNAME / WEBAPP_HOSTNAME).',
  check({ inventory, projects, report, t }) {
    const owner = new Map<string, string>();
    for (const [h, project] of hostProjects(inventory, projects)) {
      const reported = new Set<string>();
      for (const svc of servicesWithRole(project, 'master', 'coreapp', 'web')) {
        for (const name of ADVERTISED) {
          const v = svc.environment.get(name);
          if (!v || v.value === undefined || v.unresolved || v.value === '') {
            continue;
          }
          const first = owner.get(v.value);
          if (first === undefined) {
            owner.set(v.value, h.name);
          } else if (first !== h.name && !reported.has(v.value)) {
            reported.add(v.value);
            report(
              originOf(project, v.valueSpan),
              t(
                'Host `{0}` advertises `{1}` ({2}), as host `{3}` does: nodes tell each other where to connect through the database, so two hosts with one name reach the wrong host. Set EXTERNAL_HOSTNAME to the name other hosts reach `{0}` by.',
                h.name,
                v.value,
                name,
                first,
              ),
            );
          }
        }
      }
    }
  },
};

const portCollision: InventoryRule = {
  id: 'inventory-port-collision',
  severity: 'error',
  description: "Two services on one host publish the same host port (e.g. a master on a coreapp's 6250-6253).",
  check({ inventory, projects, report, t }) {
    for (const [h, project] of hostProjects(inventory, projects)) {
      const taken = new Map<number, string>();
      for (const svc of project.services.values()) {
        const clashes = new Set<string>();
        for (const p of publishedPorts(svc)) {
          const other = taken.get(p.port);
          if (other !== undefined && other !== svc.name && !clashes.has(`${other}:${p.span.start}`)) {
            clashes.add(`${other}:${p.span.start}`);
            report(
              originOf(project, p.span),
              t(
                'On host `{0}`, `{1}` publishes host port {2}, which `{3}` already publishes: one of them cannot start. Masters beside a coreapp use 6254-6257 (EXTERNAL_MASTER_PORT0-3).',
                h.name,
                svc.name,
                p.port,
                other,
              ),
            );
          } else if (other === undefined) {
            taken.set(p.port, svc.name);
          }
        }
      }
    }
  },
};

const externalPorts: InventoryRule = {
  id: 'inventory-external-ports',
  severity: 'error',
  description: '`COREAPP_EXTERNAL_PORTS` / `WEBAPP_EXTERNAL_PORTS` are not the ports that host publishes.',
  check({ inventory, projects, report, t }) {
    for (const [h, project] of hostProjects(inventory, projects)) {
      for (const svc of servicesWithRole(project, 'master', 'coreapp')) {
        const v = svc.environment.get('COREAPP_EXTERNAL_PORTS');
        if (!v || v.value === undefined || v.unresolved) {
          continue;
        }
        const want = [6250, 6251, 6252, 6253].map((c) => externalPort(svc, c));
        const list = v.value
          .split(',')
          .map((s) => s.trim())
          .join(',');
        if (want.every((w) => w.published) && list !== want.map((w) => w.port).join(',')) {
          report(
            originOf(project, v.valueSpan),
            t(
              'On host `{0}`, `{1}` advertises COREAPP_EXTERNAL_PORTS={2} but publishes container ports 6250-6253 on host ports {3}: nodes on other hosts will connect to the wrong ports.',
              h.name,
              svc.name,
              list,
              want.map((w) => w.port).join(','),
            ),
          );
        }
      }
      for (const svc of servicesWithRole(project, 'web')) {
        const v = svc.environment.get('WEBAPP_EXTERNAL_PORTS');
        const e = externalPort(svc, 443);
        if (v && v.value !== undefined && !v.unresolved && e.published && v.value.trim() !== String(e.port)) {
          report(
            originOf(project, v.valueSpan),
            t(
              'On host `{0}`, `{1}` advertises WEBAPP_EXTERNAL_PORTS={2} but publishes port 443 on host port {3}.',
              h.name,
              svc.name,
              v.value.trim(),
              e.port,
            ),
          );
        }
      }
    }
  },
};

const dbServiceName: InventoryRule = {
  id: 'inventory-db-service-name',
  severity: 'error',
  description: 'WA_DB_HOSTNAME names a compose service: other hosts cannot resolve it.',
  check({ inventory, projects, report, t }) {
    // One finding per written value (a db.env shared by several hosts is one mistake).
    const byValue = new Map<string, { span: Span; value: string; hosts: string[]; owner: string }>();
    for (const [h, project] of hostProjects(inventory, projects)) {
      for (const svc of servicesWithRole(project, 'master', 'coreapp', 'web')) {
        const v = svc.environment.get('WA_DB_HOSTNAME');
        if (!v || v.value === undefined || v.unresolved) {
          continue;
        }
        const value = v.value;
        const owner = inventory.hosts.find((o) => {
          const p = projects.get(o.name);
          return p !== undefined && serviceByHost(p, value) !== undefined;
        });
        if (!owner) {
          continue;
        }
        const key = `${v.valueSpan.file}:${v.valueSpan.start}`;
        const entry = byValue.get(key) ?? { span: v.valueSpan, value, hosts: [], owner: owner.name };
        if (!entry.hosts.includes(h.name)) {
          entry.hosts.push(h.name);
        }
        byValue.set(key, entry);
      }
    }
    for (const e of byValue.values()) {
      report(
        e.span,
        inventory.database
          ? t(
              "WA_DB_HOSTNAME is `{0}` on {1}: a compose service name (on host `{2}`) resolves only inside one host's compose network. Use the database host's address or DNS name ({3}).",
              e.value,
              e.hosts.map((x) => `\`${x}\``).join(', '),
              e.owner,
              inventory.database.host,
            )
          : t(
              "WA_DB_HOSTNAME is `{0}` on {1}: a compose service name (on host `{2}`) resolves only inside one host's compose network. Use the database host's address or DNS name.",
              e.value,
              e.hosts.map((x) => `\`${x}\``).join(', '),
              e.owner,
            ),
      );
    }
  },
};

function count(
  projects: Map<string, Project>,
  role: 'master' | 'coreapp' | 'web',
): { total: number; byHost: Map<string, Service[]> } {
  const byHost = new Map<string, Service[]>();
  let total = 0;
  for (const [host, p] of projects) {
    const s = servicesWithRole(p, role);
    byHost.set(host, s);
    total += s.length;
  }
  return { total, byHost };
}

const tooFewMasters: InventoryRule = {
  id: 'inventory-masters',
  severity: 'warning',
  description: 'Fewer than 2 masters across the hosts (no master failover).',
  check({ inventory, projects, report, t }) {
    const { total } = count(projects, 'master');
    if (total < 2 && projects.size === inventory.hosts.length) {
      report(
        inventory.spans.hosts,
        t('The hosts run {0} master(s): high availability needs at least 2, preferably on different hosts.', total),
      );
    }
  },
};

const tooFewCoreapps: InventoryRule = {
  id: 'inventory-coreapps',
  severity: 'warning',
  description: 'Fewer than shards + 1 coreapps across the hosts (no spare for a failover).',
  check({ inventory, projects, report, t }) {
    const { total } = count(projects, 'coreapp');
    if (total < inventory.shards + 1 && projects.size === inventory.hosts.length) {
      report(
        inventory.spans.shards ?? inventory.spans.hosts,
        t(
          'The hosts run {0} coreapp(s) for {1} shard(s): run at least {2} (shards + 1) so a spare takes over when a coreapp or its host fails.',
          total,
          inventory.shards,
          inventory.shards + 1,
        ),
      );
    }
  },
};

const mastersOnOneHost: InventoryRule = {
  id: 'inventory-masters-one-host',
  severity: 'warning',
  description: 'Two masters on one host: that host going down takes both.',
  check({ inventory, projects, report, t }) {
    const { byHost } = count(projects, 'master');
    for (const h of inventory.hosts) {
      const masters = byHost.get(h.name) ?? [];
      if (masters.length >= 2) {
        report(
          h.spans.key,
          t(
            'Host `{0}` runs {1} masters ({2}): when it goes down no master is left to promote a coreapp. Run the masters on different hosts.',
            h.name,
            masters.length,
            masters.map((m) => m.name).join(', '),
          ),
        );
      }
    }
  },
};

const singleWeb: InventoryRule = {
  id: 'inventory-web-copy',
  severity: 'warning',
  description: 'Only one web across the hosts: the API goes down with its host.',
  check({ inventory, projects, report, t }) {
    const { total } = count(projects, 'web');
    if (total < 2 && projects.size === inventory.hosts.length) {
      report(
        inventory.spans.hosts,
        t(
          'The hosts run {0} web container(s): run a second copy on another host so the API survives a host failure.',
          total,
        ),
      );
    }
  },
};

export const INVENTORY_RULES: readonly InventoryRule[] = [
  unknownContext,
  duplicateHostname,
  portCollision,
  externalPorts,
  dbServiceName,
  tooFewMasters,
  tooFewCoreapps,
  mastersOnOneHost,
  singleWeb,
];

/** Loads one host's compose project with its own env files (not this machine's shell: the host has its own). */
export function loadHostProject(h: InventoryHost, reader: FileReader): Project | undefined {
  const files = h.composeFiles.map((p) => ({ path: p, text: reader.read(p) }));
  if (files.some((f) => f.text === undefined)) {
    return undefined;
  }
  const [first, ...later] = h.envFiles;
  const env: Record<string, string> = {};
  for (const f of later) {
    for (const e of parseDotenv(f, reader.read(f) ?? '').entries) {
      if (e.value !== undefined) {
        env[e.key] = e.value;
      }
    }
  }
  return loadProject({
    files: files.map((f) => ({ path: f.path, text: f.text ?? '' })),
    reader,
    env,
    ...(first ? { envFile: first } : {}),
  });
}

/** Lints an inventory file and the hosts' compose/env files it names. Never throws. */
export function lintInventory(path: string, text: string, o: InventoryLintOptions): InventoryLintResult {
  const t = o.t ?? english;
  const settings = ruleSettingsSchema.safeParse(o.rules ?? {});
  const overrides: RuleSettings = settings.success ? settings.data : {};
  const loaded = loadInventory(path, text);
  const sources = new Map<string, SourceFile>([[path, loaded.source]]);
  const findings: Finding[] = [];
  const dependencies = new Set<string>([path]);
  const add = (rule: string, severity: Severity, span: Span, message: string): void => {
    const setting = overrides[rule];
    if (setting === 'off') {
      return;
    }
    const src = sources.get(span.file);
    const range = src
      ? rangeOf(src, span.start, span.end)
      : { start: { line: 0, column: 0 }, end: { line: 0, column: 0 } };
    if (
      !findings.some(
        (f) =>
          f.rule === rule &&
          f.file === span.file &&
          f.message === message &&
          f.range.start.line === range.start.line &&
          f.range.start.column === range.start.column,
      )
    ) {
      findings.push({ file: span.file, rule, severity: setting ?? severity, message, range });
    }
  };
  for (const i of loaded.issues) {
    add(
      'inventory-schema',
      'error',
      i.span,
      i.path
        ? t('Inventory: `{0}` {1}.', i.path, i.message.replace(/\.$/, ''))
        : t('Inventory: {0}. Fix the YAML syntax.', i.message.replace(/\.$/, '')),
    );
  }
  const projects = new Map<string, Project>();
  const inventory = loaded.inventory;
  if (inventory) {
    for (const h of inventory.hosts) {
      const files = [
        ...h.composeFiles.map((p, i) => ({ p, span: h.spans.compose[i] })),
        ...h.envFiles.map((p, i) => ({ p, span: h.spans.env[i] })),
      ];
      for (const f of files) {
        dependencies.add(f.p);
        if (o.reader.read(f.p) === undefined && f.span) {
          add('inventory-schema', 'error', f.span, t('Host `{0}`: {1} not found.', h.name, f.p));
        }
      }
      const project = loadHostProject(h, o.reader);
      if (project) {
        projects.set(h.name, project);
        for (const [p, s] of project.sources) {
          sources.set(p, s);
        }
        for (const d of project.dependencies) {
          dependencies.add(d);
        }
      }
    }
    for (const rule of INVENTORY_RULES) {
      try {
        rule.check({
          inventory,
          projects,
          contexts: o.contexts,
          t,
          report: (span, message) => add(rule.id, rule.severity, span, message),
        });
      } catch (err) {
        add(
          'internal-error',
          'warning',
          inventory.spans.hosts,
          t(
            'Rule {0} failed on this project ({1}); please report it.',
            rule.id,
            err instanceof Error ? err.message : String(err),
          ),
        );
      }
    }
  }
  return {
    ...(inventory ? { inventory } : {}),
    projects,
    findings: findings.sort(compareFindings),
    dependencies: [...dependencies],
  };
}
