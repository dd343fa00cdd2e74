import { toWatermarkMessage, validateEvent } from '@app/messaging';
import { RevenueByHour, revenueByHour } from './revenueByHour';
import { expectedReport, revenueScenario } from './testing/revenueScenario';

describe('revenue by hour (the aggregation)', () => {
  const { messages, lastPosition } = revenueScenario();
  const watermarks = [0, 1, 2].map((partition) => toWatermarkMessage(lastPosition, partition));
  const ofType = (type: string) => messages.filter((message) => message.headers['event-type'] === type);

  it('feeds on events that satisfy the published contract', () => {
    for (const message of messages) expect(validateEvent(JSON.parse(message.value))).toEqual({ ok: true });
  });

  it('feeds on every kind of payment and reward the scenario is about', () => {
    const entries = ofType('TournamentEntered').map((message) => JSON.parse(message.value).data);
    const granted = ofType('RewardGranted').map((message) => JSON.parse(message.value).data);
    const clawedBack = ofType('RewardClawedBack').map((message) => JSON.parse(message.value).data);
    expect(entries).toHaveLength(4);
    expect(ofType('TournamentEntryLapsed')).toHaveLength(1);
    expect(granted.filter((reward) => reward.withheld !== undefined)).toHaveLength(1);
    expect(clawedBack.filter((clawback) => clawback.shortfall !== undefined)).toHaveLength(1);
    expect(ofType('LeaderboardPeriodAdjudicated')).toHaveLength(1);
  });

  it('sums payments per UTC hour, what was paid for and currency, and rewards per period, once per event id, skipping watermarks', () =>
    expect(revenueByHour([...watermarks, ...messages])).toEqual(expectedReport));

  it('does not depend on arrival order across partitions', () =>
    expect(revenueByHour([...messages].reverse())).toEqual(expectedReport));

  it('counts an event it cannot read instead of failing or guessing', () => {
    const [purchase] = ofType('ItemPurchased');
    const [reward] = ofType('RewardGranted');
    const newer = (message: { value: string }) => {
      const event = JSON.parse(message.value);
      event.metadata.schemaVersion = 2;
      return JSON.stringify(event);
    };
    const withoutAmounts = JSON.parse(reward.value);
    delete withoutAmounts.data.currencies;
    const unreadable = [
      { ...purchase, value: '{"id": ' },
      { ...purchase, value: null },
      { ...purchase, value: newer(purchase) },
      { ...reward, value: newer(reward) },
      { ...reward, value: JSON.stringify(withoutAmounts) },
    ];
    const revenue = new RevenueByHour();
    for (const message of unreadable) revenue.add(message);
    expect(revenue.report()).toEqual({ revenue: [], rewards: [] });
    expect(revenue.unreadable).toBe(unreadable.length);
  });
});
