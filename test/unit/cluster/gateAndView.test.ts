import assert from 'node:assert/strict';
import { runGate, type RunGateInput } from '../../../src/cluster/runGate';
import { type ClusterSnapshot } from '../../../src/cluster/types';
import { chooseViewState, ViewStates } from '../../../src/cluster/viewState';
import { DockerError } from '../../../src/docker/errors';
import { english as t } from '../../../src/util/translate';

describe('pre-run gate (lint before Up and Upgrade)', () => {
  const clean = 'services:\n  app:\n    image: nginx:1.27\n    restart: unless-stopped\n';
  const broken = 'services:\n  app:\n    image: nginx:1.27\n    image: nginx:1.28\n';
  const gate = (text: string, lint: RunGateInput['lint'] = { enable: true, rules: {} }) =>
    runGate(
      {
        project: 'biz',
        files: ['/w/compose.yml'],
        reader: { read: (p) => (p === '/w/compose.yml' ? text : undefined) },
        env: {},
        lint,
        action: 'Start',
      },
      t,
    );

  it('clean files go without a question', () => {
    assert.deepEqual(gate(clean), { kind: 'go' });
  });

  it('an error asks, naming the count and the first error; the go-on button is "<action> Anyway"', () => {
    const g = gate(broken);
    assert.equal(g.kind, 'ask');
    if (g.kind === 'ask') {
      assert.equal(g.question, 'The compose files of biz have 1 error(s); Compose may fail or start a broken cluster.');
      assert.equal(g.goOn, 'Start Anyway');
      assert.equal(g.first.rule, 'yaml-syntax');
      assert.equal(g.first.range.start.line, 3);
    }
  });

  it('a rule the user turned off never blocks, and the linter turned off never asks', () => {
    assert.deepEqual(gate(broken, { enable: true, rules: { 'yaml-syntax': 'off' } }), { kind: 'go' });
    assert.deepEqual(gate(broken, { enable: true, rules: { 'yaml-syntax': 'warning' } }), { kind: 'go' });
    assert.deepEqual(gate(broken, { enable: false, rules: {} }), { kind: 'go' });
  });
});

describe('view state (which welcome content the nodes view shows)', () => {
  const down = new DockerError('daemonDown', 'Cannot connect to the Docker daemon');
  const snap = (p: { reachable: boolean; problem?: DockerError; known?: boolean }): ClusterSnapshot =>
    ({
      engine: { reachable: p.reachable, problem: p.problem },
      nodes: [{ container: p.known ? { state: 'running' } : null, healthKey: undefined }],
    }) as unknown as ClusterSnapshot;

  it('no compose project: noCompose', () => {
    assert.deepEqual(chooseViewState({ clusters: 0, endpointProblem: undefined, snapshots: [] }), {
      state: ViewStates.noCompose,
      dockerProblem: '',
    });
  });

  it('clusters found, nothing known yet and Docker fine: ready (the tree shows the declared nodes)', () => {
    assert.equal(
      chooseViewState({ clusters: 1, endpointProblem: undefined, snapshots: [undefined] }).state,
      ViewStates.ready,
    );
  });

  it('Docker down and nothing known: dockerUnreachable with the problem kind for the welcome text', () => {
    assert.deepEqual(
      chooseViewState({
        clusters: 1,
        endpointProblem: undefined,
        snapshots: [snap({ reachable: false, problem: down })],
      }),
      { state: ViewStates.dockerUnreachable, dockerProblem: 'daemonDown' },
    );
    const badSetting = new DockerError('other', 'waCluster.docker.host: unsupported scheme');
    assert.deepEqual(chooseViewState({ clusters: 1, endpointProblem: badSetting, snapshots: [undefined] }), {
      state: ViewStates.dockerUnreachable,
      dockerProblem: 'other',
    });
  });

  it('Docker down but containers or health known: ready (the tree still has something to say)', () => {
    assert.equal(
      chooseViewState({
        clusters: 1,
        endpointProblem: undefined,
        snapshots: [snap({ reachable: false, problem: down, known: true })],
      }).state,
      ViewStates.ready,
    );
  });
});
