import { GENESIS_HASH, eventHash } from '@app/audit';
import { DomainError, type catalog, economy } from '@app/domain';
import type { EventStore, NewEvent, RecordedEvent } from '@app/event-store';
import { randomBytes, randomUUID } from 'node:crypto';

/** One command's event, decided by the domain, ready to append at `expected`. */
export type TrafficEvent = {
  streamId: string;
  /** The stream's last revision before this event ('no_stream' for its first). */
  expected: 'no_stream' | number;
  event: NewEvent;
};

const ITEMS: Extract<catalog.CatalogItem, { status: 'Defined' }>[] = [
  {
    status: 'Defined',
    sku: 'health-potion',
    name: 'Health Potion',
    prices: { GOLD: 20, GEMS: 1 },
    stackable: true,
  },
  {
    status: 'Defined',
    sku: 'xp-booster-1h',
    name: 'XP Booster (1 h)',
    prices: { GOLD: 150 },
    stackable: true,
  },
  {
    status: 'Defined',
    sku: 'arrow-bundle',
    name: 'Bundle of Arrows',
    prices: { GOLD: 5 },
    stackable: true,
    maxStack: 999,
  },
];

const REASONS = [
  'match won',
  'daily login reward',
  'quest completed: the lost caravan',
  'season pass tier 12',
];

/** The metadata the API writes on every event of a command (a fresh command each call). */
export const commandMetadata = (): NewEvent['metadata'] => {
  const commandId = randomUUID();
  return {
    schemaVersion: 1,
    commandId,
    requestHash: randomBytes(32).toString('base64url'),
    correlationId: randomUUID(),
    causationId: commandId,
    actor: 'game-server-eu-1',
  };
};

/**
 * The economy traffic of a game server: mostly currency grants, every fourth command a purchase, spread
 * round-robin over `players` streams. Events are decided by the domain's deciders on each player's folded
 * state, and carry the metadata the API writes, so their size and shape are those of real envelopes.
 * Deterministic amounts (a seeded generator); ids are random, as the API's are per request.
 */
export class EconomyTraffic {
  private readonly states: economy.PlayerEconomy[];
  private readonly revisions: number[];
  private turn = 0;
  private seed: number;

  constructor(
    private readonly players: number,
    seed = 42,
  ) {
    this.states = Array.from({ length: players }, () => economy.initialState());
    this.revisions = Array.from({ length: players }, () => -1);
    this.seed = seed;
  }

  /** The next player's next command, decided and recorded as the API would append it. */
  next(): TrafficEvent {
    const player = this.turn++ % this.players;
    return this.nextFor(player);
  }

  /** `count` consecutive events of one player (an append of several events). */
  nextChunk(
    player: number,
    count: number,
  ): { streamId: string; expected: 'no_stream' | number; events: NewEvent[] } {
    const first = this.nextFor(player);
    const events = [first.event];
    for (let i = 1; i < count; i++) events.push(this.nextFor(player).event);
    return { streamId: first.streamId, expected: first.expected, events };
  }

  private nextFor(player: number): TrafficEvent {
    const playerId = trafficPlayerId(player);
    const state = this.states[player];
    const revision = this.revisions[player];
    const [decided] = this.decide(playerId, state, revision + 1);
    this.states[player] = economy.evolve(state, decided);
    this.revisions[player] = revision + 1;
    return {
      streamId: economy.playerEconomyStreamId(playerId),
      expected: revision < 0 ? 'no_stream' : revision,
      event: {
        id: randomUUID(),
        type: decided.type,
        data: decided.data,
        metadata: commandMetadata(),
        occurredAt: new Date(),
      },
    };
  }

  private decide(
    playerId: string,
    state: economy.PlayerEconomy,
    revision: number,
  ): economy.PlayerEconomyEvent[] {
    if (revision % 4 === 3) {
      const item = ITEMS[this.random(ITEMS.length)];
      try {
        return economy.purchaseItem(
          {
            type: 'PurchaseItem',
            data: { playerId, sku: item.sku, quantity: 1 + this.random(3), currency: 'GOLD', item },
          },
          state,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        // Not enough gold (or a full stack): the player earns some instead.
      }
    }
    return economy.grantCurrency(
      {
        type: 'GrantCurrency',
        data: {
          playerId,
          currency: this.random(10) === 0 ? 'GEMS' : 'GOLD',
          amount: 10 + this.random(500),
          reason: REASONS[this.random(REASONS.length)],
        },
      },
      state,
    );
  }

  /** mulberry32: an integer in [0, bound). */
  private random(bound: number): number {
    this.seed = (this.seed + 0x6d2b79f5) | 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % bound) | 0;
  }
}

/** The id of the `player`-th player of the traffic. */
export const trafficPlayerId = (player: number): string => `player-${String(player).padStart(6, '0')}`;

/**
 * Appends `events` events of player `player`'s economy to `store`, hash-chained as the API chains them,
 * 1,000 per append: a player with a long history, as years of play leave it.
 */
export async function appendPlayerHistory(
  store: EventStore,
  traffic: EconomyTraffic,
  player: number,
  events: number,
): Promise<string> {
  let previousHash = GENESIS_HASH;
  let streamId = '';
  for (let written = 0; written < events;) {
    const chunk = traffic.nextChunk(player, Math.min(1000, events - written));
    streamId = chunk.streamId;
    const first = chunk.expected === 'no_stream' ? 0 : chunk.expected + 1;
    for (const [i, event] of chunk.events.entries()) {
      const occurredAt = event.occurredAt.toISOString();
      const hash = eventHash({ ...event, streamId, revision: first + i, occurredAt, previousHash });
      event.metadata = { ...event.metadata, previousHash, hash };
      previousHash = hash;
    }
    await store.appendToStream(streamId, chunk.events, chunk.expected);
    written += chunk.events.length;
  }
  return streamId;
}

/** The events as the store records them: consecutive positions from 1, revisions per stream. */
export const recordedTraffic = (count: number, players: number): RecordedEvent[] => {
  const traffic = new EconomyTraffic(players);
  return Array.from({ length: count }, (_, i) => {
    const { streamId, expected, event } = traffic.next();
    return {
      id: event.id,
      type: event.type,
      streamId,
      revision: expected === 'no_stream' ? 0 : expected + 1,
      position: i + 1,
      occurredAt: event.occurredAt.toISOString(),
      data: event.data,
      metadata: event.metadata,
    };
  });
};
