import {
  type ExportScope,
  type HistoryPage,
  type PlayerStateAt,
  type PointInTime,
  exportEvents,
  playerHistory,
  playerStateAt,
} from '@app/audit';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/tokens';

/** One page of a player's economy stream from the event store, each event with its hash check. */
export class GetPlayerHistory extends Query<HistoryPage> {
  constructor(
    readonly playerId: string,
    readonly afterRevision: number | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

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

@QueryHandler(GetPlayerHistory)
export class GetPlayerHistoryHandler implements IQueryHandler<GetPlayerHistory> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  execute({ playerId, afterRevision, limit }: GetPlayerHistory): Promise<HistoryPage> {
    return playerHistory(this.events, playerId, { afterRevision, limit });
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
