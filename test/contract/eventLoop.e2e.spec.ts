import { freePort, waitFor } from '@test/support/servers';
import { keys, testApiKeys } from '@test/support/testApp';
import { WorkerProcess } from '@test/support/workers';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * How many times longer than the same-sized plain body the worst body may hold the api's event loop. A
 * parse that grows faster than the body (quadratic member checks, recursion per nesting level) costs
 * hundreds of times more at a megabyte; a linear one costs about the same.
 */
const MAX_STALL_RATIO = 10;

/** prom-client samples the event loop every 10 ms by default: a shorter stall reads as zero. */
const MONITOR_RESOLUTION_SECONDS = 0.01;

/**
 * No request under the body limit blocks the api's event loop for longer than a plain body of the same
 * size: the worst bodies a client can send (a megabyte of members, deep nesting, many long fields) are
 * sent to an api in its own process, one at a time, and the event-loop delay that process records
 * (monitorEventLoopDelay, through /metrics) is read around each one. The baseline is a one-megabyte
 * string field, measured in the same run, so a slow or busy machine moves both sides alike.
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

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

  /** The median stall of sending `body` once, over `rounds` sends, with every answer's status. */
  const stallOf = async (body: string, rounds = 7) => {
    const stalls: number[] = [];
    const statuses = new Set<number>();
    for (let round = 0; round < rounds; round++) {
      await maxStallSinceLastScrape();
      statuses.add((await send(body)).status);
      stalls.push(await maxStallSinceLastScrape());
    }
    return { stall: median(stalls), statuses };
  };

  it(`stalls no more than ${MAX_STALL_RATIO}x a plain body of the same size on the worst bodies`, async () => {
    const plain = JSON.stringify({ currency: 'GOLD', amount: 1, reason: 'x'.repeat(1_000_000) });
    const hostile = {
      members: `{${Array.from({ length: 100_000 }, (_, i) => `"${i.toString(36)}":1`).join(',')}}`,
      deep: '['.repeat(500_000) + ']'.repeat(500_000),
      manyFields: JSON.stringify(
        Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`field${i}`, 'y'.repeat(4000)])),
      ),
    };
    for (const body of [plain, ...Object.values(hostile)])
      expect(Buffer.byteLength(body)).toBeLessThan(1_048_576);

    const baseline = await stallOf(plain);
    expect([...baseline.statuses]).toEqual([400]);
    for (const [name, body] of Object.entries(hostile)) {
      const measured = await stallOf(body);
      expect({ name, statuses: [...measured.statuses] }).toEqual({ name, statuses: [400] });
      const allowed = Math.max(baseline.stall, MONITOR_RESOLUTION_SECONDS) * MAX_STALL_RATIO;
      expect(measured.stall).toBeLessThanOrEqual(allowed);
    }
  }, 120_000);
});
