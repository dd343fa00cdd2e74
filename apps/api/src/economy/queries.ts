import { revisionCursor } from '@app/application';
import { inventoryState, inventoryView, playerLedger, walletState, walletView } from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { READ_STORE } from '../persistence/tokens';
import type { InventoryResponse, LedgerResponse, WalletResponse } from './dto';

export class GetWallet extends Query<WalletResponse> {
  constructor(readonly playerId: string) {
    super();
  }
}

export class GetInventory extends Query<InventoryResponse> {
  constructor(readonly playerId: string) {
    super();
  }
}

export class GetLedger extends Query<LedgerResponse> {
  constructor(
    readonly playerId: string,
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(GetWallet)
export class GetWalletHandler implements IQueryHandler<GetWallet> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId }: GetWallet): Promise<WalletResponse> {
    return walletState(playerId, await this.readStore.find(walletView.collection, playerId));
  }
}

@QueryHandler(GetInventory)
export class GetInventoryHandler implements IQueryHandler<GetInventory> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId }: GetInventory): Promise<InventoryResponse> {
    return inventoryState(playerId, await this.readStore.find(inventoryView.collection, playerId));
  }
}

@QueryHandler(GetLedger)
export class GetLedgerHandler implements IQueryHandler<GetLedger> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId, cursor, limit }: GetLedger): Promise<LedgerResponse> {
    const after = revisionCursor.decode(cursor);
    const page = await this.readStore.page(playerLedger(playerId), after && { revision: after.r }, limit + 1);
    const entries = page
      .slice(0, limit)
      .map(({ eventId, revision, position, type, occurredAt, reason, changes }) => ({
        eventId,
        revision,
        position,
        type,
        occurredAt,
        reason,
        changes,
      }));
    const more = page.length > limit;
    return {
      playerId,
      entries,
      nextCursor: more ? revisionCursor.encode({ r: entries[entries.length - 1].revision }) : null,
    };
  }
}
