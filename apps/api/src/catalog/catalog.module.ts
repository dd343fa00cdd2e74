import { Module } from '@nestjs/common';
import { DefineCatalogItemHandler, GetCatalogItemHandler, ListCatalogItemsHandler } from './catalog';
import { CatalogController } from './catalog.controller';

/** What can be bought, at which prices, and how many a player may hold. */
@Module({
  controllers: [CatalogController],
  providers: [DefineCatalogItemHandler, GetCatalogItemHandler, ListCatalogItemsHandler],
})
export class CatalogModule {}
