import { randomUUID } from 'node:crypto';
import { catalog, economy, fold } from '@app/domain';
import type { RecordedEvent } from '@app/event-store';
import { type EventMessage, toEventMessage } from '@app/messaging';
import type { RevenueRow } from '../revenueByHour';

type Item = catalog.CatalogItemDefinition & { status: 'Defined' };

const potion: Item = {
  status: 'Defined',
  sku: 'health-potion',
  name: 'Health Potion',
  prices: { GEMS: 1, GOLD: 10 },
  stackable: true,
};
const repricedPotion: Item = { ...potion, prices: { GEMS: 1, GOLD: 12 } };
const sword: Item = {
  status: 'Defined',
  sku: 'sword',
  name: 'Sword',
  prices: { GOLD: 100 },
  stackable: false,
};

/**
 * Player economy events as the store would record them: decided by the domain from commands, stamped
 * with stream revision, global position and metadata.
 */
class EconomyLog {
  readonly events: RecordedEvent[] = [];
  private readonly players = new Map<string, { state: economy.PlayerEconomy; revision: number }>();

  run(command: economy.PlayerEconomyCommand, occurredAt: string): RecordedEvent[] {
    const { playerId } = command.data;
    const player = this.players.get(playerId) ?? { state: economy.initialState(), revision: -1 };
    const decided = economy.playerEconomyDecider.decide(command, player.state);
    const recorded = decided.map((event, index) => ({
      id: randomUUID(),
      type: event.type,
      streamId: economy.playerEconomyStreamId(playerId),
      revision: player.revision + 1 + index,
      position: this.events.length + 1 + index,
      occurredAt,
      data: event.data,
      metadata: { schemaVersion: 1, correlationId: randomUUID(), actor: 'game-server' },
    }));
    this.players.set(playerId, {
      state: fold(economy.playerEconomyDecider, decided, player.state),
      revision: player.revision + decided.length,
    });
    this.events.push(...recorded);
    return recorded;
  }
}

const at = (time: string) => `2026-11-21T${time}Z`;
const grant = (playerId: string, currency: string, amount: number): economy.GrantCurrency => ({
  type: 'GrantCurrency',
  data: { playerId, currency, amount, reason: 'welcome bonus' },
});
const buy = (playerId: string, item: Item, quantity: number, currency: string): economy.PurchaseItem => ({
  type: 'PurchaseItem',
  data: { playerId, sku: item.sku, quantity, currency, item },
});

/**
 * Three players' wallets around two UTC hours: purchases in two currencies, a price change, one purchase
 * delivered twice, and events of other types. Watermarks are the caller's (they depend on partitions).
 */
export const revenueScenario = (): { messages: EventMessage[]; lastPosition: number } => {
  const log = new EconomyLog();
  log.run(grant('p1', 'GOLD', 500), at('06:55:00.000'));
  log.run(grant('p2', 'GOLD', 100), at('06:56:00.000'));
  log.run(grant('p3', 'GEMS', 10), at('06:57:00.000'));
  const [redelivered] = log.run(buy('p1', potion, 3, 'GOLD'), at('07:15:00.000'));
  log.run(buy('p3', potion, 2, 'GEMS'), at('07:30:00.000'));
  log.run(buy('p2', potion, 1, 'GOLD'), at('07:59:59.999'));
  log.run(buy('p1', sword, 1, 'GOLD'), at('08:00:00.000'));
  log.run(buy('p2', repricedPotion, 1, 'GOLD'), at('08:10:00.000'));
  log.run(
    { type: 'ConsumeItem', data: { playerId: 'p1', sku: 'health-potion', quantity: 1, item: potion } },
    at('08:20:00.000'),
  );
  const messages = [...log.events.map(toEventMessage), toEventMessage(redelivered)];
  return { messages, lastPosition: log.events.length };
};

/** The scenario's revenue: 07:00 potions 3x10 + 1x10 GOLD and 2x1 GEMS; 08:00 a sword and a potion at 12. */
export const expectedRevenue: RevenueRow[] = [
  { hour: at('07:00:00.000'), sku: 'health-potion', currency: 'GEMS', amount: 2, quantity: 2, purchases: 1 },
  { hour: at('07:00:00.000'), sku: 'health-potion', currency: 'GOLD', amount: 40, quantity: 4, purchases: 2 },
  { hour: at('08:00:00.000'), sku: 'health-potion', currency: 'GOLD', amount: 12, quantity: 1, purchases: 1 },
  { hour: at('08:00:00.000'), sku: 'sword', currency: 'GOLD', amount: 100, quantity: 1, purchases: 1 },
];
