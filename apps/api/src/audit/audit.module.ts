import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { LogAnchoringService } from './logAnchoring.service';
import { VerifyEventLogHandler } from './verification';

/** Tamper evidence: anchors sealing the log, and verification for auditors (scope `audit`). */
@Module({
  controllers: [AuditController],
  providers: [LogAnchoringService, VerifyEventLogHandler],
})
export class AuditModule {}
