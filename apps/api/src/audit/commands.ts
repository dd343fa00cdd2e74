import { StreamCommandHandler, requestHash } from '@app/application';
import { planAnchor } from '@app/audit';
import { audit } from '@app/domain';
import type { EventStore } from '@app/event-store';
import { APP_CONFIG, type AppConfig } from '@app/runtime';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_STORE } from '../persistence/tokens';

/** How often the anchorer looks at the log (at most; a shorter AUDIT_ANCHOR_EVERY_MS looks as often). */
const LOOK_EVERY_MS = 1000;

/**
 * Seals the global log: every AUDIT_ANCHOR_EVERY_EVENTS events, or AUDIT_ANCHOR_EVERY_MS after the last
 * anchor when fewer came, it appends a LogAnchored event to the `audit` stream (see @app/audit).
 *
 * Every api instance runs one. The anchor is decided like any command, at the audit stream's expected
 * revision: when another instance anchored first, the decider sees its anchor and records nothing.
 */
@Injectable()
export class LogAnchoringService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LogAnchoringService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastAnchorAt = Date.now();

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly streams: StreamCommandHandler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const wait = Math.min(LOOK_EVERY_MS, this.config.AUDIT_ANCHOR_EVERY_MS);
    this.timer = setTimeout(() => {
      this.running = this.anchorDue()
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn({ err: error }, 'anchoring failed; retrying later'),
        )
        .finally(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  /** Writes anchors while full ranges wait, then a partial one when the interval has passed. */
  async anchorDue(now: () => number = Date.now): Promise<number> {
    let written = 0;
    while (!this.stopped) {
      const { state } = await this.streams.load(audit.AUDIT_STREAM_ID, audit.logAnchorsDecider);
      const plan = await planAnchor(this.events, state, this.config.AUDIT_ANCHOR_EVERY_EVENTS);
      if (!plan || (!plan.full && now() - this.lastAnchorAt < this.config.AUDIT_ANCHOR_EVERY_MS)) break;
      const { anchor } = plan;
      const key = `anchor-${anchor.fromPosition}-${anchor.position}`;
      const result = await this.streams.handle(
        audit.AUDIT_STREAM_ID,
        audit.logAnchorsDecider,
        (anchors) => audit.logAnchorsDecider.decide({ type: 'AnchorLog', data: anchor }, anchors),
        {
          idempotencyKey: key,
          actor: 'audit',
          correlationId: key,
          requestHash: requestHash('AnchorLog', anchor),
          receivedAt: new Date(),
        },
      );
      this.lastAnchorAt = now();
      if (result.events.length > 0 && !result.replayed) {
        written += 1;
        this.logger.debug({ position: anchor.position, events: anchor.eventCount }, 'log anchored');
      }
    }
    return written;
  }
}
