import { type DomainEvent, fold, leaderboards } from '@app/domain';
import type { EventStore, RecordedEvent, StreamSnapshot } from '@app/event-store';
import { leaderboardEvents, seededRandom } from '@test/support/randomEvents';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { decodeSnapshot } from './streamSnapshots';
import { StreamStateCache } from './streamStateCache';

const STREAM = 'leaderboard-cup';
const decider = leaderboards.leaderboardDecider;

/**
 * A tournament's seats are changed in place by evolve: a snapshot taken while a load folds into the
 * cached state would pair that state with a revision it has gone past. The cache takes none meanwhile.
 */
describe('StreamStateCache snapshots beside loads in flight', () => {
  const events = leaderboardEvents(seededRandom(5), 2600);
  const recorded = (event: DomainEvent, revision: number): RecordedEvent => ({
    ...event,
    id: `e${revision}`,
    streamId: STREAM,
    revision,
    position: revision + 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    metadata: { schemaVersion: 1, hash: `h${revision}` },
  });

  it('never pairs a state with another revision than its own', async () => {
    let visible = 30;
    let held: Promise<void> | undefined;
    const readStream: EventStore['readStream'] = async (_streamId, from = 0, max = Infinity) => {
      await held;
      return events.slice(from, Math.min(visible, from + max)).map((event, i) => recorded(event, from + i));
    };
    const saved: StreamSnapshot[] = [];
    const states = new StreamStateCache(
      { readStream },
      {
        snapshots: {
          store: { loadSnapshot: async () => undefined, saveSnapshot: async (s) => void saved.push(s) },
          everyEvents: 10,
          logger: { warn: () => undefined },
        },
      },
    );

    // A load reaches revision 29 and asks for a snapshot; before it is taken another load starts, folds
    // a first page of 1,000 events into the same seats, and waits for its second page.
    await states.load(STREAM, decider);
    visible = events.length;
    let release = () => {};
    let pages = 0;
    const second = states.load<leaderboards.Leaderboard, leaderboards.LeaderboardEvent>(STREAM, {
      ...decider,
      evolve: (state, event) => {
        if (pages === 0 && (event as unknown as RecordedEvent).revision === 1029) {
          pages = 1;
          held = new Promise<void>((resolve) => (release = resolve));
        }
        return decider.evolve(state, event);
      },
    });
    await nextTurn();
    await nextTurn();
    expect(saved).toEqual([]);
    release();
    held = undefined;
    await second;
    await nextTurn();

    expect(saved.map((snapshot) => snapshot.revision)).toEqual([events.length - 1]);
    const restored = decodeSnapshot(saved[0], decider.snapshots!);
    expect(restored?.state).toEqual(fold(decider, events));
  });
});
