/**
 * Item 6, the linter: ours in process vs `yaml` parseDocument alone (the floor), DCLint 3.x and
 * Container Tools' @microsoft/compose-language-service, all in this process on the same text.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createRequire } from 'node:module';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createConnection } from 'vscode-languageserver/node';
import { parseDocument } from 'yaml';
import { generateScaffold } from '../../src/compose/scaffold';
import { nodeFileReader } from '../../src/compose/nodeReader';
import { lintFiles } from '../../src/lint/engine';
import { repoRoot } from '../support/paths';
import { type BenchEntry, entry, timeRounds } from './report';

interface LintFile {
  readonly id: string;
  readonly what: string;
  readonly path: string;
  readonly services: number;
}

/** A vendor-layout cluster with `services` services: db, web, 2 masters and the rest coreapps. */
export function clusterFile(services: number): { compose: string; dbEnv: string; env: string } {
  const one = generateScaffold({ coreapps: 1 });
  const text = one['multiconnect-compose.yml'];
  const start = text.indexOf('  wacore1:\n');
  // The coreapp block runs to the next top-level key (or the end of the file).
  const next = /\n[^\s#]/.exec(text.slice(start));
  const end = next ? start + next.index + 1 : text.length;
  const block = text.slice(start, end).replace(/\n*$/, '\n');
  const coreapps = Array.from({ length: services - 4 }, (_, i) => block.replace(/wacore1/g, `wacore${i + 1}`)).join('');
  return { compose: text.slice(0, start) + coreapps + text.slice(end), dbEnv: one['db.env'], env: one['.env'] };
}

function writeProject(dir: string, files: { compose: string; dbEnv: string; env: string }): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'multiconnect-compose.yml'), files.compose);
  fs.writeFileSync(path.join(dir, 'db.env'), files.dbEnv);
  fs.writeFileSync(path.join(dir, '.env'), files.env);
  return path.join(dir, 'multiconnect-compose.yml');
}

export function lintInputs(shared: string, work: string): LintFile[] {
  const vendorDir = path.join(work, 'vendor');
  fs.cpSync(path.join(shared, 'fixtures/compose/installation'), vendorDir, { recursive: true });
  const s32 = generateScaffold({ coreapps: 33, masters: 2 });
  const files: LintFile[] = [
    {
      id: 'vendor',
      what: "the vendor's multiconnect-compose.yml",
      path: path.join(vendorDir, 'multiconnect-compose.yml'),
      services: 7,
    },
    {
      id: 'shards32',
      what: 'a 32-shard cluster (37 services, New Cluster scaffold)',
      path: writeProject(path.join(work, 'shards32'), {
        compose: s32['multiconnect-compose.yml'],
        dbEnv: s32['db.env'],
        env: s32['.env'],
      }),
      services: 37,
    },
  ];
  for (const n of [10, 100, 1000]) {
    files.push({
      id: `gen${n}`,
      what: `generated cluster of ${n} services`,
      path: writeProject(path.join(work, `gen${n}`), clusterFile(n)),
      services: n,
    });
  }
  return files;
}

/** The language service behind an in-memory LSP connection (its only API), diagnostics without delay. */
async function languageService(): Promise<{
  diagnose: (uri: string, text: string) => Promise<void>;
  dispose: () => void;
}> {
  // Its package exports only the stdio server; the service class is reached by file.
  const { ComposeLanguageService } = createRequire(__filename)(
    path.join(repoRoot, 'node_modules/@microsoft/compose-language-service/dist/cjs/service/ComposeLanguageService.js'),
  ) as {
    ComposeLanguageService: new (c: unknown, p: unknown) => { capabilities: unknown; dispose(): void };
  };
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const server = createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
  let service: { dispose(): void } | undefined;
  server.onInitialize((params) => {
    const s = new ComposeLanguageService(server, params);
    service = s;
    return { capabilities: s.capabilities as never };
  });
  server.listen();
  const client = createMessageConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
  const waiting = new Map<string, () => void>();
  client.onNotification('textDocument/publishDiagnostics', (p: { uri: string }) => {
    waiting.get(p.uri)?.();
    waiting.delete(p.uri);
  });
  client.listen();
  await client.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { publishDiagnostics: {} } },
    initializationOptions: { diagnosticDelay: 0 },
  });
  await client.sendNotification('initialized', {});
  let version = 0;
  return {
    diagnose: (uri, text) =>
      new Promise<void>((resolve, reject) => {
        waiting.set(uri, resolve);
        version++;
        client
          .sendNotification('textDocument/didOpen', {
            textDocument: { uri, languageId: 'dockercompose', version, text },
          })
          .catch(reject);
      }).then(() => client.sendNotification('textDocument/didClose', { textDocument: { uri } })),
    dispose: () => {
      service?.dispose();
      client.dispose();
      server.dispose();
      toServer.end();
      toClient.end();
    },
  };
}

export async function lintCases(shared: string, quick: boolean): Promise<BenchEntry[]> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wa-bench-lint-'));
  try {
    const inputs = lintInputs(shared, work);
    // dclint is an ES module with a CommonJS build; its types are ESM-only, hence the local shape.
    const { DCLinter } = createRequire(__filename)('dclint') as {
      DCLinter: new (config: object) => { lintFiles(paths: string[], recursive: boolean): unknown };
    };
    const dclint = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
    const ls = await languageService();
    const out: BenchEntry[] = [];
    const medians = new Map<string, number>();
    let n = 0;
    for (const f of inputs) {
      const runs = quick ? (f.services >= 1000 ? 1 : 3) : f.services >= 1000 ? 3 : 15;
      // Each side reads the file, as DCLint does (it takes paths only).
      const warm = quick || f.services >= 1000 ? 1 : 5;
      const [ours = [], floor = [], dc = [], lsTimes = []] = await timeRounds(
        [
          () =>
            lintFiles({
              files: [{ path: f.path, text: fs.readFileSync(f.path, 'utf8') }],
              reader: nodeFileReader,
              env: {},
            }),
          () => parseDocument(fs.readFileSync(f.path, 'utf8')),
          () => dclint.lintFiles([f.path], false),
          () => ls.diagnose(`file:///bench/${f.id}-${n++}.yml`, fs.readFileSync(f.path, 'utf8')),
        ],
        runs,
        warm,
      );
      const floorEntry = entry({
        id: `lint.${f.id}.floor`,
        what: `${f.what}: ours vs yaml parseDocument alone (the floor)`,
        unit: 'ms',
        samples: ours,
        baseline: { what: 'parseDocument', samples: floor },
        goal: '≤ 1.5 × floor',
        check: (e) => (e.ratio ?? Infinity) <= 1.5,
      });
      out.push(
        f.id === 'vendor'
          ? {
              ...floorEntry,
              goal: '≤ 1.5 × floor; < 3 ms',
              met: (floorEntry.ratio ?? Infinity) <= 1.5 && floorEntry.median < 3,
            }
          : floorEntry,
      );
      out.push(
        entry({
          id: `lint.${f.id}.dclint`,
          what: `${f.what}: ours vs DCLint 3.1 (lintFiles, in process)`,
          unit: 'ms',
          samples: ours,
          baseline: { what: 'DCLint', samples: dc },
          goal: '≤ 0.5 × DCLint',
          check: (e) => (e.ratio ?? Infinity) <= 0.5,
        }),
      );
      out.push(
        entry({
          id: `lint.${f.id}.langservice`,
          what: `${f.what}: ours vs compose-language-service 1.0 (didOpen → diagnostics, in-memory LSP)`,
          unit: 'ms',
          samples: ours,
          baseline: { what: 'language service', samples: lsTimes },
          goal: '≤ 0.5 × language service',
          check: (e) => (e.ratio ?? Infinity) <= 0.5,
        }),
      );
      medians.set(f.id, out.at(-1)!.median);
    }
    ls.dispose();
    const t100 = medians.get('gen100');
    const t1000 = medians.get('gen1000');
    if (t100 && t1000) {
      out.push(
        entry({
          id: 'lint.scaling',
          what: 'ours: t(1000 services) / t(100 services)',
          unit: '×',
          samples: [t1000 / t100],
          goal: '≤ 11',
          check: (e) => e.median <= 11,
        }),
      );
    }
    return out;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
