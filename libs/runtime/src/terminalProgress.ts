import type { Progress } from '@app/application';
import { SingleBar } from 'cli-progress';

export type ProgressDisplay = {
  /** False when it shows nothing (`--json`, or not a terminal). */
  readonly active: boolean;
  show(progress: Progress): void;
  /** Leaves the last line as it stands. */
  stop(): void;
};

const BAR_WIDTH = 24;

const duration = (seconds: number): string =>
  seconds < 60
    ? `${seconds} s`
    : seconds < 3600
      ? `${Math.floor(seconds / 60)} min ${seconds % 60} s`
      : `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;

/** One line: `verify [#####-----] 42% 420,000 events | 95,000/s | 6 s left`. */
export const progressLine = ({ phase, done, unit, position, until, rate, secondsLeft }: Progress): string => {
  const share = position !== undefined && until ? Math.min(1, position / until) : undefined;
  const bar =
    share === undefined
      ? ''
      : `[${'#'.repeat(Math.round(share * BAR_WIDTH)).padEnd(BAR_WIDTH, '-')}] ${Math.floor(share * 100)}% `;
  const left = secondsLeft === undefined ? '' : ` | ${duration(secondsLeft)} left`;
  return `${phase} ${bar}${done.toLocaleString('en')} ${unit} | ${rate.toLocaleString('en')}/s${left}`;
};

/**
 * Progress of long work drawn on a terminal (stderr, redrawn in place, a line per phase), by cli-progress.
 * Quiet with `json` (the output is for a program) or when the stream is not a terminal (a pipe, a log
 * collector), where a redrawn line is noise.
 */
export function terminalProgress({
  json = false,
  stream = process.stderr,
}: { json?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressDisplay {
  if (json || !stream.isTTY) return { active: false, show: () => undefined, stop: () => undefined };
  let phase: string | undefined;
  const bar = new SingleBar({
    stream,
    format: (_options, _params, payload: { progress: Progress }) => progressLine(payload.progress),
    hideCursor: true,
    fps: 5,
  });
  return {
    active: true,
    show: (progress) => {
      if (progress.phase !== phase) {
        // A new phase starts on a line of its own; the last one stays as it ended.
        if (phase !== undefined) bar.stop();
        phase = progress.phase;
        bar.start(1, 0, { progress });
      } else bar.update(0, { progress });
    },
    stop: () => {
      if (phase !== undefined) bar.stop();
      phase = undefined;
    },
  };
}
