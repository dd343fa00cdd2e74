import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller';
import { DefineCatalogItemHandler } from './commands';
import { GetCatalogItemHandler, ListCatalogItemsHandler } from './queries';

/** What can be bought, at which prices, and how many a player may hold. */
@Module({
  controllers: [CatalogController],
  providers: [DefineCatalogItemHandler, GetCatalogItemHandler, ListCatalogItemsHandler],
})
export class CatalogModule {}
