import { waitFor } from '@test/support/servers';
import { startOtlpCollector } from '@test/support/otlpCollector';
import { ClusterWorkers, clusterDeployment, sharedServers } from '@test/support/clusterWorkers';
import { apiClient, keys, testApiKeys } from '@test/support/testApp';
import { WorkerProcess } from '@test/support/workers';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/infra/common';

const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/**
 * One command, followed across processes: the api, the relay and a projector each run as an OS process
 * with tracing on, exporting over OTLP/HTTP to a collector this test runs. The command's spans in all
 * three form one trace, linked through the event's metadata and the Kafka message's headers.
 */
describe('tracing across processes (cluster)', () => {
  jest.setTimeout(120_000);

  it('gives one command one connected trace: api -> append -> relay publish -> projector apply', async () => {
    const shared = sharedServers();
    if ('missing' in shared) throw new Error(shared.missing);
    const collector = await startOtlpCollector();
    const dataDir = mkdtempSync(join(tmpdir(), 'tracing-'));
    const deployment = clusterDeployment(shared.servers, { dataDir, partitions: 2 });
    // Spans are exported a tenth of a second after they end, so the test need not wait for a shutdown.
    Object.assign(deployment.env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const workers = await ClusterWorkers.start(deployment, 1);
    const port = await freePort();
    const api = new WorkerProcess('api', { ...deployment.env, API_KEYS: testApiKeys, PORT: String(port) });
    api.start();
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor('the api', async () => (await fetch(`${url}/health`)).ok, {
        timeoutMs: 60_000,
        alive: () => api.running,
      }).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${api.output}`)));
      await workers.ready();

      const playerId = `traced-${randomUUID().slice(0, 8)}`;
      const client = apiClient(url);
      const granted = await client.command(
        'POST',
        `/v1/players/${playerId}/grants`,
        { currency: 'GOLD', amount: 5, reason: 'traced' },
        keys.game,
      );
      expect(granted.status).toBe(201);
      const { position } = granted.body as { position: number };
      // Read-after-write through Kafka and MongoDB: the projector has applied the event.
      const wallet = await client.query(`/v1/players/${playerId}/wallet?minPosition=${position}`);
      expect(wallet.body).toMatchObject({ balances: { GOLD: 5 } });

      const spanNamed = (service: string, name: string) =>
        collector.spans.find((span) => span.service === service && span.name === name);
      await waitFor(
        'the spans of api, relay and projector',
        async () =>
          Boolean(
            spanNamed('api', `append playerEconomy-${playerId}`) &&
            collector.spans.some(
              (span) => span.service === 'projector' && span.name === 'project CurrencyGranted',
            ),
          ),
        { timeoutMs: 30_000 },
      );

      const append = spanNamed('api', `append playerEconomy-${playerId}`)!;
      const trace = collector.spans.filter((span) => span.traceId === append.traceId);
      const byId = new Map(trace.map((span) => [span.spanId, span]));
      const publish = trace.find((span) => span.service === 'relay' && span.parentSpanId === append.spanId);
      expect(publish).toMatchObject({
        kind: PRODUCER,
        name: expect.stringMatching(/^publish .*game\.events$/),
      });
      const apply = trace.find(
        (span) => span.service === 'projector' && span.parentSpanId === publish!.spanId,
      );
      expect(apply).toMatchObject({ kind: CONSUMER, name: 'project CurrencyGranted' });
      expect(new Set(trace.map((span) => span.service))).toEqual(new Set(['api', 'relay', 'projector']));

      // Up from the append, the api's own spans lead to the HTTP request that carried the command.
      const ancestors = [];
      for (let span = byId.get(append.parentSpanId!); span; span = byId.get(span.parentSpanId ?? '')) {
        ancestors.push(span);
      }
      const root = ancestors.at(-1);
      expect(root).toMatchObject({ service: 'api', kind: SERVER, parentSpanId: undefined });
      expect(String(root!.attributes['http.route'] ?? root!.name)).toContain('grants');
      expect(ancestors.every((span) => span.service === 'api')).toBe(true);

      // The event as stored names the append in W3C trace context.
      const history = await client.query(`/v1/audit/players/${playerId}/history`, keys.fuzzer);
      const [event] = (history.body as { events: { metadata: { traceparent?: string } }[] }).events;
      expect(event.metadata.traceparent).toBe(`00-${append.traceId}-${append.spanId}-01`);
    } finally {
      await api.close();
      await workers.stop();
      await collector.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
