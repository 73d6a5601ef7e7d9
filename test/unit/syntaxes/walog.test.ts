import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';
import { repoRoot } from '../../support/paths';

/** Tokenizes one line with the grammar we ship and returns [text, scopes] pairs. */
function tokenize(grammar: IGrammar, line: string): [string, string][] {
  const { tokens } = grammar.tokenizeLine(line, INITIAL);
  return tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.join(' ')]);
}

function scopeOf(tokens: [string, string][], text: string): string {
  const hit = tokens.find(([t]) => t === text);
  assert.ok(hit, `no token "${text}" in ${JSON.stringify(tokens)}`);
  return hit[1];
}

describe('walog TextMate grammar', () => {
  let grammar: IGrammar;

  before(async () => {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (p) => new oniguruma.OnigScanner(p),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }),
      loadGrammar: () => {
        const file = path.join(repoRoot, 'syntaxes/walog.tmLanguage.json');
        return Promise.resolve(parseRawGrammar(fs.readFileSync(file, 'utf8'), file));
      },
    });
    const loaded = await registry.loadGrammar('text.log.walog');
    assert.ok(loaded);
    grammar = loaded;
  });

  it('highlights each coreapp log level, the timestamp and the source location', () => {
    const levels: Record<string, string> = { D: 'debug', I: 'info', W: 'warning', E: 'error', C: 'critical' };
    for (const [level, name] of Object.entries(levels)) {
      const tokens = tokenize(grammar, `${level} 2024-12-05 8:43:19.183 UTC 28 datastore.cpp:150] opening db`);
      assert.match(scopeOf(tokens, level), new RegExp(`level\\.${name}\\.walog`));
      assert.match(scopeOf(tokens, '2024-12-05 8:43:19.183 UTC'), /constant\.numeric\.date/);
      assert.match(scopeOf(tokens, 'datastore.cpp:150]'), /entity\.name\.function\.source/);
    }
  });

  it('highlights the node name in front of interleaved lines', () => {
    const tokens = tokenize(grammar, '[wacore1] E 2024-12-05 8:43:19.183 UTC 28 main.cpp:9] boom');
    assert.match(scopeOf(tokens, '[wacore1]'), /entity\.name\.tag\.walog/);
    assert.match(scopeOf(tokens, 'E'), /level\.error/);
  });

  it('highlights error codes', () => {
    const tokens = tokenize(
      grammar,
      'W 2024-12-05 8:43:19.183 UTC 28 gw.cpp:77] health error code 1011 Service not ready',
    );
    assert.match(scopeOf(tokens, '1011'), /constant\.numeric\.error-code/);
  });

  it('highlights the web container error and access logs', () => {
    const err = tokenize(grammar, '2024-12-05 08:43:19: (server.c.1558) server started (lighttpd/1.4.59)');
    assert.match(scopeOf(err, '(server.c.1558)'), /entity\.name\.function\.source/);
    const access = tokenize(grammar, '172.18.0.1 - - [05/Dec/2024:08:43:19 +0000] "GET /v1/health HTTP/1.1" 503 120');
    assert.match(scopeOf(access, 'GET'), /keyword\.other\.method/);
    assert.match(scopeOf(access, '/v1/health'), /string\.unquoted\.path/);
    assert.match(scopeOf(access, '503'), /invalid\.status/);
  });
});
