import { KAFKA, MONGO, describeWith, serverAddress, testMongoOptions } from '@test/support/servers';
import { type LagLevel, type PipelineResults, runPipelineBench, toMarkdown } from './pipeline';
import { Cleanup } from './support/servers';
import type { Distribution } from './support/stats';

/**
 * The pipeline benchmark at a tiny size, so it cannot rot: it runs end to end on the shared servers
 * and produces sane figures. What the figures are is never asserted: these machines are too noisy.
 */
describeWith([KAFKA, MONGO], 'bench/pipeline.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  let results: PipelineResults;

  beforeAll(async () => {
    results = await runPipelineBench({
      events: 200,
      levels: [{ rate: 50, seconds: 2 }],
      warmupSeconds: 0.5,
      readStores: ['memory', 'mongo'],
      cleanup,
      log: () => undefined,
      servers: {
        brokers: serverAddress(KAFKA)!,
        mongoUrl: serverAddress(MONGO)!,
        mongoWritesPerCall: testMongoOptions.maxWritesPerCall,
      },
    });
  }, 180_000);
  afterAll(() => cleanup.runAll());

  const sane = (figure: number) => Number.isFinite(figure) && figure > 0;
  const saneDistribution = (d: Distribution, count: number) => {
    expect(d.count).toBe(count);
    expect([d.mean, d.p50, d.p95, d.p99, d.max].every(sane)).toBe(true);
    expect(d.p50 <= d.p99 && d.p99 <= d.max).toBe(true);
  };

  it('publishes every message: the baseline producer all of them, the relay every event plus its watermarks', () => {
    const { baseline, relay } = results.throughput;
    for (const run of baseline) {
      expect(run.published).toBe(200);
      expect(sane(run.messagesPerSecond) && sane(run.meanValueBytes)).toBe(true);
    }
    expect(relay.events).toBe(200);
    expect(relay.published).toBe(200 + relay.batches * results.settings.partitions);
    expect(sane(relay.eventsPerSecond) && sane(results.throughput.ratio)).toBe(true);
  });

  it.each(['memory', 'mongo'])('measures the lag of every appended event into the %s read store', (store) => {
    const level = results.lag.find((l) => l.readStore === store) as LagLevel;
    expect(level.appended).toBe(100);
    expect(level.applied).toBe(level.appended);
    saneDistribution(level.eventApplied, level.appended);
    saneDistribution(level.readAfterWrite, level.appended);
    saneDistribution(level.append, level.appended);
    saneDistribution(level.baseline.latency, level.baseline.sent);
    expect(level.baseline.sent).toBe(100);
    expect(level.relayBatches > 0 && level.projectorCommits > 0).toBe(true);
  });

  it('renders the markdown table with a baseline beside every figure', () => {
    const table = toMarkdown(results);
    expect(table).toContain('| metric | value | baseline | ratio |');
    expect(table).not.toContain('NaN');
  });
});
