/**
 * Compose's own dotenv test cases (compose-spec/compose-go dotenv/godotenv_test.go and
 * parser_test.go), ported: our parser reads `.env` and `env_file` as Compose does.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseDotenv } from '../../../src/compose/dotenv';
import { repoRoot } from '../../support/paths';

const fixtures = path.join(repoRoot, 'test/fixtures/dotenv/compose-go');

/** The KEY → value map Compose would build, and the lines it would refuse. */
function read(
  text: string,
  env: Record<string, string> = {},
): { values: Record<string, string | undefined>; problems: string[] } {
  const f = parseDotenv('/w/.env', text, (n) => env[n]);
  return {
    values: Object.fromEntries(f.entries.map((e) => [e.key, e.value])),
    problems: f.problems.map((p) => p.message),
  };
}

function fixture(name: string): Record<string, string | undefined> {
  const r = read(fs.readFileSync(path.join(fixtures, name), 'utf8'));
  assert.deepEqual(r.problems, [], name);
  return r.values;
}

describe("dotenv: Compose's own test cases", () => {
  it('the two cases a review found: `A: one` is accepted, `B="\\$HOME"` stays literal', () => {
    assert.deepEqual(read('A: one\nB="\\$HOME"\n', { HOME: '/root' }).values, { A: 'one', B: '$HOME' });
  });

  it('TestParsing (parseAndCompare, line by line)', () => {
    const cases: [string, string, string][] = [
      ['FOO=bar', 'FOO', 'bar'],
      ['FOO =bar', 'FOO', 'bar'],
      ['FOO= bar', 'FOO', 'bar'],
      ['FOO="bar"', 'FOO', 'bar'],
      ["FOO='bar'", 'FOO', 'bar'],
      ['FOO="escaped\\"bar"', 'FOO', 'escaped"bar'],
      ['FOO="\\"quoted\\""', 'FOO', '"quoted"'],
      ['FOO="\'d\'"', 'FOO', "'d'"],
      ['OPTION_A: 1', 'OPTION_A', '1'],
      ['OPTION_A: Foo=bar', 'OPTION_A', 'Foo=bar'],
      ['OPTION_A=1:B', 'OPTION_A', '1:B'],
      ['export OPTION_A=2', 'OPTION_A', '2'],
      ["export OPTION_B='\\n'", 'OPTION_B', '\\n'],
      ['export exportFoo=2', 'exportFoo', '2'],
      ['exportFOO=2', 'exportFOO', '2'],
      ['export_FOO =2', 'export_FOO', '2'],
      ['export.FOO= 2', 'export.FOO', '2'],
      ['export\tOPTION_A=2', 'OPTION_A', '2'],
      ['  export OPTION_A=2', 'OPTION_A', '2'],
      ['\texport OPTION_A=2', 'OPTION_A', '2'],
      ['export OPTION_A="export A"', 'OPTION_A', 'export A'],
      ['FOO="bar\\nbaz"', 'FOO', 'bar\nbaz'],
      ['FOO=a\\tb', 'FOO', 'a\\tb'],
      ['FOO="a\\tb"', 'FOO', 'a\tb'],
      ['KEY="Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z"', 'KEY', 'Z\x07Z\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ'],
      ['FOO.BAR=foobar', 'FOO.BAR', 'foobar'],
      ['FOO=foobar=', 'FOO', 'foobar='],
      ['FOO=bar ', 'FOO', 'bar'],
      ['FOO=bar # this is foo', 'FOO', 'bar'],
      ['FOO=bar #this is foo', 'FOO', 'bar'],
      ['FOO=bar #', 'FOO', 'bar'],
      ['FOO=123#not-an-inline-comment', 'FOO', '123#not-an-inline-comment'],
      ['FOO="bar#baz"', 'FOO', 'bar#baz'],
      ['FOO="bar#baz"#', 'FOO', 'bar#baz'],
      ['FOO="bar#baz" # comment', 'FOO', 'bar#baz'],
      ["FOO='bar#baz' # comment", 'FOO', 'bar#baz'],
      ['FOO="bar#baz#bang" # comment', 'FOO', 'bar#baz#bang'],
      ['FOO="ba#r"', 'FOO', 'ba#r'],
      ["FOO='ba#r'", 'FOO', 'ba#r'],
      ['FOO="bar\\n\\ b\\az"', 'FOO', 'bar\n\\ b\x07z'],
      ['FOO="bar\\\\\\n\\ b\\az"', 'FOO', 'bar\\\n\\ b\x07z'],
      ['FOO="bar\\\\r\\ b\\az"', 'FOO', 'bar\\r\\ b\x07z'],
      ['FOO="bar\\nbaz\\\\"', 'FOO', 'bar\nbaz\\'],
      ['="value"', '', 'value'],
      [' KEY =value', 'KEY', 'value'],
      ['   KEY=value', 'KEY', 'value'],
      ['\tKEY=value', 'KEY', 'value'],
      ['KEY="\\0123"', 'KEY', 'S'],
      ['KEY="\\x07"', 'KEY', '\\x07'],
      ['KEY="\\u12e4"', 'KEY', '\\u12e4'],
      ['KEY="\\U00101234"', 'KEY', '\\U00101234'],
    ];
    for (const [line, key, value] of cases) {
      const r = read(line);
      assert.deepEqual(r.problems, [], line);
      assert.deepEqual(r.values, { [key]: value }, line);
    }
  });

  it('TestParsing, TestParseVariable: badly formatted lines are refused', () => {
    for (const line of ['lol$wut', '%!(EXTRA string)=foo', 'A B=1', 'KEY # comment']) {
      assert.equal(read(line).problems.length, 1, line);
    }
  });

  it('TestParseBytes: keys with [ ], dots and letters of any script', () => {
    assert.deepEqual(read('\na=b\na[1]=c\na.propertyKey=d\nárvíztűrő-TÜKÖRFÚRÓGÉP=ÁRVÍZTŰRŐ-tükörfúrógép\n').values, {
      a: 'b',
      'a[1]': 'c',
      'a.propertyKey': 'd',
      'árvíztűrő-TÜKÖRFÚRÓGÉP': 'ÁRVÍZTŰRŐ-tükörfúrógép',
    });
  });

  it('TestUnterminatedQuotes', () => {
    for (const line of [
      'KEY="',
      'KEY="value',
      'KEY="value\\"',
      'KEY="value\'',
      "KEY='",
      "KEY='value",
      "KEY='value\\'",
      'KEY=\'value"',
    ]) {
      assert.match(read(line).problems.join(), /Unterminated/, line);
    }
  });

  it('TestLinesToIgnore: blank lines, CRLF, whitespace, comments', () => {
    for (const text of ['\n', '\r\n', '\t\t ', '# Comment', '\t # comment']) {
      assert.deepEqual(read(text), { values: {}, problems: [] }, JSON.stringify(text));
    }
  });

  it('TestExpanding', () => {
    assert.deepEqual(read('FOO=test\nBAR=$FOO').values, { FOO: 'test', BAR: 'test' });
    assert.deepEqual(read('FOO=test\nBAR=${FOO}bar').values, { FOO: 'test', BAR: 'testbar' });
    assert.deepEqual(read('BAR=$FOO').values, { BAR: '' });
    assert.deepEqual(read('FOO=test\nBAR="quote $FOO"').values, { FOO: 'test', BAR: 'quote test' });
    assert.deepEqual(read("BAR='quote $FOO'").values, { BAR: 'quote $FOO' });
    assert.deepEqual(read('FOO="foo\\$BAR"').values, { FOO: 'foo$BAR' });
    assert.deepEqual(read('FOO="foo\\${BAR}"').values, { FOO: 'foo${BAR}' });
    assert.deepEqual(read('FOO=test\nBAR="foo\\${FOO} ${FOO}"').values, { FOO: 'test', BAR: 'foo${FOO} test' });
  });

  it('TestVariableStringValueSeparator: a double-quoted value spans lines', () => {
    assert.deepEqual(
      read('TEST_URLS="stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443"').values,
      { TEST_URLS: 'stratum+tcp://stratum.antpool.com:3333\nstratum+tcp://stratum.antpool.com:443' },
    );
  });

  it("TestInheritedEnvVariable*: a bare KEY takes the environment's value, or is unset", () => {
    assert.deepEqual(read('TEST_VAR\n', { TEST_VAR: 'from env' }).values, { TEST_VAR: 'from env' });
    assert.deepEqual(read('NOT_FOUND\n').values, { NOT_FOUND: undefined });
  });

  it('fixtures: plain.env, quoted.env, unquoted.env, exported.env, equals.env, substitutions.env, special.env', () => {
    assert.deepEqual(fixture('plain.env'), {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '3',
      OPTION_D: '4',
      OPTION_E: '5',
      456: 'ABC',
      OPTION_F: '',
      OPTION_G: '',
      OPTION_H: 'my string',
    });
    assert.deepEqual(fixture('quoted.env'), {
      OPTION_A: '1',
      OPTION_B: '2',
      OPTION_C: '',
      OPTION_D: '\\n',
      OPTION_E: '1',
      OPTION_F: '2',
      OPTION_G: '',
      OPTION_H: '\n',
      OPTION_I: "echo 'asd'",
      OPTION_J: 'first line\nsecond line\nthird line\nand so on',
      OPTION_K: "Let's go!",
      OPTION_Z: 'last value',
    });
    assert.deepEqual(fixture('unquoted.env'), {
      OPTION_A: 'some quoted phrase',
      OPTION_B: 'first one with an unquoted phrase',
      OPTION_C: 'then another one with an unquoted phrase',
      OPTION_D: 'then another one with an unquoted phrase special è char',
      OPTION_E: 'then another one quoted phrase',
    });
    assert.deepEqual(fixture('exported.env'), { OPTION_A: '2', OPTION_B: '\\n' });
    assert.deepEqual(fixture('equals.env'), { OPTION_A: 'postgres://localhost:5432/database?sslmode=disable' });
    assert.deepEqual(fixture('substitutions.env'), {
      OPTION_A: '1',
      OPTION_B: '1',
      OPTION_C: '1',
      OPTION_D: '1_1',
      OPTION_E: '',
    });
    assert.deepEqual(fixture('special.env'), {
      'VAR.WITH.DOTS': 'dots',
      VAR_WITH_UNDERSCORES: 'underscores',
      'VAR-WITH-DASHES': 'dashes',
    });
  });
});
