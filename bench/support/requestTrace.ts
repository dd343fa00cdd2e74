import type { StreamCommandHandler } from '@app/application';
import type { EventStore } from '@app/event-store';
import { type GroupCommitTrace, groupCommits } from '@app/event-store/sqlite';
import type { CommandBus } from '@nestjs/cqrs';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import { now } from './stats';

/**
 * Per-request phase timestamps of the api, for tracing the slowest requests of a load (bench/tail.ts).
 * Installed only in a benchmark's api process (bench/suiteWorker.ts, `trace`): nothing of it runs in
 * production. Every time is ms on the wall clock (`now()`), comparable with the load generator's.
 */

/** One command request as the api saw it, keyed by its Idempotency-Key. */
export type ServerTrace = {
  key: string;
  /** The request's headers parsed, its 'request' event: the first moment JavaScript sees it. */
  receivedAt: number;
  /** The command bus called by the controller: the HTTP pipeline (hooks, body, schema, guards) is behind it. */
  handlerAt?: number;
  /** The stream command handler called (after a purchase's item or a score's board was read). */
  streamAt?: number;
  /** The command's turn on its stream came (earlier commands on the same stream finished). */
  turnAt?: number;
  /** Its stream's state loaded (cached, or its tail read). */
  loadedAt?: number;
  /** Its events handed to the store's append, which serialised them (decided, hashed, serialised). */
  enqueuedAt?: number;
  /** The append returned: its group committed and the reply reached this thread's code. */
  durableAt?: number;
  /** The response's last byte handed to the socket ('finish'). */
  writtenAt?: number;
};

/** A garbage collection's pause on the main thread. */
export type GcPause = { startAt: number; ms: number; kind: string };

/**
 * The event loop late by more than STALL_MS: a timer due at `dueAt` fired `ms` late (a GC pause, work, or
 * the process waiting for a CPU). `cpuMs`: the CPU time the whole process (every thread) used meanwhile,
 * which tells work (about `ms` or more) from waiting for a core (much less).
 */
export type LoopStall = { dueAt: number; ms: number; cpuMs: number };

/** A synchronous read of the global log on the main thread (the audit anchorer's, in the embedded api). */
export type LogRead = { startAt: number; ms: number; events: number };

export type TraceReport = {
  requests: ServerTrace[];
  logReads: LogRead[];
  groups: GroupCommitTrace[];
  gc: GcPause[];
  stalls: LoopStall[];
  /** The event loop's delay over the window (monitorEventLoopDelay, 1 ms resolution), ms. */
  loopDelay: { p50: number; p99: number; max: number };
};

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/** A probe timer's period, and how late it must fire to count as a stall. */
const PROBE_MS = 2;
const STALL_MS = 3;

/**
 * Starts tracing command requests in an api process: its HTTP server's requests, its command bus, the
 * stream command handler's state loads, the store's appends and group commits (the store's
 * `groupCommits` channel), GC pauses and event-loop stalls. `take()` hands over what was recorded since
 * the last take and starts afresh.
 */
export function traceRequests(parts: {
  server: Server;
  commands: CommandBus;
  streams: StreamCommandHandler;
  events: Pick<EventStore, 'appendToStream'>;
}): { take(): TraceReport; stop(): void } {
  let requests = new Map<string, ServerTrace>();
  let logReads: LogRead[] = [];
  let groups: GroupCommitTrace[] = [];
  let gc: GcPause[] = [];
  let stalls: LoopStall[] = [];
  const current = new AsyncLocalStorage<ServerTrace>();

  parts.server.prependListener('request', (request, response) => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return;
    const trace: ServerTrace = { key, receivedAt: now() };
    requests.set(key, trace);
    response.once('finish', () => (trace.writtenAt = now()));
  });

  const execute = parts.commands.execute.bind(parts.commands);
  parts.commands.execute = ((command: { context?: { idempotencyKey?: string } }) => {
    const trace = requests.get(command.context?.idempotencyKey ?? '');
    if (!trace) return execute(command as never);
    trace.handlerAt = now();
    return current.run(trace, () => execute(command as never));
  }) as CommandBus['execute'];

  // The handler's own steps: its entry, a command's turn on its stream (`attempt`, a private step, runs
  // once the stream's earlier commands are done) and its cache's load of the stream's state.
  const streams = parts.streams as unknown as {
    handle: StreamCommandHandler['handle'];
    attempt: (...args: unknown[]) => Promise<unknown>;
    states: Pick<StreamCommandHandler, 'load'>;
  };
  const handle = streams.handle.bind(parts.streams);
  streams.handle = (...args) => {
    const trace = current.getStore();
    if (trace) trace.streamAt = now();
    return handle(...args);
  };
  const attempt = streams.attempt.bind(parts.streams);
  streams.attempt = (...args) => {
    const trace = current.getStore();
    if (trace) trace.turnAt ??= now();
    return attempt(...args);
  };
  const states = streams.states;
  const load = states.load.bind(states);
  states.load = (async (...args: Parameters<typeof load>) => {
    const loaded = await load(...args);
    const trace = current.getStore();
    if (trace?.turnAt !== undefined) trace.loadedAt = now();
    return loaded;
  }) as typeof load;

  const append = parts.events.appendToStream.bind(parts.events);
  parts.events.appendToStream = async (...args) => {
    const trace = current.getStore();
    const appended = append(...args); // serialises the events before it returns
    if (trace) trace.enqueuedAt = now();
    const result = await appended;
    if (trace) trace.durableAt = now();
    return result;
  };

  // The anchorer's reads of the log (readLinks; readAll in a checkout before it), timed as they run:
  // the SQLite store reads and parses before its promise returns.
  const log = parts.events as unknown as Record<string, (...args: unknown[]) => Promise<unknown[]>>;
  for (const name of ['readAll', 'readLinks'].filter((method) => typeof log[method] === 'function')) {
    const read = log[name].bind(parts.events);
    log[name] = (...args) => {
      const startAt = now();
      const events = read(...args);
      const ms = now() - startAt;
      void events.then((read) => logReads.push({ startAt, ms, events: read.length }));
      return events;
    };
  }

  const onGroup = (message: unknown) => groups.push(message as GroupCommitTrace);
  groupCommits.subscribe(onGroup);

  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? -1;
      gc.push({
        startAt: performance.timeOrigin + entry.startTime,
        ms: entry.duration,
        kind: GC_KINDS[kind] ?? 'other',
      });
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  const probe = watchStalls((stall) => stalls.push(stall));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();

  return {
    take: () => {
      const report: TraceReport = {
        requests: [...requests.values()],
        logReads,
        groups,
        gc,
        stalls,
        loopDelay: {
          p50: delay.percentile(50) / 1e6,
          p99: delay.percentile(99) / 1e6,
          max: delay.max / 1e6,
        },
      };
      requests = new Map();
      logReads = [];
      groups = [];
      gc = [];
      stalls = [];
      delay.reset();
      return report;
    },
    stop: () => {
      probe.stop();
      delay.disable();
      observer.disconnect();
      groupCommits.unsubscribe(onGroup);
    },
  };
}

/** Reports each event-loop stall of this thread (a probe timer late by more than STALL_MS) until stopped. */
export function watchStalls(report: (stall: LoopStall) => void): { stop(): void } {
  let dueAt = now() + PROBE_MS;
  let cpu = process.cpuUsage();
  const probe = setInterval(() => {
    const at = now();
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    if (at - dueAt > STALL_MS) report({ dueAt, ms: at - dueAt, cpuMs: (used.user + used.system) / 1000 });
    dueAt = at + PROBE_MS;
  }, PROBE_MS);
  return { stop: () => clearInterval(probe) };
}

/** One request as the load generator saw it: due in the schedule, given a socket, answered. */
export type ClientSample = { key: string; dueAt: number; sentAt: number; doneAt: number };

/** Where a request's time went, in order; each phase ends where the next begins. */
export const PHASES = [
  ['queued in the client', 'due in the schedule -> given a connection (earlier answers late)'],
  ['to the server', 'connection -> the request event (the wire, and the event loop busy with other work)'],
  ['HTTP pipeline', 'request event -> command bus (hooks, body, schema, guards, params)'],
  ['item or board read', "command bus -> the stream's handler (a purchase's item, a score's board)"],
  ['waiting for the stream', "-> the command's turn (earlier commands on the same stream done)"],
  ['state read', "turn -> the stream's state loaded (cached, or its tail read)"],
  ['decide, hash, serialise', 'state loaded -> append handed to the store'],
  ['waiting for the group before', 'append handed over -> its group sent to the writer thread'],
  ['group commit', 'sent -> reply on the main thread (transaction, fsync, thread hops)'],
  ['back on the main thread', 'reply -> the append returned to the handler'],
  ['response', 'append returned -> response written'],
  ['to the client', 'response written -> last byte read by the load generator'],
] as const;

export type Phase = (typeof PHASES)[number][0];

/** One traced request: its latency and the ms of each phase (NaN when the api did not trace it). */
export type RequestAnatomy = {
  key: string;
  dueAt: number;
  latency: number;
  phases: Record<Phase, number>;
  /** GC pauses within [due, done], summed, ms. */
  gcMs: number;
  /** Event-loop stalls within [due, done], summed, ms (GC pauses included). */
  stallMs: number;
  /** The api process's CPU time during those stalls (each stall's share within [due, done]), ms. */
  stallCpuMs: number;
  /** The load generator's own event-loop stalls within [due, done], summed, ms. */
  clientStallMs: number;
  /** Main-thread reads of the global log (the anchorer's) within [due, done], summed, ms. */
  logReadMs: number;
  /** Its append waited for another group's commit (handed over while one was in flight). */
  waitedForGroup: boolean;
  /** The size of the group it committed in. */
  groupSize: number;
};

const overlap = (from: number, to: number, start: number, end: number) =>
  Math.max(0, Math.min(to, end) - Math.max(from, start));

/** Each traced request's phases: the client's sample joined with the api's trace by Idempotency-Key. */
export function anatomize(
  samples: readonly ClientSample[],
  report: TraceReport,
  clientStalls: readonly LoopStall[] = [],
): RequestAnatomy[] {
  const byKey = new Map(report.requests.map((trace) => [trace.key, trace]));
  const groups = [...report.groups].sort((a, b) => a.sentAt - b.sentAt);
  const groupFor = (enqueuedAt: number) => {
    // An append goes out with the first group sent after it was handed over.
    let low = 0;
    let high = groups.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (groups[mid].sentAt < enqueuedAt) low = mid + 1;
      else high = mid;
    }
    return groups[low];
  };
  return samples.map((sample) => {
    const trace = byKey.get(sample.key);
    const group = trace?.enqueuedAt === undefined ? undefined : groupFor(trace.enqueuedAt);
    const marks = [
      sample.dueAt,
      sample.sentAt,
      trace?.receivedAt,
      trace?.handlerAt,
      trace?.streamAt,
      trace?.turnAt,
      trace?.loadedAt,
      trace?.enqueuedAt,
      group?.sentAt,
      group?.repliedAt,
      trace?.durableAt,
      trace?.writtenAt,
      sample.doneAt,
    ];
    // A command that appended nothing (or a request that reached no handler) passes the later marks at
    // once: its time lands in the next phase that happened.
    if (trace) for (let i = 3; i < marks.length - 1; i++) marks[i] ??= marks[i - 1];
    const phases = Object.fromEntries(
      PHASES.map(([name], i) => {
        const [from, to] = [marks[i], marks[i + 1]];
        return [name, from === undefined || to === undefined ? NaN : Math.max(0, to - from)];
      }),
    ) as Record<Phase, number>;
    const within = (start: number, ms: number) => overlap(sample.dueAt, sample.doneAt, start, start + ms);
    const enqueuedAt = trace?.enqueuedAt;
    return {
      key: sample.key,
      dueAt: sample.dueAt,
      latency: sample.doneAt - sample.dueAt,
      phases,
      gcMs: report.gc.reduce((sum, pause) => sum + within(pause.startAt, pause.ms), 0),
      stallMs: report.stalls.reduce((sum, stall) => sum + within(stall.dueAt, stall.ms), 0),
      stallCpuMs: report.stalls.reduce(
        (sum, stall) => sum + (stall.cpuMs * within(stall.dueAt, stall.ms)) / stall.ms,
        0,
      ),
      clientStallMs: clientStalls.reduce((sum, stall) => sum + within(stall.dueAt, stall.ms), 0),
      logReadMs: report.logReads.reduce((sum, read) => sum + within(read.startAt, read.ms), 0),
      waitedForGroup:
        enqueuedAt !== undefined &&
        groups.some(({ sentAt, repliedAt }) => sentAt <= enqueuedAt && enqueuedAt < repliedAt),
      groupSize: group?.appends ?? 0,
    };
  });
}

/** What the slowest `share` of requests spent their time on: mean ms per phase, and what they overlapped. */
export type TailAnatomy = {
  share: number;
  requests: number;
  /** The fastest of them: the percentile's latency. */
  fromMs: number;
  meanMs: number;
  phases: Record<Phase, number>;
  /** How many overlapped a GC pause, an event-loop stall, waited for a group commit. */
  overlappedGc: number;
  overlappedStall: number;
  overlappedClientStall: number;
  overlappedLogRead: number;
  waitedForGroup: number;
  meanGcMs: number;
  /** Mean ms of the api's event-loop stalls within each request, and the api's CPU time during them. */
  meanStallMs: number;
  meanStallCpuMs: number;
  /** Mean ms of the load generator's stalls within each request. */
  meanClientStallMs: number;
  meanGroupSize: number;
};

/** The slowest `share` of the requests (at least one), slowest first. */
export const slowest = (requests: readonly RequestAnatomy[], share: number): RequestAnatomy[] =>
  [...requests]
    .sort((a, b) => b.latency - a.latency)
    .slice(0, Math.max(1, Math.ceil(requests.length * share)));

export function tailAnatomy(requests: readonly RequestAnatomy[], share: number): TailAnatomy {
  const tail = slowest(requests, share);
  const mean = (of: (request: RequestAnatomy) => number) => {
    const values = tail.map(of).filter((value) => !Number.isNaN(value));
    return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
  };
  return {
    share,
    requests: tail.length,
    fromMs: tail[tail.length - 1]?.latency ?? NaN,
    meanMs: mean((request) => request.latency),
    phases: Object.fromEntries(
      PHASES.map(([name]) => [name, mean((request) => request.phases[name])]),
    ) as Record<Phase, number>,
    overlappedGc: tail.filter((request) => request.gcMs > 0).length,
    overlappedStall: tail.filter((request) => request.stallMs > 0).length,
    overlappedClientStall: tail.filter((request) => request.clientStallMs > 0).length,
    overlappedLogRead: tail.filter((request) => request.logReadMs > 0).length,
    waitedForGroup: tail.filter((request) => request.waitedForGroup).length,
    meanGcMs: mean((request) => request.gcMs),
    meanStallMs: mean((request) => request.stallMs),
    meanStallCpuMs: mean((request) => request.stallCpuMs),
    meanClientStallMs: mean((request) => request.clientStallMs),
    meanGroupSize: mean((request) => request.groupSize),
  };
}
