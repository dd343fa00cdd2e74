import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { LogAnchoringService } from './commands';
import {
  CheckReadModelsHandler,
  ExportEventsHandler,
  GetPeriodStandingsAtHandler,
  GetPlayerHistoryHandler,
  GetPlayerStateAtHandler,
  VerifyEventLogHandler,
} from './queries';

/**
 * The auditors' feature (scope `audit`): anchors sealing the log, verification, a player's history and
 * past state from the event store, NDJSON export, and the replay check of the served read models.
 */
@Module({
  controllers: [AuditController],
  providers: [
    LogAnchoringService,
    VerifyEventLogHandler,
    GetPlayerHistoryHandler,
    GetPlayerStateAtHandler,
    GetPeriodStandingsAtHandler,
    ExportEventsHandler,
    CheckReadModelsHandler,
  ],
})
export class AuditModule {}
