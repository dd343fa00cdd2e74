/**
 * Example analytics job on `game.events`: what players pay per UTC hour (catalog items and tournament entry
 * fees: currency sinks), and what competitions pay back per period (rewards granted and clawed back:
 * currency sources). It uses kafkajs directly and relies only on the published contract
 * (libs/messaging/src/contract/asyncapi.json), the way an analytics team's own job would.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node revenueByHour.js     (see README.md for building it)
 */
import { Kafka, type IHeaders, logLevel } from 'kafkajs';

export const TOPIC = 'game.events';
export const GROUP_ID = 'analytics-revenue-example';

/** What the aggregation needs of a Kafka message: its headers as text and its value. */
export type RawMessage = { headers: Record<string, string | undefined>; value: Buffer | string | null };

/** Currency paid in one UTC hour for one thing. */
export type RevenueRow = {
  /** Start of the UTC hour: 2026-11-21T07:00:00.000Z */
  hour: string;
  /** What was paid for: a catalog item (ItemPurchased) or a tournament's entry (TournamentEntered). */
  kind: 'item' | 'tournament-entry';
  /** The sku bought, or the tournament (leaderboard id) entered. */
  id: string;
  currency: string;
  /** Sum of data.totalPrice.amount or data.fee.amount, in minor units. */
  amount: number;
  /** Units sold, or entries. */
  quantity: number;
  /** Purchases or entries counted. */
  payments: number;
};

/** What one period of a competition paid in one currency, over its close and every adjudication. */
export type RewardRow = {
  leaderboardId: string;
  /** The period label: 2026-11-21, 2026-W47, 2026-11, or the start instant of a window or every period. */
  period: string;
  currency: string;
  /** Sum of RewardGranted data.currencies[].amount: credited to players. */
  granted: number;
  /** Sum of RewardClawedBack data.currencies[].amount: taken back after adjudications. */
  clawedBack: number;
  /** granted - clawedBack: what the period put into the economy. */
  net: number;
  /** Owed but never credited (a balance would have passed 2^53-1). */
  withheld: number;
  /** Owed back but already spent: written off. */
  shortfall: number;
  /** Players credited this currency at least once. */
  players: number;
};

export type Report = { revenue: RevenueRow[]; rewards: RewardRow[] };

/** The event types this job reads; every other type is skipped by its header. */
const READ = new Set(['ItemPurchased', 'TournamentEntered', 'RewardGranted', 'RewardClawedBack']);

type Amounts = Map<string, number>;
/** The fields this job reads, per event type (schemaVersion 1 each). */
type Read =
  | {
      kind: 'payment';
      id: string;
      occurredAt: string;
      row: Pick<RevenueRow, 'kind' | 'id' | 'currency' | 'amount' | 'quantity'>;
    }
  | { kind: 'no-currency'; id: string }
  | {
      kind: 'reward' | 'clawback';
      id: string;
      leaderboardId: string;
      period: string;
      playerId: string;
      moved: Amounts;
      unpaid: Amounts;
    };
/** Parsed JSON: nothing is trusted until checked. */
type Json = { [key: string]: unknown } | null | undefined;

const HOUR_MS = 3_600_000;
const isText = (value: unknown): value is string => typeof value === 'string';
const isWhole = (value: unknown): value is number => Number.isSafeInteger(value);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `[{currency, amount, ...}]` as amounts per currency; undefined when malformed. */
const currencyChanges = (value: unknown): Amounts | undefined => {
  if (!Array.isArray(value)) return undefined;
  const amounts: Amounts = new Map();
  for (const change of value as Json[]) {
    if (!isText(change?.currency) || !isWhole(change?.amount)) return undefined;
    amounts.set(change.currency, (amounts.get(change.currency) ?? 0) + change.amount);
  }
  return amounts;
};

/** `{currencies?: {GOLD: 5}}` (withheld, shortfall; absent when nothing) as amounts; undefined when malformed. */
const unpaidCurrencies = (value: unknown): Amounts | undefined => {
  if (value === undefined) return new Map();
  const currencies = isObject(value) ? (value.currencies ?? {}) : undefined;
  if (!isObject(currencies)) return undefined;
  const amounts: Amounts = new Map();
  for (const [currency, amount] of Object.entries(currencies)) {
    if (!isWhole(amount)) return undefined;
    amounts.set(currency, amount);
  }
  return amounts;
};

/** Reads an envelope of a type in READ; undefined when it is not JSON, not version 1, or lacks a field. */
const read = (type: string, value: Buffer | string): Read | undefined => {
  let event: Json;
  try {
    event = JSON.parse(value.toString()) as Json;
  } catch {
    return undefined;
  }
  // A newer version may mean something else: a job that knows version 1 must not guess.
  if ((event?.metadata as Json)?.schemaVersion !== 1) return undefined;
  const { id, occurredAt } = event as Record<string, unknown>;
  const data = event?.data as Json;
  if (!isText(id) || !isText(occurredAt) || !isObject(data)) return undefined;

  switch (type) {
    case 'ItemPurchased': {
      const price = data.totalPrice as Json;
      const [sku, quantity, currency, amount] = [data.sku, data.quantity, price?.currency, price?.amount];
      if (!isText(sku) || !isWhole(quantity) || !isText(currency) || !isWhole(amount)) return undefined;
      return { kind: 'payment', id, occurredAt, row: { kind: 'item', id: sku, currency, amount, quantity } };
    }
    case 'TournamentEntered': {
      const { leaderboardId, fee } = data;
      if (!isText(leaderboardId)) return undefined;
      // A free entry, or a fee paid in items: no currency changes hands.
      if (fee === undefined) return { kind: 'no-currency', id };
      const [currency, amount] = [(fee as Json)?.currency, (fee as Json)?.amount];
      if (!isText(currency) || !isWhole(amount)) return undefined;
      const row = { kind: 'tournament-entry' as const, id: leaderboardId, currency, amount, quantity: 1 };
      return { kind: 'payment', id, occurredAt, row };
    }
    default: {
      const { leaderboardId, period, playerId } = data;
      const moved = currencyChanges(data.currencies);
      const unpaid = unpaidCurrencies(type === 'RewardGranted' ? data.withheld : data.shortfall);
      if (!isText(leaderboardId) || !isText(period) || !isText(playerId)) return undefined;
      if (moved === undefined || unpaid === undefined) return undefined;
      const kind = type === 'RewardGranted' ? 'reward' : 'clawback';
      return { kind, id, leaderboardId, period, playerId, moved, unpaid };
    }
  }
};

const byKey = <Row>(rows: Iterable<Row>, key: (row: Row) => string): Row[] =>
  [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

/**
 * The aggregation, without any I/O: add messages in any order, duplicates included, then read the report.
 * Delivery is at-least-once, so an event seen twice (same id) is counted once.
 */
export class RevenueByHour {
  private readonly seen = new Set<string>();
  private readonly revenue = new Map<string, RevenueRow>();
  private readonly rewards = new Map<string, RewardRow & { credited: Set<string> }>();
  /** Messages of the types this job reads that it could not use (not JSON, a newer schemaVersion, a missing field). */
  unreadable = 0;

  add(message: RawMessage): void {
    const type = message.headers['event-type'];
    // A control message ("every event up to this position is published"), not an event: skip it.
    if (type === '$watermark') return;
    // Other event types are skipped by header, without parsing the value.
    if (type === undefined || !READ.has(type)) return;
    const event = message.value === null ? undefined : read(type, message.value);
    if (event === undefined) {
      this.unreadable++;
      return;
    }
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);

    if (event.kind === 'payment') this.addPayment(event.occurredAt, event.row);
    else if (event.kind !== 'no-currency') this.addRewards(event);
  }

  private addPayment(occurredAt: string, payment: Extract<Read, { kind: 'payment' }>['row']): void {
    const hour = new Date(Math.floor(Date.parse(occurredAt) / HOUR_MS) * HOUR_MS).toISOString();
    const key = JSON.stringify([hour, payment.kind, payment.id, payment.currency]);
    const row = this.revenue.get(key) ?? { hour, ...payment, amount: 0, quantity: 0, payments: 0 };
    this.revenue.set(key, {
      ...row,
      amount: row.amount + payment.amount,
      quantity: row.quantity + payment.quantity,
      payments: row.payments + 1,
    });
  }

  private addRewards(event: Extract<Read, { kind: 'reward' | 'clawback' }>): void {
    const { leaderboardId, period } = event;
    for (const currency of new Set([...event.moved.keys(), ...event.unpaid.keys()])) {
      const key = JSON.stringify([leaderboardId, period, currency]);
      const row = this.rewards.get(key) ?? {
        leaderboardId,
        period,
        currency,
        granted: 0,
        clawedBack: 0,
        net: 0,
        withheld: 0,
        shortfall: 0,
        players: 0,
        credited: new Set<string>(),
      };
      const moved = event.moved.get(currency) ?? 0;
      const unpaid = event.unpaid.get(currency) ?? 0;
      if (event.kind === 'reward') {
        row.granted += moved;
        row.withheld += unpaid;
        if (moved > 0) row.credited.add(event.playerId);
      } else {
        row.clawedBack += moved;
        row.shortfall += unpaid;
      }
      row.net = row.granted - row.clawedBack;
      row.players = row.credited.size;
      this.rewards.set(key, row);
    }
  }

  /** Revenue rows ordered by hour, kind, id and currency; reward rows by board, period and currency. */
  report(): Report {
    return {
      revenue: byKey(this.revenue.values(), (row) => `${row.hour} ${row.kind} ${row.id} ${row.currency}`),
      rewards: byKey(
        this.rewards.values(),
        (row) => `${row.leaderboardId} ${row.period} ${row.currency}`,
      ).map(({ credited: _credited, ...row }) => row),
    };
  }
}

/** The report for a finite set of messages. */
export const revenueByHour = (messages: Iterable<RawMessage>): Report => {
  const revenue = new RevenueByHour();
  for (const message of messages) revenue.add(message);
  return revenue.report();
};

export type RevenueJob = {
  /** Messages received so far, watermarks and duplicates included. */
  received: () => number;
  report: () => Report;
  /** Leaves the consumer group and returns the final report. */
  stop: () => Promise<Report>;
};

const textHeaders = (headers: IHeaders = {}): Record<string, string | undefined> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value[value.length - 1]?.toString() : value?.toString(),
    ]),
  );

/** The thin runner: one consumer in its own group, every message into the aggregation. */
export async function startRevenueByHour(options: {
  brokers: string[];
  topic?: string;
  groupId?: string;
  logLevel?: logLevel;
}): Promise<RevenueJob> {
  const { brokers, topic = TOPIC, groupId = GROUP_ID } = options;
  const kafka = new Kafka({ clientId: groupId, brokers, logLevel: options.logLevel ?? logLevel.WARN });
  const consumer = kafka.consumer({ groupId });
  const revenue = new RevenueByHour();
  let received = 0;

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // The tables live in memory only, so this job commits no offsets: each run rebuilds them from the start
  // of the topic's retention. A real job stores its tables and its offsets together (see README.md).
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      revenue.add({ headers: textHeaders(message.headers), value: message.value });
      received++;
    },
  });
  return {
    received: () => received,
    report: () => revenue.report(),
    stop: async () => {
      await consumer.disconnect();
      return revenue.report();
    },
  };
}

if (require.main === module) {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  startRevenueByHour({ brokers, topic: process.env.KAFKA_TOPIC }).then(
    (job) => {
      const print = ({ revenue, rewards }: Report) => {
        console.table(revenue);
        console.table(rewards);
      };
      const timer = setInterval(() => print(job.report()), 10_000);
      const stop = () => {
        clearInterval(timer);
        void job.stop().then((report) => {
          print(report);
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
