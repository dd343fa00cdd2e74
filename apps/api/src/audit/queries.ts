import { type Progress, replayCheckProgress, revisionCursor, verificationProgress } from '@app/application';
import {
  type AuditScope,
  type ExportScope,
  type HistoryPage,
  type PeriodStandingsReport,
  type PlayerStateAt,
  type PointInTime,
  type ReplayCheckReport,
  type VerificationReport,
  exportEvents,
  periodStandingsAt,
  playerHistory,
  playerStateAt,
  replayCheck,
  verifyEventLog,
} from '@app/audit';
import type { EventStore, RecordedEvent } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { openScratchReadStore } from '@app/runtime';
import { Inject, Logger } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadModelProgress } from '../persistence/readModelProgress';
import { EVENT_STORE, READ_STORE } from '../persistence/tokens';

/** How long the replay check waits for the served read models to apply what it replayed. */
const LIVE_WAIT_MS = 30_000;

/** Verify the hash chains and anchors of one stream, a category or the whole log (same code as the CLI). */
export class VerifyEventLog extends Query<VerificationReport> {
  constructor(
    readonly scope: AuditScope,
    /** Told how far the verification has got, page by page of the log. */
    readonly onProgress?: (progress: Progress) => void,
  ) {
    super();
  }
}

/** One page of a player's economy stream from the event store, each event with its hash check. */
export class GetPlayerHistory extends Query<HistoryResponse> {
  constructor(
    readonly playerId: string,
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

export type HistoryResponse = Omit<HistoryPage, 'nextAfterRevision'> & { nextCursor: string | null };

/** A player's wallet and inventory as of a position or a moment, folded from the event store. */
export class GetPlayerStateAt extends Query<PlayerStateAt> {
  constructor(
    readonly playerId: string,
    readonly at: PointInTime,
  ) {
    super();
  }
}

/** The events of a player or a time range, as stored, page by page (for NDJSON). */
export class ExportEvents extends Query<AsyncGenerator<RecordedEvent[]>> {
  constructor(readonly scope: ExportScope) {
    super();
  }
}

/** Rebuild every read model from the log in memory and compare it with the ones this API serves. */
export class CheckReadModels extends Query<ReplayCheckReport> {
  constructor(
    readonly maxListed: number,
    /** Told how far the replay, then the comparison of each read model, has got. */
    readonly onProgress?: (progress: Progress) => void,
  ) {
    super();
  }
}

@QueryHandler(VerifyEventLog)
export class VerifyEventLogHandler implements IQueryHandler<VerifyEventLog> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  async execute({ scope, onProgress }: VerifyEventLog): Promise<VerificationReport> {
    if (!onProgress) return verifyEventLog(this.events, scope);
    return verifyEventLog(this.events, scope, {
      onProgress: verificationProgress(await this.events.headPosition(), onProgress),
    });
  }
}

@QueryHandler(GetPlayerHistory)
export class GetPlayerHistoryHandler implements IQueryHandler<GetPlayerHistory> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  async execute({ playerId, cursor, limit }: GetPlayerHistory): Promise<HistoryResponse> {
    const after = revisionCursor.decode(cursor);
    const { nextAfterRevision, ...page } = await playerHistory(this.events, playerId, {
      afterRevision: after?.r,
      limit,
    });
    return {
      ...page,
      nextCursor: nextAfterRevision === null ? null : revisionCursor.encode({ r: nextAfterRevision }),
    };
  }
}

@QueryHandler(GetPlayerStateAt)
export class GetPlayerStateAtHandler implements IQueryHandler<GetPlayerStateAt> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  execute({ playerId, at }: GetPlayerStateAt): Promise<PlayerStateAt> {
    return playerStateAt(this.events, playerId, at);
  }
}

@QueryHandler(ExportEvents)
export class ExportEventsHandler implements IQueryHandler<ExportEvents> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  async execute({ scope }: ExportEvents): Promise<AsyncGenerator<RecordedEvent[]>> {
    return exportEvents(this.events, scope);
  }
}

@QueryHandler(CheckReadModels)
export class CheckReadModelsHandler implements IQueryHandler<CheckReadModels> {
  private readonly logger = new Logger(CheckReadModelsHandler.name);

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readModels: ReadStore,
    private readonly progress: ReadModelProgress,
  ) {}

  async execute({ maxListed, onProgress }: CheckReadModels): Promise<ReplayCheckReport> {
    const report = await replayCheck(this.events, this.readModels, {
      scratchStore: openScratchReadStore,
      maxListed,
      waitForLive: (position) => this.progress.waitFor(position, LIVE_WAIT_MS),
      onProgress: onProgress && replayCheckProgress(onProgress),
    });
    const { ok, position, events, differenceCount, seconds } = report;
    this.logger[ok ? 'log' : 'warn']({ ok, position, events, differenceCount, seconds }, 'replay check');
    return report;
  }
}

/** A board's period as it stood at a moment, from the log alone. */
export class GetPeriodStandingsAt extends Query<PeriodStandingsReport> {
  constructor(
    readonly leaderboardId: string,
    readonly period: string,
    readonly at: PointInTime,
    readonly adjudication: number | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(GetPeriodStandingsAt)
export class GetPeriodStandingsAtHandler implements IQueryHandler<GetPeriodStandingsAt> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  execute({
    leaderboardId,
    period,
    at,
    adjudication,
    limit,
  }: GetPeriodStandingsAt): Promise<PeriodStandingsReport> {
    return periodStandingsAt(this.events, { leaderboardId, period, at, adjudication, limit });
  }
}
