import { toWatermarkMessage, validateEvent } from '@app/messaging';
import { RevenueByHour, revenueByHour } from './revenueByHour';
import { expectedRevenue, revenueScenario } from './testing/revenueScenario';

describe('revenue by hour (the aggregation)', () => {
  const { messages, lastPosition } = revenueScenario();
  const watermarks = [0, 1, 2].map((partition) => toWatermarkMessage(lastPosition, partition));

  it('feeds on events that satisfy the published contract', () => {
    for (const message of messages) expect(validateEvent(JSON.parse(message.value))).toEqual({ ok: true });
  });

  it('sums purchases per UTC hour, sku and currency, once per event id, skipping watermarks', () =>
    expect(revenueByHour([...watermarks, ...messages])).toEqual(expectedRevenue));

  it('does not depend on arrival order across partitions', () =>
    expect(revenueByHour([...messages].reverse())).toEqual(expectedRevenue));

  it('counts a purchase it cannot read instead of failing or guessing', () => {
    const [purchase] = messages.filter((message) => message.headers['event-type'] === 'ItemPurchased');
    const newer = JSON.parse(purchase.value);
    newer.metadata.schemaVersion = 2;
    const unreadable = [
      { ...purchase, value: '{"id": ' },
      { ...purchase, value: null },
      { ...purchase, value: JSON.stringify(newer) },
    ];
    const revenue = new RevenueByHour();
    for (const message of unreadable) revenue.add(message);
    expect(revenue.table()).toEqual([]);
    expect(revenue.unreadable).toBe(unreadable.length);
  });
});
