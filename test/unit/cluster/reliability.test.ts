import assert from 'node:assert/strict';
import { parseHealth, parseHealthText } from '../../../src/api/health';
import { StatusExit, statusExitCode } from '../../../src/cluster/exitCode';
import { snapshotToText } from '../../../src/cluster/json';
import { buildSnapshot } from '../../../src/cluster/snapshot';
import { forTerminal } from '../../../src/util/terminal';
import { container } from '../../fakes/builders';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const report = (body: unknown) => {
  const r = parseHealth(body);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

describe('cluster snapshot: defects found by probing from outside (issue 12)', function () {
  this.timeout(120_000);
  it('more than 130k health entries build a snapshot (no RangeError from spreading into push)', () => {
    const health: Record<string, unknown> = {};
    for (let i = 0; i < 140_000; i++) {
      health[`wacore${i}:${i.toString(16).padStart(12, '0')}`] = { gateway_status: 'disconnected', role: 'coreapp' };
    }
    const s = buildSnapshot({ now: NOW, project: 'big', health: report({ health }) });
    assert.equal(s.nodes.length, 140_000);
    assert.equal(typeof snapshotToText(s), 'string');
  });

  it('{"health":{}} is an error finding (no node in the cluster), not a clean exit', () => {
    const s = buildSnapshot({ now: NOW, project: undefined, health: report({ health: {} }) });
    assert.ok(s.cluster.findings.some((f) => f.id === 'health-empty' && f.severity === 'error'));
    assert.equal(statusExitCode(s), StatusExit.degraded);
  });

  it('a connected single instance shows 1/1 shards connected, with or without its containers', () => {
    const single = report({ health: { gateway_status: 'connected' } });
    const offline = buildSnapshot({ now: NOW, project: undefined, health: single });
    assert.match(snapshotToText(offline), /1\/1 shards connected/);
    const withWebOnly = buildSnapshot({
      now: NOW,
      project: 'one',
      health: single,
      containers: [container({ service: 'waweb', image: 'docker.whatsapp.biz/web:v2.51.1', project: 'one' })],
    });
    assert.equal(withWebOnly.cluster.connectedCoreapps, 1);
    assert.equal(statusExitCode(offline), StatusExit.healthy);
  });

  it('a port Docker publishes on 0.0.0.0 and on :: is one entry of the PORTS column', () => {
    const web = container({ service: 'waweb', image: 'docker.whatsapp.biz/web:v2.51.1', project: 'one' });
    const s = buildSnapshot({
      now: NOW,
      project: 'one',
      containers: [
        {
          ...web,
          ports: [
            { containerPort: 443, protocol: 'tcp', hostIp: '0.0.0.0', hostPort: 9090 },
            { containerPort: 443, protocol: 'tcp', hostIp: '::', hostPort: 9090 },
          ],
        },
      ],
    });
    assert.match(snapshotToText(s), / 9090->443 /);
    assert.doesNotMatch(snapshotToText(s), /9090->443,9090->443/);
  });

  it('terminal escapes in node names and error texts are shown escaped in text output', () => {
    const r = parseHealthText(
      JSON.stringify({
        health: {
          'evil\u001b]0;owned\u0007\u001b[31m:abc': {
            role: 'coreapp',
            errors: [{ code: 1014, title: 'x\u001b[2J\u009b1;1H\r\u202e', details: 'a\nb' }],
          },
        },
      }),
    );
    assert.ok(r.ok);
    const text = snapshotToText(buildSnapshot({ now: NOW, project: 'p\u001b[0m', health: r.value }));
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e]/);
    assert.match(text, /evil\\x1B\]0;owned\\x07\\x1B\[31m/);
    assert.match(text, /x\\x1B\[2J\\x9B1;1H\\x0D\\u\{202E\}/);
  });

  it('forTerminal leaves ordinary text, including non-Latin letters, alone', () => {
    assert.equal(forTerminal('wacore1 · 连接 — ok'), 'wacore1 · 连接 — ok');
    assert.equal(forTerminal('a\tb'), 'a\\x09b');
  });

  describe('status exit codes', () => {
    const healthy = report({
      health: {
        'master1:aaaaaaaaaaaa': { gateway_status: 'disconnected', role: 'primary_master' },
        'wacore1:bbbbbbbbbbbb': { gateway_status: 'connected', role: 'coreapp' },
      },
    });
    it('0 when the API answered and nothing is wrong', () => {
      assert.equal(statusExitCode(buildSnapshot({ now: NOW, project: 'p', health: healthy })), StatusExit.healthy);
    });
    it('3 when the API could not be asked or understood (unreachable, certificate or pin refused, malformed, no credentials)', () => {
      for (const errorKind of ['network', 'timeout', 'tls', 'malformed', 'unauthorized', 'plainHttp']) {
        const s = buildSnapshot({
          now: NOW,
          project: 'p',
          api: { status: 'error', errorKind, message: errorKind, fingerprint256: undefined },
        });
        assert.equal(statusExitCode(s), StatusExit.cannotTell, errorKind);
      }
      assert.equal(
        statusExitCode(
          buildSnapshot({ now: NOW, project: 'p', containers: [container({ service: 'wacore1', project: 'p' })] }),
        ),
        StatusExit.cannotTell,
      );
    });
    it('1 when a node container is down, even if the API cannot be asked (a killed database)', () => {
      const db = container({ service: 'db', image: 'mysql:8.0.33', project: 'p', state: 'exited', exitCode: 137 });
      const s = buildSnapshot({
        now: NOW,
        project: 'p',
        containers: [db],
        api: { status: 'error', errorKind: 'http', message: 'HTTP 500', fingerprint256: undefined },
      });
      assert.equal(statusExitCode(s), StatusExit.degraded);
    });
  });
});
