import { ProgressMeter, type ProgressLine, replayCheckProgress, withProgress } from './progress';

const collect = async <T>(lines: AsyncGenerator<ProgressLine<T>>) => {
  const all: ProgressLine<T>[] = [];
  for await (const line of lines) all.push(line);
  return all;
};

describe('ProgressMeter', () => {
  it('tells the rate since the phase began and the time left from the share of positions covered', () => {
    const meter = new ProgressMeter('verify', 'events', { from: 100, until: 1100 });
    const started = Date.now();
    // A quarter of the positions in 2 s: 6 s to go, whatever the events counted.
    expect(meter.at(500, 350, started + 2000)).toEqual({
      phase: 'verify',
      done: 500,
      unit: 'events',
      position: 350,
      until: 1100,
      rate: 250,
      secondsLeft: 6,
    });
    expect(meter.at(2000, 1100, started + 4000).secondsLeft).toBe(0);
  });

  it('says nothing of the time left without an end, or before anything is covered', () => {
    const started = Date.now();
    expect(new ProgressMeter('compare wallets', 'documents').at(300, undefined, started + 1000)).toEqual({
      phase: 'compare wallets',
      done: 300,
      unit: 'documents',
      rate: 300,
    });
    expect(
      new ProgressMeter('replay', 'events', { from: 10, until: 20 }).at(0, 10).secondsLeft,
    ).toBeUndefined();
  });
});

describe('replayCheckProgress', () => {
  it('starts a phase per replay head and per read model compared', () => {
    const seen: string[] = [];
    const report = replayCheckProgress((progress) => seen.push(`${progress.phase} ${progress.done}`));
    report({ phase: 'replay', position: 5, until: 10, events: 5 });
    report({ phase: 'replay', position: 10, until: 10, events: 10 });
    report({ phase: 'compare', collection: 'wallets', documents: 3 });
    report({ phase: 'replay', position: 12, until: 12, events: 12 });
    expect(seen).toEqual(['replay 5', 'replay 10', 'compare wallets 3', 'replay 12']);
  });
});

describe('withProgress', () => {
  it('yields the progress as the work reports it, at most every quarter second, then the last one and the result', async () => {
    const lines = await collect(
      withProgress(async (report) => {
        for (let done = 1; done <= 3; done++) report({ phase: 'verify', done, unit: 'events', rate: 1 });
        return { ok: true };
      }),
    );
    expect(lines).toEqual([
      { progress: expect.objectContaining({ done: 1 }) },
      { progress: expect.objectContaining({ done: 3 }) },
      { result: { ok: true } },
    ]);
  });

  it('ends with the error of a run that failed', async () => {
    const lines = await collect(
      withProgress(async () => {
        throw new Error('the store went away');
      }),
    );
    expect(lines).toEqual([{ error: { title: 'The run failed', detail: 'the store went away' } }]);
  });

  it('sends progress while the work runs, not only at the end', async () => {
    const order: string[] = [];
    let release!: () => void;
    const lines = withProgress(async (report) => {
      report({ phase: 'replay', done: 1, unit: 'events', rate: 1 });
      await new Promise<void>((resolve) => (release = resolve));
      order.push('work done');
      return 'result';
    });
    const first = await lines.next();
    order.push('first line read');
    release();
    await collect(lines);
    expect(first.value).toEqual({ progress: expect.objectContaining({ done: 1 }) });
    expect(order).toEqual(['first line read', 'work done']);
  });
});
