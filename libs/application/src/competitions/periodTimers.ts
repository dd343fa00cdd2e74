import { leaderboards } from '@app/domain';
import type { EventStore } from '@app/event-store';
import type { StreamCommandHandler } from '../streamCommandHandler';
import { systemContext } from './systemCommands';

/** The actor of the timers and closes the backend writes itself. */
export const PERIOD_ACTOR = 'period-closer';

/**
 * A period's close is a durable timer in the log (LeaderboardPeriodScheduled), written before the
 * period's first score: every score in the log has its period's timer. Each process remembers the periods
 * it saw scheduled, so only its first score of a period costs the extra append.
 */
export class PeriodTimers {
  private readonly scheduled = new Set<string>();

  constructor(
    private readonly streams: StreamCommandHandler,
    private readonly events: Pick<EventStore, 'headPosition'>,
  ) {}

  async scheduleFor(board: leaderboards.Leaderboard, at: Date): Promise<void> {
    if (board.status !== 'Defined' || !leaderboards.periodsEnd(board.resetSchedule)) return;
    const bounds = leaderboards.boundsAt(board.resetSchedule, at);
    if (!bounds) return;
    const period = leaderboards.periodOf(board.resetSchedule, at)!;
    const streamId = leaderboards.leaderboardPeriodStreamId(board.leaderboardId, period);
    if (this.scheduled.has(streamId)) return;
    // Every score of the period is appended after this timer, so after the head read now.
    const after = await this.events.headPosition();
    await this.streams.handle(
      streamId,
      leaderboards.leaderboardPeriodDecider,
      (state) =>
        leaderboards.decidePeriod(
          {
            type: 'SchedulePeriodClose',
            data: {
              leaderboardId: board.leaderboardId,
              period,
              startsAt: bounds.start,
              endsAt: bounds.end,
              after,
            },
          },
          state,
        ),
      systemContext(PERIOD_ACTOR, `schedule:${streamId}`, at),
    );
    this.scheduled.add(streamId);
  }
}
