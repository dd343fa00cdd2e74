import type { EventStore } from '@app/event-store';
import { APP_CONFIG, type AppConfig, RELAY_LEASE, deploymentMode } from '@app/runtime';
import { Inject } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { ReadModelStatus } from '../persistence/readModelStatus';
import { EVENT_STORE } from '../persistence/tokens';
import type { SystemStatusResponse } from './dto';
import { RecentErrors } from './recentErrors';

/** The event store's head, how far each read model and partition trails it, the relay, recent errors. */
export class GetSystemStatus extends Query<SystemStatusResponse> {}

@QueryHandler(GetSystemStatus)
export class GetSystemStatusHandler implements IQueryHandler<GetSystemStatus> {
  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly readModels: ReadModelStatus,
    private readonly recentErrors: RecentErrors,
  ) {}

  async execute(): Promise<SystemStatusResponse> {
    const mode = deploymentMode(this.config);
    const head = await this.events.headPosition();
    const lagging = <Item extends { position: number }>(item: Item) => ({
      ...item,
      lag: head - item.position,
    });
    const { models, partitions } = await this.readModels.positions();
    return {
      mode,
      eventStore: { head },
      readModels: { models: models.map(lagging), partitions: partitions.map(lagging) },
      relay: mode === 'cluster' ? await this.relay(head) : null,
      recentErrors: this.recentErrors.list(),
    };
  }

  private async relay(head: number): Promise<SystemStatusResponse['relay']> {
    const [checkpoint, holder] = await Promise.all([
      this.events.loadCheckpoint(RELAY_LEASE),
      this.events.leaseHolder(RELAY_LEASE),
    ]);
    return {
      position: checkpoint,
      lag: head - checkpoint,
      holder: holder ? { owner: holder.owner, expiresAt: new Date(holder.expiresAt).toISOString() } : null,
    };
  }
}
