import { type AuditScope, type VerificationReport, verifyEventLog } from '@app/audit';
import type { EventStore } from '@app/event-store';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE } from '../infrastructure/tokens';

/** Verify the hash chains and anchors of one stream, a category or the whole log (same code as the CLI). */
export class VerifyEventLog extends Query<VerificationReport> {
  constructor(readonly scope: AuditScope) {
    super();
  }
}

@QueryHandler(VerifyEventLog)
export class VerifyEventLogHandler implements IQueryHandler<VerifyEventLog> {
  constructor(@Inject(EVENT_STORE) private readonly events: EventStore) {}

  execute({ scope }: VerifyEventLog): Promise<VerificationReport> {
    return verifyEventLog(this.events, scope);
  }
}
