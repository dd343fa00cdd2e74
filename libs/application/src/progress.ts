import type { ReplayCheckProgress } from '@app/audit';

/**
 * Progress of long work (verifying the log, the replay check, a rebuild), in one shape whoever shows it:
 * a CLI draws it on a terminal, the api streams it to the console.
 */
export type Progress = {
  /** What is being done: `verify`, `replay`, `compare walletView`... */
  phase: string;
  /** Events or documents done so far in this phase. */
  done: number;
  unit: 'events' | 'documents';
  /** For work that walks the log: the position reached and the one it stops at. */
  position?: number;
  until?: number;
  /** Items per second since the phase began. */
  rate: number;
  /** Seconds left at the pace so far, when the end is known. */
  secondsLeft?: number;
};

/**
 * Measures one phase: how much is done, how fast, and how long is left. For work over the log the end
 * is a position (positions need not be dense, as in EventStoreDB), so the time left comes from the
 * share of positions covered, not from an event count.
 */
export class ProgressMeter {
  private readonly started = Date.now();
  private readonly from: number;

  constructor(
    private readonly phase: string,
    private readonly unit: Progress['unit'],
    private readonly range?: { from: number; until: number },
  ) {
    this.from = range?.from ?? 0;
  }

  at(done: number, position?: number, now = Date.now()): Progress {
    const seconds = Math.max(now - this.started, 1) / 1000;
    const progress: Progress = { phase: this.phase, done, unit: this.unit, rate: Math.round(done / seconds) };
    if (this.range && position !== undefined) {
      const { until } = this.range;
      progress.position = position;
      progress.until = until;
      const covered = (position - this.from) / Math.max(until - this.from, 1);
      if (covered >= 1) progress.secondsLeft = 0;
      else if (covered > 0) progress.secondsLeft = Math.ceil((seconds * (1 - covered)) / covered);
    }
    return progress;
  }
}

/** A line of a progress stream: progress while the work runs, then its result, or the error that ended it. */
export type ProgressLine<Result> =
  { progress: Progress } | { result: Result } | { error: { title: string; detail: string } };

/** How often a progress stream says where it is, at most. */
const PROGRESS_EVERY_MS = 250;

/**
 * Runs `work` and yields its progress as it goes (at most every 250 ms, and the last one), then its
 * result: what the api sends as NDJSON while a verification or a replay check runs.
 */
export async function* withProgress<Result>(
  work: (report: (progress: Progress) => void) => Promise<Result>,
): AsyncGenerator<ProgressLine<Result>> {
  const pending: ProgressLine<Result>[] = [];
  let wake: (() => void) | undefined;
  let lastSent = 0;
  let latest: Progress | undefined;
  const push = (line: ProgressLine<Result>) => {
    pending.push(line);
    wake?.();
  };
  let finished = false;
  work((progress) => {
    latest = progress;
    const now = Date.now();
    if (now - lastSent < PROGRESS_EVERY_MS) return;
    lastSent = now;
    latest = undefined;
    push({ progress });
  })
    .then(
      (result) => {
        if (latest) push({ progress: latest });
        push({ result });
      },
      (error: unknown) =>
        push({
          error: {
            title: 'The run failed',
            detail: error instanceof Error ? error.message : String(error),
          },
        }),
    )
    .finally(() => {
      finished = true;
      wake?.();
    });
  while (true) {
    while (pending.length > 0) yield pending.shift()!;
    if (finished) return;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
}

/** A verification's progress (@app/audit: the position reached, events read) as Progress, up to `until`. */
export const verificationProgress = (until: number, report: (progress: Progress) => void) => {
  const meter = new ProgressMeter('verify', 'events', { from: 0, until });
  return (position: number, events: number): void => report(meter.at(events, position));
};

/**
 * The replay check's progress (@app/audit) as Progress: a phase for each replay up to a head (the check
 * replays again when the log moved on), then one for each read model compared.
 */
export const replayCheckProgress = (report: (progress: Progress) => void) => {
  let phase = '';
  let meter: ProgressMeter | undefined;
  return (progress: ReplayCheckProgress): void => {
    const name = progress.phase === 'replay' ? 'replay' : `compare ${progress.collection}`;
    const key = progress.phase === 'replay' ? `${name} ${progress.until}` : name;
    if (key !== phase || !meter) {
      phase = key;
      meter =
        progress.phase === 'replay'
          ? new ProgressMeter(name, 'events', { from: progress.position, until: progress.until })
          : new ProgressMeter(name, 'documents');
    }
    report(
      progress.phase === 'replay'
        ? meter.at(progress.events, progress.position)
        : meter.at(progress.documents),
    );
  };
};
