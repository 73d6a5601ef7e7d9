/** The benchmark's cluster: the source document's 7 nodes, registered, 2 shards, wacore3 the spare. */
import * as emulator from '../emulator/src/harness';

export const REGISTRATION = {
  cc: '1',
  phone_number: '6315550100',
  method: 'sms',
  cert: Buffer.from('{"vname":"Bench"}').toString('base64'),
};

export async function startBenchCluster(
  dir: string,
  project: string,
  log: (l: string) => void,
): Promise<{ ws: emulator.Workspace; token: string }> {
  const ws = await emulator.startCluster({
    dir,
    project,
    webPort: await emulator.freePort(),
    services: emulator.ALL_SERVICES,
    log,
  });
  const token = await emulator.login(ws);
  const ok = (r: emulator.ApiResponse, what: string): void => {
    if (r.status >= 300) {
      throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
    }
  };
  ok(await emulator.api(ws, 'POST', '/v1/account', { token, body: REGISTRATION }), 'register');
  ok(await emulator.api(ws, 'POST', '/v1/account/verify', { token, body: { code: '123456' } }), 'verify');
  ok(await emulator.api(ws, 'POST', '/v1/account/shards', { token, body: { ...REGISTRATION, shards: 2 } }), 'shards');
  // Failovers within seconds, as the explorer test does (the defaults are 5 s / 30 s).
  ok(
    await emulator.api(ws, 'PATCH', '/v1/settings/application', {
      token,
      body: { heartbeat_interval: 1, unhealthy_interval: 3 },
    }),
    'settings',
  );
  await emulator.waitForHealth(
    ws,
    (h) =>
      Object.values(emulator.byService(h)).filter((n) => n.role === 'coreapp' && n.gateway_status === 'connected')
        .length === 2,
    { apiKey: emulator.DEFAULT_API_KEY, timeoutMs: 90_000 },
  );
  return { ws, token };
}
