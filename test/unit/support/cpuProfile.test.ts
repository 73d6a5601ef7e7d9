import assert from 'node:assert/strict';
import { type Profiler, type Runtime } from 'node:inspector';
import { cpuPerSampledMs, cpuShare, mainThreadCpuMs, perMinute } from '../../support/cpuProfile';

const OURS = 'file:///ext/dist/extension.js';

function frame(functionName: string, url = ''): Runtime.CallFrame {
  return { functionName, url, scriptId: '0', lineNumber: 0, columnNumber: 0 };
}

describe("test support: cpuShare (who spent a CPU profile's time)", () => {
  // root ─ (idle) | (garbage collector) | (program)
  //      ─ hostLoop (host) ─ ourPoll (ours) ─ JSON.parse-ish host frame (ours: called by us)
  //      ─ onStreamRead (node internal) ─ socketOnData (node:_http_client: our answer being read)
  //      ─ onStreamRead ─ ipcMessage (host)
  const nodes: Profiler.ProfileNode[] = [
    { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 8, 10] },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('(garbage collector)') },
    { id: 4, callFrame: frame('(program)') },
    { id: 5, callFrame: frame('hostLoop', 'file:///host/extensionHostProcess.js'), children: [6] },
    { id: 6, callFrame: frame('ourPoll', OURS), children: [7] },
    { id: 7, callFrame: frame('emit', 'node:events') },
    { id: 8, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons'), children: [9] },
    { id: 9, callFrame: frame('socketOnData', 'node:_http_client') },
    { id: 10, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons'), children: [11] },
    { id: 11, callFrame: frame('ipcMessage', 'file:///host/extensionHostProcess.js') },
  ];
  // Each sample stands for the time until the next one: 10 ms steps (the last one counts 0).
  const samples = [2, 2, 2, 2, 2, 7, 6, 9, 11, 11, 5, 3, 4, 2];
  const profile: Profiler.Profile = {
    nodes,
    startTime: 0,
    endTime: samples.length * 10_000,
    samples,
    timeDeltas: samples.map(() => 10_000),
  };

  it('counts a sample as ours when a frame of our bundle is on its stack, HTTP-client reading as our I/O', () => {
    const s = cpuShare(profile, (url) => url === OURS);
    assert.equal(s.windowMs, 140);
    assert.equal(s.idleMs, 50); // the last (idle) sample has no next one: 0 ms
    assert.equal(s.oursJsMs, 20); // ourPoll itself and what it called
    assert.equal(s.oursIoMs, 10);
    assert.equal(s.hostJsMs, 30);
    assert.equal(s.gcMs, 10);
    assert.equal(s.programMs, 10);
    // GC and native time shared in proportion to JavaScript time: 30 of 60 ms is ours.
    assert.equal(s.oursMs, 30 + 20 * (30 / 60));
    assert.equal(perMinute(s, s.oursMs), (40 * 60_000) / 140);
    assert.deepEqual(
      s.oursInclusive.map((t) => [t.frame, t.ms]),
      [['ourPoll extension.js:1', 20]],
    );
  });

  it('scales busy sample time down to the thread CPU time it stood for, never up', () => {
    const s = cpuShare(profile, (url) => url === OURS);
    // 80 ms of busy samples (ours 30, host 30, GC 10, native 10).
    assert.equal(cpuPerSampledMs(s, 40), 0.5); // the thread waited for a core half the time
    assert.equal(cpuPerSampledMs(s, 120), 1);
    const idleOnly = cpuShare({ ...profile, samples: [2, 2], timeDeltas: [10_000, 10_000] }, () => false);
    assert.equal(cpuPerSampledMs(idleOnly, 5), 1);
  });

  it("reads the main thread's CPU time, which grows with work done on it", () => {
    const before = mainThreadCpuMs();
    const until = process.cpuUsage().user + 60_000;
    while (process.cpuUsage().user < until) {
      // 60 ms of CPU on this thread
    }
    const spent = mainThreadCpuMs() - before;
    assert.ok(spent >= 30 && spent <= 1000, `${spent} ms`);
  });
});
