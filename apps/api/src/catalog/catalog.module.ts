import { Module } from '@nestjs/common';
import { CatalogController, CurrenciesController } from './catalog.controller';
import { DefineCatalogItemHandler, DefineCurrencyHandler } from './commands';
import { GetCatalogItemHandler, ListCatalogItemsHandler, ListCurrenciesHandler } from './queries';

/** What can be bought, at which prices, and how many a player may hold; the currencies competitions pay. */
@Module({
  controllers: [CatalogController, CurrenciesController],
  providers: [
    DefineCatalogItemHandler,
    DefineCurrencyHandler,
    GetCatalogItemHandler,
    ListCatalogItemsHandler,
    ListCurrenciesHandler,
  ],
})
export class CatalogModule {}
