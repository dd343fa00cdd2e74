import { type Progress, ProgressMeter } from '@app/application';
import type { EventStore } from '@app/event-store';
import { type AnyProjection, readModels, replay } from '@app/projections';
import { EMBEDDED_CHECKPOINT, type ReadStore } from '@app/read-store';
import { ALIAS_REFRESH_MS, type ReadModelAliases, RebuildLostError } from '@app/runtime';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export type RebuildOptions = {
  events: Pick<EventStore, 'readAllWithoutMetadata' | 'headPosition'>;
  aliases: ReadModelAliases;
  projections?: readonly AnyProjection[];
  /**
   * How long after the switch the old set is dropped (DEFAULT_GRACE_MS): every reader has re-read the
   * alias by then (refresh 1 s), commits begun before the switch have ended, and so have the cursors
   * reading the old set from start to end (an api's rank cache load, an audit), which die with it.
   */
  graceMs?: number;
  batchSize?: number;
  /** The rebuild renews its claim this often... */
  heartbeatMs?: number;
  /** ...and another rebuild takes over a claim not renewed for this long (a crashed rebuild). */
  staleAfterMs?: number;
  /** Names this rebuild in the alias document and in the messages a concurrent rebuild prints. */
  owner?: string;
  log?: (message: string) => void;
  /** Told how far each replay has got, every batch; without it, a log line says so once a second. */
  onProgress?: (progress: Progress) => void;
  /**
   * Runs while every commit writes both sets, just before readers switch: the new set holds every event
   * up to `position` and receives the projectors' writes (a check before switching; tests).
   */
  beforeSwitch?: (state: { target: ReadStore; position: number }) => Promise<void>;
  /** Aborts the rebuild (SIGINT): before the switch the new set is dropped, the live one keeps serving. */
  signal?: AbortSignal;
};

/**
 * The longest cursor over a whole set is an api's rank cache load at start; this is the time the compose
 * file's start period allows it (a million entries at 5,000 entries/s, plus boot). A longer scan over the
 * live set (an audit of a larger deployment) needs a longer grace.
 */
export const DEFAULT_GRACE_MS = 300_000;

export type RebuildResult = {
  /** The namespace that served before, now dropped. */
  previous: string;
  /** The namespace serving now. */
  live: string;
  /** The new set held every event up to here when readers switched to it. */
  position: number;
  /** Events replayed (the whole log, and what arrived while it ran). */
  events: number;
  ms: number;
};

/**
 * Blue/green rebuild of every read model from the event store, while the live set keeps serving and
 * projectors keep writing:
 *
 * 1. claim the alias for this rebuild and pick a fresh namespace; drop leftovers of earlier rebuilds;
 * 2. replay the whole log into the new set (nobody else writes it yet);
 * 3. make every commit also write the new set, then read the head H and replay again up to H: a commit
 *    that read the alias before the change carried only events appended before it, all at or below H,
 *    and every later commit writes both sets;
 * 4. move the new set's checkpoints (the live set's names, and the embedded one) to H: it holds every
 *    event up to H, and every partition commit since step 3;
 * 5. switch readers and writers to the new set alone; after a grace period (readers re-read the alias,
 *    commits under way end) drop the old set.
 */
export async function rebuildReadModels({
  events,
  aliases,
  projections = readModels,
  graceMs = DEFAULT_GRACE_MS,
  batchSize,
  heartbeatMs = 2_000,
  staleAfterMs = 30_000,
  owner = `rebuild-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
  log = () => {},
  onProgress,
  beforeSwitch,
  signal,
}: RebuildOptions): Promise<RebuildResult> {
  if (graceMs <= ALIAS_REFRESH_MS)
    throw new Error(`graceMs must exceed the alias refresh (${ALIAS_REFRESH_MS} ms)`);
  const started = Date.now();

  // 1. Claim; whatever is not the live set is a leftover (a crashed rebuild's target, or an old set
  //    recreated by a write that arrived after its drop).
  const { live: previous, rebuildTarget: next } = await aliases.claimRebuild(owner, staleAfterMs);
  log(`rebuild ${owner}: ${previous} (live) -> ${next}`);
  const heartbeat = new Heartbeat(aliases, owner, heartbeatMs);
  /** Stops at the next step when another rebuild took over or the caller aborted. */
  const check = () => {
    heartbeat.assertOwned();
    signal?.throwIfAborted();
  };
  let switched = false;
  try {
    // 0. A log behind the live read models is the wrong log (another DATA_DIR or EVENTSTORE_URL):
    //    rebuilding from it would replace the read models with older ones.
    const live = await aliases.open(previous);
    const head0 = await events.headPosition();
    const liveCheckpoints = await live.checkpoints();
    const newest = Math.max(0, ...liveCheckpoints.values());
    if (head0 < newest) {
      throw new Error(
        `the event log ends at position ${head0} but the live read models (${previous}) have applied up ` +
          `to ${newest}: is this the deployment's event store?`,
      );
    }

    for (const namespace of await aliases.namespaces()) {
      if (namespace === previous) continue;
      log(`dropping leftover namespace ${namespace}`);
      await aliases.drop(namespace);
    }
    const target = await aliases.open(next);
    let replayed = 0;
    /** Replays into the new set, telling onProgress each batch, or logging the rate once a second. */
    const replayInto = async (phase: string, after: number, until?: number) => {
      let meter: ProgressMeter | undefined;
      let applied = 0;
      let reported = 0;
      const reached = await replay(events, target, projections, {
        after,
        until,
        batchSize,
        onProgress: (state) => {
          check();
          applied = state.events;
          meter ??= new ProgressMeter(phase, 'events', { from: after, until: state.until });
          const progress = meter.at(state.events, state.position);
          if (onProgress) return onProgress(progress);
          const now = Date.now();
          if (now - reported < 1000 && state.position < state.until) return;
          reported = now;
          log(
            `${phase}: ${state.events} events, position ${state.position}/${state.until} (${progress.rate} events/s)`,
          );
        },
      });
      replayed += applied;
      return reached;
    };

    // 2. The whole log, into a set nobody reads or writes yet.
    const replayedTo = await replayInto(`replaying into ${next}`, 0);

    // 3. Dual writes from here on; then what commits that missed them carried.
    check();
    await aliases.transition(owner, { alsoWrite: next });
    const head = await events.headPosition();
    await replayInto(`catching up ${next}`, replayedTo, head);

    // 4. Checkpoints: every name the live set has, so the api's read-after-write and a restarted
    //    embedded projector find theirs. $max semantics: a dual-written one already past H stays.
    const checkpoints = await live.checkpoints();
    for (const name of new Set([...checkpoints.keys(), EMBEDDED_CHECKPOINT])) {
      await target.commit([], head, name);
    }

    await beforeSwitch?.({ target, position: head });

    // 5. Switch. Readers still on the old set for up to a refresh see it stop moving, never go back;
    //    after the grace period no reader uses it and no commit begun before the switch still writes it.
    check();
    await aliases.transition(owner, { live: next, alsoWrite: null });
    switched = true;
    log(`readers switched to ${next} at position ${head}`);
    await sleep(graceMs, undefined, { signal });
    check();
    await aliases.drop(previous);
    await aliases.release(owner);
    const result = { previous, live: next, position: head, events: replayed, ms: Date.now() - started };
    log(`done: ${next} is live, ${previous} dropped, ${replayed} events in ${result.ms} ms`);
    return result;
  } catch (error) {
    // Before the switch the new set is abandoned; after it, the new set serves and the old one is
    // the next rebuild's leftover. Either way only the live set is written from here on.
    await aliases.release(owner).catch(() => undefined);
    // Whether the switch happened is what the alias says now, not what this process saw: a write can
    // apply on the server and still fail here (a lost reply). Unreadable: drop nothing, the next
    // rebuild clears leftovers.
    const serving = switched
      ? next
      : await aliases.read().then(
          (alias) => alias.live,
          () => undefined,
        );
    log(`rebuild failed; ${serving ?? 'the set the alias names (unreadable now)'} is live`);
    if (serving !== undefined && serving !== next) await aliases.drop(next).catch(() => undefined);
    throw error;
  } finally {
    heartbeat.stop();
  }
}

/**
 * Renews the rebuild's claim in the background. A renewal that fails on the network is only missed
 * (the next one may succeed; a claim left stale long enough is taken over, which the next renewal or
 * alias change then finds); a renewal refused because another rebuild owns the alias is final.
 */
class Heartbeat {
  private readonly timer: NodeJS.Timeout;
  private lost?: Error;

  constructor(aliases: ReadModelAliases, owner: string, everyMs: number) {
    this.timer = setInterval(() => {
      aliases.heartbeat(owner).catch((error: Error) => {
        if (error instanceof RebuildLostError) this.lost ??= error;
      });
    }, everyMs);
    this.timer.unref();
  }

  /** Throws once another rebuild took the alias over. */
  assertOwned(): void {
    if (this.lost) throw this.lost;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
