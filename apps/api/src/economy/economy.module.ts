import { Module } from '@nestjs/common';
import { ChangePlayerEconomyHandler } from './commands';
import { EconomyController } from './economy.controller';
import { GetInventoryHandler, GetLedgerHandler, GetWalletHandler } from './queries';

/** Player wallets and inventories: grants, spends, purchases, consumptions and their views. */
@Module({
  controllers: [EconomyController],
  providers: [ChangePlayerEconomyHandler, GetWalletHandler, GetInventoryHandler, GetLedgerHandler],
})
export class EconomyModule {}
