import { type ReplayCheckReport, replayCheck } from '@app/audit';
import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { Inject, Logger } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadModelProgress } from '../infrastructure/readModelProgress';
import { EVENT_STORE, READ_STORE } from '../infrastructure/tokens';

/** How long the check waits for the served read models to apply what it replayed. */
const LIVE_WAIT_MS = 30_000;

/** Rebuild every read model from the log in memory and compare it with the ones this API serves. */
export class CheckReadModels extends Query<ReplayCheckReport> {
  constructor(readonly maxListed: number) {
    super();
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

  async execute({ maxListed }: CheckReadModels): Promise<ReplayCheckReport> {
    const report = await replayCheck(this.events, this.readModels, {
      maxListed,
      waitForLive: (position) => this.progress.waitFor(position, LIVE_WAIT_MS),
    });
    const { ok, position, events, differenceCount, seconds } = report;
    this.logger[ok ? 'log' : 'warn']({ ok, position, events, differenceCount, seconds }, 'replay check');
    return report;
  }
}
