import { InvalidRequestError, NotFoundError } from '@app/application';
import type { WebSocket } from 'ws';
import {
  CLOSE,
  type Topic,
  closeReason,
  parseClientMessage,
  snapshotMessage,
  topicKey,
  topicPlayer,
  updateMessage,
} from './protocol';
import type { StreamHub, Subscriber, TopicUpdate } from './streamHub';

/** Who is listening: a game server (an API key with `read`) or one player (a session token). */
export type Listener =
  { kind: 'server'; name: string } | { kind: 'player'; playerId: string; issuedAt: Date; expiresAt: Date };

export type StreamLimits = {
  maxSubscriptions: number;
  subscribesPerSecond: number;
  /** Unsent bytes above which updates are conflated. */
  sendBufferBytes: number;
  /** Changes one conflated update may span before the subscription is too far behind. */
  maxPendingChanges: number;
};

/** What a connection reports to the api's metrics. */
export type StreamEvents = { conflated(): void; closed(code: number): void };

/**
 * One WebSocket connection: its subscriptions (at most one per topic, since updates name the topic),
 * its limits and its back-pressure. A subscription that saw its topic's previous update gets the
 * topic's shared frame as it is; one that did not (it just started, or waited) gets an update of its
 * own that continues from what it saw. While the socket has more than `sendBufferBytes` unsent, each
 * subscription keeps only its latest state (and the positions of the changes it spans) instead of
 * queueing messages, so a slow reader costs one pending state per subscription; one that falls further
 * behind than `maxPendingChanges` is closed.
 */
export class StreamConnection {
  private readonly subscriptions = new Map<string, Subscription>();
  /** Subscriptions with a conflated update waiting for the socket to drain. */
  readonly pending = new Set<Subscription>();
  /** Answered the last ping. */
  alive = true;
  private allowance: number;
  private allowanceAt = Date.now();
  private closed = false;

  constructor(
    readonly socket: WebSocket,
    readonly listener: Listener,
    private readonly hub: StreamHub,
    readonly limits: StreamLimits,
    /** Called when a subscription starts waiting for the socket to drain. */
    readonly onPending: (connection: StreamConnection) => void,
    readonly events: StreamEvents,
  ) {
    this.allowance = limits.subscribesPerSecond;
  }

  get canSend(): boolean {
    return !this.closed && this.socket.bufferedAmount < this.limits.sendBufferBytes;
  }

  receive(text: string): void {
    if (this.closed) return;
    const message = parseClientMessage(text);
    if ('error' in message) return this.close(CLOSE.badMessage, message.error);
    if (message.type === 'unsubscribe') {
      this.subscriptions.get(message.id)?.end();
      this.subscriptions.delete(message.id);
      return;
    }
    if (!this.takeAllowance())
      return this.close(
        CLOSE.tooManyRequests,
        `more than ${this.limits.subscribesPerSecond} subscribe messages per second`,
      );
    if (this.subscriptions.has(message.id))
      return this.close(CLOSE.badMessage, `id: ${message.id} is already subscribed`);
    const key = topicKey(message.topic);
    const same = [...this.subscriptions.values()].find((subscription) => subscription.key === key);
    if (same) return this.close(CLOSE.badMessage, `topic: already subscribed as ${same.id}`);
    if (this.subscriptions.size >= this.limits.maxSubscriptions)
      return this.close(CLOSE.tooManyRequests, `more than ${this.limits.maxSubscriptions} subscriptions`);
    const forbidden = this.forbidden(message.topic);
    if (forbidden) return this.close(CLOSE.forbidden, forbidden);
    const subscription = new Subscription(this, message.id, message.topic, key, this.hub);
    this.subscriptions.set(message.id, subscription);
    void subscription.start(message.from);
  }

  /** Sends what waited for the socket to drain, while it stays below the limit. */
  flush(): void {
    for (const subscription of this.pending) {
      if (!this.canSend) return;
      this.pending.delete(subscription);
      subscription.flush();
    }
  }

  /** A text message: a string, or the bytes of one (a topic's shared update, encoded once). */
  send(text: string | Buffer): void {
    if (!this.closed) this.socket.send(text, { binary: false });
  }

  forget(id: string): void {
    this.subscriptions.delete(id);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ended();
    this.events.closed(code);
    this.socket.close(code, closeReason(reason));
  }

  /** The socket is gone (closed by either side, or dropped): leave every topic. */
  ended(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.end();
    this.subscriptions.clear();
    this.pending.clear();
  }

  private forbidden(topic: Topic): string | undefined {
    if (this.listener.kind === 'server') return undefined;
    const owner = topicPlayer(topic);
    if (owner === undefined || owner === this.listener.playerId) return undefined;
    return `topic: a session of ${this.listener.playerId} may not subscribe to ${topic.kind} of ${owner}`;
  }

  /** A token bucket: `subscribesPerSecond` per second, as many at once. */
  private takeAllowance(): boolean {
    const now = Date.now();
    const rate = this.limits.subscribesPerSecond;
    this.allowance = Math.min(rate, this.allowance + ((now - this.allowanceAt) / 1000) * rate);
    this.allowanceAt = now;
    if (this.allowance < 1) return false;
    this.allowance -= 1;
    return true;
  }
}

/** One subscription: the last position it reported, and at most one conflated update waiting. */
class Subscription implements Subscriber {
  /** The position of the last message sent: the next update's `after`. */
  private reported = -1;
  private started = false;
  private ended = false;
  private waiting?: { position: number; changes: number[]; data: string };

  constructor(
    private readonly connection: StreamConnection,
    readonly id: string,
    private readonly topic: Topic,
    readonly key: string,
    private readonly hub: StreamHub,
  ) {}

  async start(from: number | undefined): Promise<void> {
    let start;
    try {
      start = await this.hub.subscribe(this.topic, this, from);
    } catch (error) {
      return this.fail(error);
    }
    // Ended while the hub waited: it may have joined the topic after the leave, so leave again.
    if (this.ended) return this.hub.unsubscribe(this.topic, this);
    const { position, changes, data, resumed } = start;
    this.connection.send(
      resumed
        ? updateMessage(this.key, position, from!, changes, data, this.id)
        : snapshotMessage(
            this.id,
            this.key,
            position,
            from === undefined ? 'subscribed' : 'too-far-back',
            data,
          ),
    );
    this.reported = position;
    this.started = true;
    if (this.waiting) this.deliver();
  }

  offer(update: TopicUpdate): void {
    if (this.ended) return;
    if (this.started && !this.waiting && update.after === this.reported && this.connection.canSend) {
      this.connection.send(update.frame);
      this.reported = update.position;
      return;
    }
    const waiting = this.waiting;
    if (waiting) {
      waiting.changes.push(...update.changes);
      waiting.position = Math.max(waiting.position, update.position);
      waiting.data = update.data;
    } else this.waiting = { position: update.position, changes: [...update.changes], data: update.data };
    if (this.waiting!.changes.length > this.connection.limits.maxPendingChanges) {
      return this.connection.close(
        CLOSE.tooFarBehind,
        `subscription ${this.id} is too far behind: resubscribe with from=${this.reported}`,
      );
    }
    if (this.started) this.deliver();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.end();
    this.connection.forget(this.id);
    const code =
      error instanceof NotFoundError || error instanceof InvalidRequestError ? error.code : 'unavailable';
    const detail =
      error instanceof NotFoundError || error instanceof InvalidRequestError ? error.message : '';
    this.connection.send(JSON.stringify({ type: 'error', id: this.id, code, detail }));
  }

  /** Sent once the socket drained (the connection calls this). */
  flush(): void {
    if (!this.ended && this.waiting) this.deliver();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.waiting = undefined;
    this.hub.unsubscribe(this.topic, this);
  }

  private deliver(): void {
    const waiting = this.waiting!;
    // Changes already reported (by the start, or an update read before it) are not repeated.
    const changes = waiting.changes.filter((position) => position > this.reported);
    if (changes.length === 0) {
      this.waiting = undefined;
      return;
    }
    if (!this.connection.canSend) {
      if (!this.connection.pending.has(this)) this.connection.events.conflated();
      waiting.changes = changes;
      this.connection.pending.add(this);
      this.connection.onPending(this.connection);
      return;
    }
    this.waiting = undefined;
    const position = Math.max(waiting.position, changes[changes.length - 1]);
    this.connection.send(updateMessage(this.key, position, this.reported, changes, waiting.data));
    this.reported = position;
  }
}
