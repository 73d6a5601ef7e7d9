import assert from 'node:assert/strict';
import { noteTimestamp } from '../../../src/docker/follow';
import {
  DEFAULT_LOG_FILTER,
  classifyLines,
  compileFilterText,
  filterLines,
  isOwnHealthPoll,
  statedLevel,
} from '../../../src/util/logFilter';

/** Lines as the emulator's containers write them (the formats of wa-api.md §6 and the vendor images). */
const CORE_W = 'W 2026-01-02 3:00:01.000 UTC 28 db.cpp:12] slow query';
const CORE_I = 'I 2026-01-02 3:00:00.000 UTC 28 main.cpp:9] started';
const CORE_D = 'D 2024-12-05 8:43:19.183 UTC 28 datastore.cpp:150] lookup';
const CORE_C = 'C 2026-01-02 3:00:02.000 UTC 28 main.cpp:1] fatal';
const WEB_WARN = '2026-01-02 03:00:03: (web.log) WARN WA_API_KEY must be 12 to 128 characters long';
const MYSQL_WARN = '2026-01-02T03:00:00.000000Z 0 [Warning] [MY-010068] [Server] CA certificate is self signed.';
const PG_ERROR = '2026-01-02 03:00:00.000 UTC [42] ERROR:  relation "x" does not exist';
const OUR_POLL = '172.18.0.1 - - [02/Jan/2026:03:00:04 +0000] "GET /v1/health HTTP/1.1" 200 312 "-" "wa-cluster"';

describe('log filter', () => {
  it('reads the level each container format states', () => {
    assert.deepEqual([CORE_W, CORE_I, CORE_D, CORE_C, WEB_WARN, MYSQL_WARN, PG_ERROR, 'plain text'].map(statedLevel), [
      'warning',
      'info',
      'debug',
      'error',
      'warning',
      'warning',
      'error',
      undefined,
    ]);
  });

  it("tells our own health polling from other clients' requests by path and User-Agent", () => {
    assert.equal(isOwnHealthPoll(OUR_POLL), true);
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('"wa-cluster"', '"wa-cluster/0.1.0"')), true);
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('/v1/health', '/v1/health?format=json')), true);
    // Someone else's poll, another path, another method, or no User-Agent field: never ours.
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('"wa-cluster"', '"curl/7.88.1"')), false);
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('"wa-cluster"', '"wa-cluster-monitor"')), false);
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('/v1/health', '/v1/support')), false);
    assert.equal(isOwnHealthPoll(OUR_POLL.replace('GET', 'POST')), false);
    assert.equal(
      isOwnHealthPoll('172.18.0.1 - - [02/Jan/2026:03:00:04 +0000] "GET /v1/health HTTP/1.1" 200 312'),
      false,
    );
    assert.equal(isOwnHealthPoll(`[waweb] ${OUR_POLL}`), false, 'classifyLines strips the node prefix first');
  });

  it('hides our polling by default and counts it; everything else shows', () => {
    const lines = [CORE_I, OUR_POLL, OUR_POLL.replace('"wa-cluster"', '"curl/8"'), CORE_W];
    const r = filterLines(lines, DEFAULT_LOG_FILTER, 'waweb');
    assert.deepEqual(r.shown, [CORE_I, lines[2], CORE_W]);
    assert.equal(r.ownPolling, 1);
    assert.equal(r.hidden, 0);
    assert.deepEqual(filterLines(lines, { ...DEFAULT_LOG_FILTER, showOwnPolling: true }, 'waweb').shown, lines);
  });

  it('filters the all-nodes view by level, node and text; continuation lines follow their node, markers stay', () => {
    const lines = [
      `[wacore1] ${CORE_W}`,
      '[wacore1]   at stack frame 1',
      `[wacore2] ${CORE_I}`,
      '[wacore2] a bare line',
      `[waweb] ${WEB_WARN}`,
      '[wacore2] # --- the container stopped; waiting for it to start again ---',
      `[db] ${MYSQL_WARN}`,
    ];
    assert.deepEqual(
      classifyLines(lines).map((c) => c.level),
      ['warning', 'warning', 'info', 'info', 'warning', undefined, 'warning'],
    );
    const warnings = filterLines(lines, { ...DEFAULT_LOG_FILTER, minLevel: 'warning' });
    assert.deepEqual(warnings.shown, [lines[0], lines[1], lines[4], lines[5], lines[6]]);
    assert.equal(warnings.hidden, 2);
    const nodes = filterLines(lines, { ...DEFAULT_LOG_FILTER, nodes: ['wacore2'] });
    assert.deepEqual(nodes.shown, [lines[2], lines[3], lines[5]]);
    const text = filterLines(lines, { ...DEFAULT_LOG_FILTER, text: 'SLOW|self signed' });
    assert.deepEqual(text.shown, [lines[0], lines[5], lines[6]]);
    const all = filterLines(lines, { ...DEFAULT_LOG_FILTER, minLevel: 'error' });
    assert.deepEqual(all.shown, [lines[5]], 'errors only: just the marker');
  });

  it('refuses an invalid regular expression with the reason', () => {
    const c = compileFilterText('(unclosed');
    assert.equal(c.ok, false);
    assert.ok(compileFilterText('').ok);
    // An invalid expression does not hide anything (the input box refuses it anyway).
    assert.deepEqual(filterLines([CORE_I], { ...DEFAULT_LOG_FILTER, text: '(unclosed' }, 'x').shown, [CORE_I]);
  });

  it("dates the stopped/running markers by the container's own times, so they sort in time order", () => {
    const now = Date.parse('2026-01-02T03:00:10Z');
    const state = { startedAt: '2026-01-02T03:00:05.123456789Z', finishedAt: '2026-01-02T03:00:04.5Z' };
    assert.equal(noteTimestamp('stopped', state, now, '2026-01-02T03:00:04.1Z'), state.finishedAt);
    assert.equal(noteTimestamp('running', state, now), state.startedAt);
    // Docker's zero time, a missing container or a stop time before the last line: when we noticed.
    assert.equal(noteTimestamp('stopped', { finishedAt: '0001-01-01T00:00:00Z' }, now), new Date(now).toISOString());
    assert.equal(noteTimestamp('stopped', undefined, now), new Date(now).toISOString());
    assert.equal(noteTimestamp('stopped', state, now, '2026-01-02T03:00:04.9Z'), new Date(now).toISOString());
  });
});
