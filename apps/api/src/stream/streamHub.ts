import type { RecordedEventWithoutMetadata } from '@app/event-store';
import { Logger } from '@nestjs/common';
import type { QueryBus } from '@nestjs/cqrs';
import type { LogFollower } from '../persistence/logFollower';
import { PositionWaiters } from '../persistence/positionWaiters';
import type { ReadModelProgress } from '../persistence/readModelProgress';
import { type Topic, topicKey, updateMessage } from './protocol';
import { changeKeys, topicChangeKey, topicState } from './topics';

/**
 * One published state of a topic: its data (as JSON) at `position`, after the changes listed
 * (ascending) since the topic's previous update at `after`; and that update as one message, encoded
 * once: the same bytes for every subscriber that saw the previous update.
 */
export type TopicUpdate = {
  position: number;
  after: number;
  changes: readonly number[];
  data: string;
  frame: Buffer;
};

/**
 * Offers of topic updates to subscribers in one turn of the event loop, over all topics; the next ones
 * wait for its next turn, so requests go in between instead of after a whole fan-out.
 */
export const FAN_OUT_CHUNK = 250;

/** Where a topic's updates go: one subscription of one connection. */
export interface Subscriber {
  /** A new state of the topic; the subscriber drops changes it has already reported. */
  offer(update: TopicUpdate): void;
  /** The topic's state could not be read: the subscription ends with this error. */
  fail(error: unknown): void;
}

/** What a new subscription starts with: its state, and either the changes since `from` or a snapshot. */
export type Start = { position: number; changes: readonly number[]; data: string; resumed: boolean };

/** A topic update being offered to its subscribers. */
type FanOut = { update: TopicUpdate; subscribers: Iterator<Subscriber>; done: () => void };

type TopicEntry = {
  topic: Topic;
  key: string;
  changeKey: string;
  subscribers: Set<Subscriber>;
  /** Changes since the last read started. */
  changes: number[];
  /** Changes read since the last update that left the state as it was: the next update lists them. */
  unpublished: number[];
  /** The position and data of the last update. */
  position: number;
  data: string | undefined;
  /** When the last read started (ms), and the read scheduled for the end of the interval. */
  readAt: number;
  timer: NodeJS.Timeout | undefined;
  refreshing: boolean;
};

/**
 * Feeds the /v1/stream subscriptions from the api's own follower of the log (the embedded projector, or
 * the rank cache beside MongoDB), so every change arrives in log order with its global position.
 *
 * After each applied batch, each topic it touched is read again - with the HTTP routes' query, after
 * the read models reached the batch - at most once per `intervalMs` (changes within it merge into the
 * next read, the latest state wins). A state that differs from the topic's last one is encoded once
 * and offered to every subscriber of the topic (FAN_OUT_CHUNK offers per turn of the event loop, over
 * all topics, oldest update first); one that does not is not sent, and its changes are listed by the
 * next update. A topic is not read again before its last update was offered to every subscriber: each
 * gets its updates in order, and a topic whose fan-out takes longer than the interval merges more
 * changes into its next update.
 * The last `resumeEvents` changes are remembered (position and change keys), so a subscription resumed
 * from a recent position learns exactly which changes it missed; an older one gets a snapshot instead.
 */
export class StreamHub {
  private readonly logger = new Logger(StreamHub.name);
  private readonly topics = new Map<string, TopicEntry>();
  private readonly byChangeKey = new Map<string, Set<TopicEntry>>();
  /** Recent changes, a ring: position and change keys of each event that touched any topic kind. */
  private readonly recentPositions: Float64Array;
  private readonly recentKeys: string[][];
  private recentStart = 0;
  private recentCount = 0;
  /** Every change after this position is in the ring (so resuming from it or later is exact). */
  private knownFrom: number | undefined;
  private head: number | undefined;
  private readonly stopFollowing: () => void;
  private closed = false;
  private readonly headWaiters = new PositionWaiters();
  /** Updates waiting to be offered, oldest first, and whether their next chunk is due. */
  private readonly fanOuts: FanOut[] = [];
  private pumping = false;

  constructor(
    private readonly follower: LogFollower,
    private readonly progress: ReadModelProgress,
    private readonly queries: QueryBus,
    resumeEvents: number,
    private readonly waitMs: number,
    private readonly intervalMs: number,
  ) {
    this.recentPositions = new Float64Array(resumeEvents);
    this.recentKeys = new Array<string[]>(resumeEvents);
    this.stopFollowing = follower.onApplied((events, after) => this.applied(events, after));
  }

  /** The last position the stream has seen from the log. */
  get position(): number {
    return this.head ?? this.follower.position;
  }

  close(): void {
    this.closed = true;
    this.stopFollowing();
    for (const entry of this.topics.values()) clearTimeout(entry.timer);
    for (const fanOut of this.fanOuts.splice(0)) fanOut.done();
    this.headWaiters.releaseAll();
  }

  /**
   * Adds a subscriber to a topic and reads the topic's state. With `from` no older than what the stream
   * remembers, `changes` lists every change after it (none: the client's state is still current);
   * otherwise the start is a snapshot (`resumed` false). Updates offered before this resolves come
   * after it.
   */
  async subscribe(topic: Topic, subscriber: Subscriber, from?: number): Promise<Start> {
    // 1. A client that saw a later position on another api instance waits for this one to get there.
    if (from !== undefined && from > this.position) await this.headWaiters.wait(from, this.waitMs);
    // 2. In one step: which changes it missed, and from now on every new one reaches it.
    const changeKey = topicChangeKey(topic);
    const position = this.position;
    const known = this.knownFrom ?? this.follower.position;
    const resumed = from !== undefined && from >= known && from <= position;
    const changes = resumed ? this.changesAfter(from, changeKey) : [];
    this.entry(topic, changeKey, position).subscribers.add(subscriber);
    // 3. Its state, read once the read models have reached the position (MongoDB may lag the follower).
    while (!this.closed && !(await this.progress.waitFor(position, this.waitMs)))
      this.logger.warn({ position }, 'a new subscription waits for the read models');
    const data = JSON.stringify(await topicState(this.queries, topic));
    return { position, changes, data, resumed };
  }

  unsubscribe(topic: Topic, subscriber: Subscriber): void {
    const key = topicKey(topic);
    const entry = this.topics.get(key);
    if (!entry) return;
    entry.subscribers.delete(subscriber);
    if (entry.subscribers.size > 0) return;
    clearTimeout(entry.timer);
    this.topics.delete(key);
    const sharing = this.byChangeKey.get(entry.changeKey)!;
    sharing.delete(entry);
    if (sharing.size === 0) this.byChangeKey.delete(entry.changeKey);
  }

  private entry(topic: Topic, changeKey: string, position: number): TopicEntry {
    const key = topicKey(topic);
    let entry = this.topics.get(key);
    if (entry) return entry;
    entry = {
      topic,
      key,
      changeKey,
      subscribers: new Set(),
      changes: [],
      unpublished: [],
      position,
      data: undefined,
      readAt: -Infinity,
      timer: undefined,
      refreshing: false,
    };
    this.topics.set(key, entry);
    let sharing = this.byChangeKey.get(changeKey);
    if (!sharing) this.byChangeKey.set(changeKey, (sharing = new Set()));
    sharing.add(entry);
    return entry;
  }

  private applied(events: readonly RecordedEventWithoutMetadata[], after: number): void {
    this.knownFrom ??= after;
    const touched = new Set<TopicEntry>();
    for (const event of events) {
      const keys = changeKeys(event);
      if (keys.length === 0) continue;
      this.remember(event.position, keys);
      for (const key of keys) {
        for (const entry of this.byChangeKey.get(key) ?? []) {
          entry.changes.push(event.position);
          touched.add(entry);
        }
      }
    }
    this.head = events[events.length - 1].position;
    this.headWaiters.reach(this.head);
    for (const entry of touched) this.schedule(entry);
  }

  /** Reads a touched topic now, or at the end of its interval; one read at a time per topic. */
  private schedule(entry: TopicEntry): void {
    if (entry.refreshing || entry.timer || this.closed || entry.subscribers.size === 0) return;
    const wait = entry.readAt + this.intervalMs - Date.now();
    if (wait <= 0) return void this.refresh(entry);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.refresh(entry);
    }, wait);
  }

  /** Reads the topic's state and, when it changed, offers it to every subscriber as one frame. */
  private async refresh(entry: TopicEntry): Promise<void> {
    entry.refreshing = true;
    entry.readAt = Date.now();
    const changes = entry.changes;
    entry.changes = [];
    const position = this.position;
    try {
      if (!(await this.progress.waitFor(position, this.waitMs))) {
        // Read models behind the follower: read again later rather than send a state older than claimed.
        entry.changes = [...changes, ...entry.changes];
        return;
      }
      const data = JSON.stringify(await topicState(this.queries, entry.topic));
      entry.unpublished.push(...changes);
      if (data === entry.data) return;
      await this.fanOut(entry, this.update(entry, position, data));
    } catch (error) {
      for (const subscriber of entry.subscribers) subscriber.fail(error);
      this.logger.warn({ err: error, topic: entry.topic }, 'a topic could not be read');
    } finally {
      entry.refreshing = false;
      if (entry.changes.length > 0) this.schedule(entry);
    }
  }

  /**
   * Offers an update to the topic's subscribers once the updates before it were offered to theirs;
   * resolves when it was offered to the last. One that subscribes meanwhile is offered it too (a Set's
   * iteration reaches what is added during it; its start then drops what it already has), one that
   * leaves is not.
   */
  private fanOut(entry: TopicEntry, update: TopicUpdate): Promise<void> {
    return new Promise((done) => {
      this.fanOuts.push({ update, subscribers: entry.subscribers.values(), done });
      if (this.pumping) return;
      this.pumping = true;
      setImmediate(() => this.pump());
    });
  }

  /** Makes FAN_OUT_CHUNK offers, oldest update first, then lets the event loop turn before the next. */
  private pump(): void {
    let budget = FAN_OUT_CHUNK;
    while (budget > 0 && this.fanOuts.length > 0) {
      const fanOut = this.fanOuts[0];
      const next = fanOut.subscribers.next();
      if (next.done) {
        this.fanOuts.shift();
        fanOut.done();
        continue;
      }
      next.value.offer(fanOut.update);
      budget--;
    }
    if (this.fanOuts.length > 0) setImmediate(() => this.pump());
    else this.pumping = false;
  }

  /** The topic's next update, encoded once: it becomes the topic's last. */
  private update(entry: TopicEntry, position: number, data: string): TopicUpdate {
    const changes = entry.unpublished;
    const update = {
      position,
      after: entry.position,
      changes,
      data,
      frame: Buffer.from(updateMessage(entry.key, position, entry.position, changes, data)),
    };
    entry.unpublished = [];
    entry.position = position;
    entry.data = data;
    return update;
  }

  private remember(position: number, keys: string[]): void {
    const capacity = this.recentPositions.length;
    if (this.recentCount === capacity) {
      // The oldest change is forgotten: resuming from before it is no longer exact.
      this.knownFrom = this.recentPositions[this.recentStart];
      this.recentStart = (this.recentStart + 1) % capacity;
      this.recentCount--;
    }
    const at = (this.recentStart + this.recentCount) % capacity;
    this.recentPositions[at] = position;
    this.recentKeys[at] = keys;
    this.recentCount++;
  }

  private changesAfter(from: number, changeKey: string): number[] {
    const capacity = this.recentPositions.length;
    const changes: number[] = [];
    for (let i = 0; i < this.recentCount; i++) {
      const at = (this.recentStart + i) % capacity;
      if (this.recentPositions[at] > from && this.recentKeys[at].includes(changeKey))
        changes.push(this.recentPositions[at]);
    }
    return changes;
  }
}
