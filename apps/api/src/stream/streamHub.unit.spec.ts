import type { RecordedEventWithoutMetadata } from '@app/event-store';
import type { QueryBus } from '@nestjs/cqrs';
import type { LogFollower } from '../persistence/logFollower';
import type { ReadModelProgress } from '../persistence/readModelProgress';
import { FAN_OUT_CHUNK, StreamHub, type Subscriber, type TopicUpdate } from './streamHub';

/** A follower, read models and a query bus in memory: each applied score moves the board's top entry. */
function hubWithBoard() {
  let applied: (events: RecordedEventWithoutMetadata[], after: number) => void = () => undefined;
  let position = 0;
  const follower = {
    get position() {
      return position;
    },
    onApplied: (listener: typeof applied) => {
      applied = listener;
      return () => undefined;
    },
  } as unknown as LogFollower;
  const progress = { waitFor: async () => true } as unknown as ReadModelProgress;
  const queries = {
    execute: async () => ({ entries: [{ rank: 1, score: position }] }),
  } as unknown as QueryBus;
  const hub = new StreamHub(follower, progress, queries, 100, 1000, 0);
  const score = () => {
    position++;
    const event = {
      id: `e${position}`,
      type: 'ScoreSubmitted',
      streamId: 'leaderboardScores-weekly',
      revision: position - 1,
      position,
      occurredAt: new Date(0).toISOString(),
      data: { leaderboardId: 'weekly', period: 'all', playerId: 'p1', score: position },
    } as RecordedEventWithoutMetadata;
    applied([event], position - 1);
  };
  return { hub, score };
}

const topic = { kind: 'board' as const, leaderboardId: 'weekly', limit: 10 };

/** A subscriber that records the positions of the updates offered to it, and when each one came. */
class Recorder implements Subscriber {
  readonly positions: number[] = [];
  constructor(private readonly offered: (update: TopicUpdate) => void) {}
  offer(update: TopicUpdate): void {
    this.positions.push(update.position);
    this.offered(update);
  }
  fail(error: unknown): void {
    throw error;
  }
}

describe('StreamHub fan-out', () => {
  it('offers a topic update to its subscribers a chunk per turn of the event loop, each update in order', async () => {
    const { hub, score } = hubWithBoard();
    const count = 3 * FAN_OUT_CHUNK + 10;
    let offers = 0;
    /** How many offers had been made when work queued during the fan-out ran (one entry per update). */
    const interleaved: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const subscribers = Array.from(
      { length: count },
      () =>
        new Recorder(() => {
          // The first offer of each update queues other work, as a request arriving meanwhile would;
          // and the first one of all comes with the next score, while the fan-out has just begun.
          if (offers++ % count === 0) setImmediate(() => interleaved.push(offers));
          if (offers === 1) score();
          if (offers === 2 * count) done();
        }),
    );
    await Promise.all(subscribers.map((subscriber) => hub.subscribe(topic, subscriber)));

    score();
    await finished;

    // The other work ran after the first chunk of each update, not after its whole fan-out.
    expect(interleaved).toEqual([FAN_OUT_CHUNK, count + FAN_OUT_CHUNK]);
    // Every subscriber got both updates, the first one first: the second read waited for the first fan-out.
    for (const subscriber of subscribers) expect(subscriber.positions).toEqual([1, 2]);
    hub.close();
  });
});
