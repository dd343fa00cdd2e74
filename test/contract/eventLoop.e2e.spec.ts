import { freePort, waitFor } from '@test/support/servers';
import { keys, testApiKeys } from '@test/support/testApp';
import { WorkerProcess } from '@test/support/workers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The longest the api's event loop may stall on any request under the body limit. */
const MAX_STALL_SECONDS = 0.05;

/**
 * No request under the body limit blocks the api's event loop for long: the worst bodies a client can
 * send (a megabyte of members, deep nesting, one giant string) are sent to an api in its own process, and
 * the event-loop delay histogram that process keeps (monitorEventLoopDelay, through /metrics) is read
 * before and after. The limit is the process's own measurement, not a wall clock in the test.
 */
describe('event loop under hostile bodies (e2e)', () => {
  let api: WorkerProcess;
  let url: string;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'event-loop-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = new WorkerProcess('api', {
      PORT: String(port),
      DATA_DIR: dataDir,
      API_KEYS: testApiKeys,
      BODY_LIMIT_BYTES: '1048576',
      SQLITE_SYNCHRONOUS: 'NORMAL',
    });
    api.start();
    await waitFor('the api', async () => (await fetch(`${url}/health`)).ok, { timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await api?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The longest event-loop delay since the previous scrape (prom-client resets it at each one). */
  const maxStallSinceLastScrape = async (): Promise<number> => {
    const response = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${keys.monitoring}` },
    });
    const text = await response.text();
    const line = text.split('\n').find((each) => each.startsWith('nodejs_eventloop_lag_max_seconds'));
    if (!line)
      throw new Error(`no event-loop metric in /metrics (${response.status}):\n${text.slice(0, 500)}`);
    return Number(line.split(' ')[1]);
  };

  const send = (body: string) =>
    fetch(`${url}/v1/players/p1/grants`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.game}`,
        'content-type': 'application/json',
        'idempotency-key': `k-${Math.random()}`,
      },
      body,
    });

  it(`stalls under ${MAX_STALL_SECONDS * 1000} ms on the worst bodies under the limit`, async () => {
    const members = `{${Array.from({ length: 100_000 }, (_, i) => `"${i.toString(36)}":1`).join(',')}}`;
    const deep = '['.repeat(500_000) + ']'.repeat(500_000);
    const giantString = JSON.stringify({ currency: 'GOLD', amount: 1, reason: 'x'.repeat(1_000_000) });
    const manyFields = JSON.stringify(
      Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`field${i}`, 'y'.repeat(4000)])),
    );
    for (const body of [members, deep, giantString, manyFields])
      expect(Buffer.byteLength(body)).toBeLessThan(1_048_576);

    await maxStallSinceLastScrape();
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const body of [members, deep, giantString, manyFields]) statuses.push((await send(body)).status);
    }
    const stall = await maxStallSinceLastScrape();
    expect(new Set(statuses)).toEqual(new Set([400]));
    expect(stall).toBeLessThan(MAX_STALL_SECONDS);
  }, 60_000);
});
