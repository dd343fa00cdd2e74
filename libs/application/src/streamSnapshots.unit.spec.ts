import { GENESIS_HASH, canonicalJson } from '@app/audit';
import { type DomainEvent, audit, economy, fold, leaderboards } from '@app/domain';
import {
  type Random,
  anchorEvents,
  economyEvents,
  leaderboardEvents,
  scoreEvents,
  seededRandom,
} from '@test/support/randomEvents';
import { createHash } from 'node:crypto';
import { decodeSnapshot, encodeSnapshot } from './streamSnapshots';
import type { Fold } from './streamStateCache';

type Case<State, Event extends DomainEvent> = {
  name: string;
  decider: Fold<State, Event>;
  events: (random: Random, count: number) => Event[];
};

const cases = [
  { name: 'player economy', decider: economy.playerEconomyDecider, events: economyEvents },
  {
    name: 'leaderboard (tournament seats)',
    decider: leaderboards.leaderboardDecider,
    events: leaderboardEvents,
  },
  { name: 'player scores', decider: leaderboards.playerScoresDecider, events: scoreEvents },
  { name: 'audit anchors', decider: audit.logAnchorsDecider, events: anchorEvents },
] as Case<unknown, DomainEvent>[];

/** The state after `events`, from a snapshot taken after the first `cut` of them. */
const throughSnapshot = <State, Event extends DomainEvent>(
  decider: Fold<State, Event>,
  events: Event[],
  cut: number,
): State => {
  const at = {
    state: fold(decider, events.slice(0, cut)),
    revision: cut - 1,
    position: cut,
    lastHash: GENESIS_HASH,
  };
  const schema = decider.snapshots!;
  const restored = decodeSnapshot(encodeSnapshot('s-1', schema, at), schema);
  expect(restored).toMatchObject({ revision: at.revision, position: at.position, lastHash: at.lastHash });
  return fold(decider, events.slice(cut), restored!.state);
};

describe('stream snapshots', () => {
  describe.each(cases)('$name: snapshot + tail == the full fold', ({ decider, events }) => {
    it('for 300 random event sequences cut at a random place (seeds 1..300)', () => {
      for (let seed = 1; seed <= 300; seed++) {
        const random = seededRandom(seed);
        const sequence = events(random, random.int(60));
        const cut = random.int(sequence.length + 1);
        expect({ seed, state: throughSnapshot(decider, sequence, cut) }).toEqual({
          seed,
          state: fold(decider, sequence),
        });
      }
    });
  });

  /**
   * Each snapshotted decider's version, with a SHA-256 over the canonical JSON of every state its fold of
   * 500 seeded events (seed 1) goes through: a change to evolve that folds them differently changes the
   * digest, and needs the version bumped too, or snapshots of the earlier fold would be read as the new
   * one's. Update both here (the digest alone when the event generator changed, not evolve).
   */
  const folds: Record<string, { version: number; digest: string }> = {
    'player economy': {
      version: 2,
      digest: '351a5c676040e63b6a1d8472f8c3b36e8d13738361bf234718253b619d5c2419',
    },
    'leaderboard (tournament seats)': {
      version: 1,
      digest: '749d241b68fbcaea5aa80eedf98f924cda2d56302c73d788c10081e1aabef547',
    },
    'player scores': {
      version: 1,
      digest: '6435bdbcd80ff1ab75e38e39fac84c840c89309c1cca3a494409112a7c463669',
    },
    'audit anchors': {
      version: 1,
      digest: 'd4a6db979de135867dd98b4324f553df86376cb0fcedbafb344ed0bd10a32d2f',
    },
  };
  it.each(cases)('$name: a fold that changes comes with a new version', ({ name, decider, events }) => {
    const schema = decider.snapshots!;
    const hash = createHash('sha256');
    events(seededRandom(1), 500).reduce((state, event) => {
      const next = decider.evolve(state, event);
      hash.update(canonicalJson(schema.toJson ? schema.toJson(next) : next));
      return next;
    }, decider.initialState());
    const digest = hash.digest('hex');
    expect({ version: schema.version, digest }).toEqual(folds[name]);
  });

  it('keeps the seats of a tournament as a Map, in their order', () => {
    const sequence = leaderboardEvents(seededRandom(7), 200);
    const [state, full] = [
      throughSnapshot(leaderboards.leaderboardDecider, sequence, sequence.length),
      fold(leaderboards.leaderboardDecider, sequence),
    ];
    if (state.status !== 'Defined' || full.status !== 'Defined') throw new Error('the board is defined');
    expect(state.seats).toBeInstanceOf(Map);
    expect(full.seats.size).toBeGreaterThan(1);
    expect([...state.seats]).toEqual([...full.seats]);
  });

  describe('a damaged snapshot is not used', () => {
    const schema = economy.playerEconomyDecider.snapshots!;
    const at = {
      state: fold(economy.playerEconomyDecider, economyEvents(seededRandom(3), 40)),
      revision: 39,
      position: 812,
      lastHash: 'a'.repeat(64),
    };
    const snapshot = encodeSnapshot('playerEconomy-p1', schema, at);

    it('decodes what it encoded', () => expect(decodeSnapshot(snapshot, schema)).toEqual(at));

    it.each([
      ['cut short', snapshot.payload.slice(0, -5)],
      ['cut to its checksum', snapshot.payload.slice(0, 65)],
      ['empty', ''],
      ['a digit changed', snapshot.payload.replace('"position":812', '"position":813')],
      ['its checksum changed', `${'0'.repeat(64)}${snapshot.payload.slice(64)}`],
    ])('%s', (_name, payload) => {
      expect(payload).not.toBe(snapshot.payload);
      expect(decodeSnapshot({ ...snapshot, payload }, schema)).toBeUndefined();
    });

    it('moved to another stream or revision', () => {
      expect(decodeSnapshot({ ...snapshot, streamId: 'playerEconomy-p2' }, schema)).toBeUndefined();
      expect(decodeSnapshot({ ...snapshot, revision: 38 }, schema)).toBeUndefined();
    });

    it('written by another version of the fold', () => {
      expect(decodeSnapshot({ ...snapshot, version: schema.version + 1 }, schema)).toBeUndefined();
      expect(decodeSnapshot(snapshot, { ...schema, version: schema.version + 1 })).toBeUndefined();
    });
  });
});
