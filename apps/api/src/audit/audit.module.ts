import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { ExportEventsHandler, GetPlayerHistoryHandler, GetPlayerStateAtHandler } from './history';
import { LogAnchoringService } from './logAnchoring.service';
import { CheckReadModelsHandler } from './replayCheck';
import { VerifyEventLogHandler } from './verification';

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
    ExportEventsHandler,
    CheckReadModelsHandler,
  ],
})
export class AuditModule {}
