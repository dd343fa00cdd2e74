/**
 * Example analytics job: revenue per sku, per currency, per UTC hour, from the ItemPurchased events on
 * `game.events`. It uses kafkajs directly and relies only on the published contract
 * (libs/messaging/src/contract/asyncapi.json), the way an analytics team's own job would.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node revenueByHour.js     (see README.md for building it)
 */
import { Kafka, type IHeaders, logLevel } from 'kafkajs';

export const TOPIC = 'game.events';
export const GROUP_ID = 'analytics-revenue-example';

/** What the aggregation needs of a Kafka message: its headers as text and its value. */
export type RawMessage = { headers: Record<string, string | undefined>; value: Buffer | string | null };

export type RevenueRow = {
  /** Start of the UTC hour: 2026-11-21T07:00:00.000Z */
  hour: string;
  sku: string;
  currency: string;
  /** Sum of data.totalPrice.amount, in minor units. */
  amount: number;
  /** Units sold. */
  quantity: number;
  purchases: number;
};

/** The fields of an ItemPurchased (schemaVersion 1) this job reads. */
type Purchase = {
  id: string;
  occurredAt: string;
  sku: string;
  quantity: number;
  currency: string;
  amount: number;
};
/** The envelope as parsed JSON: nothing is trusted until checked. */
type Parsed = {
  id?: unknown;
  occurredAt?: unknown;
  metadata?: { schemaVersion?: unknown };
  data?: { sku?: unknown; quantity?: unknown; totalPrice?: { currency?: unknown; amount?: unknown } };
} | null;

const HOUR_MS = 3_600_000;
const isText = (value: unknown): value is string => typeof value === 'string';
const isWhole = (value: unknown): value is number => Number.isSafeInteger(value);

/** Reads an ItemPurchased envelope; undefined when it is not JSON, not version 1, or lacks a field. */
const readPurchase = (value: Buffer | string): Purchase | undefined => {
  let event: Parsed;
  try {
    event = JSON.parse(value.toString()) as Parsed;
  } catch {
    return undefined;
  }
  // A newer version may mean something else: a job that knows version 1 must not guess.
  if (event?.metadata?.schemaVersion !== 1) return undefined;
  const { id, occurredAt, data } = event;
  const [sku, quantity] = [data?.sku, data?.quantity];
  const [currency, amount] = [data?.totalPrice?.currency, data?.totalPrice?.amount];
  if (!isText(id) || !isText(occurredAt) || !isText(sku) || !isWhole(quantity)) return undefined;
  if (!isText(currency) || !isWhole(amount)) return undefined;
  return { id, occurredAt, sku, quantity, currency, amount };
};

/**
 * The aggregation, without any I/O: add messages in any order, duplicates included, then read the table.
 * Delivery is at-least-once, so an event seen twice (same id) is counted once.
 */
export class RevenueByHour {
  private readonly seen = new Set<string>();
  private readonly rows = new Map<string, RevenueRow>();
  /** ItemPurchased messages this job could not use (not JSON, a newer schemaVersion, a missing field). */
  unreadable = 0;

  add(message: RawMessage): void {
    const type = message.headers['event-type'];
    // A control message ("every event up to this position is published"), not an event: skip it.
    if (type === '$watermark') return;
    // Other event types are skipped by header, without parsing the value.
    if (type !== 'ItemPurchased') return;
    const purchase = message.value === null ? undefined : readPurchase(message.value);
    if (purchase === undefined) {
      this.unreadable++;
      return;
    }
    if (this.seen.has(purchase.id)) return;
    this.seen.add(purchase.id);

    const hour = new Date(Math.floor(Date.parse(purchase.occurredAt) / HOUR_MS) * HOUR_MS).toISOString();
    const key = JSON.stringify([hour, purchase.sku, purchase.currency]);
    const row = this.rows.get(key) ?? {
      hour,
      sku: purchase.sku,
      currency: purchase.currency,
      amount: 0,
      quantity: 0,
      purchases: 0,
    };
    this.rows.set(key, {
      ...row,
      amount: row.amount + purchase.amount,
      quantity: row.quantity + purchase.quantity,
      purchases: row.purchases + 1,
    });
  }

  /** Rows ordered by hour, then sku, then currency. */
  table(): RevenueRow[] {
    const order = (row: RevenueRow) => `${row.hour} ${row.sku} ${row.currency}`;
    return [...this.rows.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }
}

/** The table for a finite set of messages. */
export const revenueByHour = (messages: Iterable<RawMessage>): RevenueRow[] => {
  const revenue = new RevenueByHour();
  for (const message of messages) revenue.add(message);
  return revenue.table();
};

export type RevenueJob = {
  /** Messages received so far, watermarks and duplicates included. */
  received: () => number;
  table: () => RevenueRow[];
  /** Leaves the consumer group and returns the final table. */
  stop: () => Promise<RevenueRow[]>;
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
  // The table lives in memory only, so this job commits no offsets: each run rebuilds it from the start
  // of the topic's retention. A real job stores its table and its offsets together (see README.md).
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      revenue.add({ headers: textHeaders(message.headers), value: message.value });
      received++;
    },
  });
  return {
    received: () => received,
    table: () => revenue.table(),
    stop: async () => {
      await consumer.disconnect();
      return revenue.table();
    },
  };
}

if (require.main === module) {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  startRevenueByHour({ brokers, topic: process.env.KAFKA_TOPIC }).then(
    (job) => {
      const timer = setInterval(() => console.table(job.table()), 10_000);
      const stop = () => {
        clearInterval(timer);
        void job.stop().then((rows) => {
          console.table(rows);
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
