import {
  type InventoryView,
  type LedgerEntryView,
  type WalletView,
  inventoryState,
  walletState,
} from '@app/projections';
import type { ReadStore } from '@app/read-store';
import { Inject } from '@nestjs/common';
import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { encodeCursor } from '../http/validation';
import { READ_STORE } from '../infrastructure/tokens';
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
    readonly afterRevision: number | undefined,
    readonly limit: number,
  ) {
    super();
  }
}

@QueryHandler(GetWallet)
export class GetWalletHandler implements IQueryHandler<GetWallet> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId }: GetWallet): Promise<WalletResponse> {
    return walletState(playerId, await this.readStore.find<WalletView>('wallets', playerId));
  }
}

@QueryHandler(GetInventory)
export class GetInventoryHandler implements IQueryHandler<GetInventory> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId }: GetInventory): Promise<InventoryResponse> {
    return inventoryState(playerId, await this.readStore.find<InventoryView>('inventories', playerId));
  }
}

@QueryHandler(GetLedger)
export class GetLedgerHandler implements IQueryHandler<GetLedger> {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async execute({ playerId, afterRevision, limit }: GetLedger): Promise<LedgerResponse> {
    const page = await this.readStore.page<LedgerEntryView>(
      { collection: 'ledger', index: 'byPlayer', group: { playerId } },
      afterRevision === undefined ? undefined : { revision: afterRevision },
      limit + 1,
    );
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
      nextCursor: more ? encodeCursor({ r: entries[entries.length - 1].revision }) : null,
    };
  }
}
