import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { DefineCatalogItem, DefineCurrency } from './commands';
import {
  CatalogItemBody,
  CatalogItemQuery,
  CatalogItemResponse,
  CatalogPageQuery,
  CatalogPageResponse,
  CurrencyBody,
  CurrencyPageResponse,
  CurrencyParams,
  SkuParams,
} from './dto';
import { GetCatalogItem, ListCatalogItems, ListCurrencies } from './queries';

@Controller('v1/catalog/items')
export class CatalogController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':sku')
  @Route({
    summary: 'Define or update a catalog item (200 and no event when nothing changed)',
    tag: 'catalog',
    scope: 'admin',
    command: true,
    params: SkuParams,
    body: CatalogItemBody,
  })
  define(
    @Param('sku') sku: string,
    @Body() body: CatalogItemBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new DefineCatalogItem({ sku, ...body }, context)));
  }

  @Get(':sku')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'One catalog item',
    tag: 'catalog',
    scope: 'read',
    params: SkuParams,
    querystring: CatalogItemQuery,
    response: CatalogItemResponse,
    problems: { 404: ['unknown-item'] },
  })
  get(@Param('sku') sku: string) {
    return this.queries.execute(new GetCatalogItem(sku));
  }

  @Get()
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'The catalog by sku, keyset-paginated',
    tag: 'catalog',
    scope: 'read',
    querystring: CatalogPageQuery,
    response: CatalogPageResponse,
  })
  list(@Query() query: CatalogPageQuery) {
    return this.queries.execute(new ListCatalogItems(query.cursor, query.limit ?? 50));
  }
}

@Controller('v1/catalog/currencies')
export class CurrenciesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':code')
  @Route({
    summary: 'Define a currency, or rename it (200 and no event when nothing changed)',
    description:
      'Grants and spends take any well-formed code; reward tables and entry fees name defined currencies only.',
    tag: 'catalog',
    scope: 'admin',
    command: true,
    params: CurrencyParams,
    body: CurrencyBody,
  })
  define(
    @Param('code') code: string,
    @Body() body: CurrencyBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new DefineCurrency({ code, ...body }, context)));
  }

  @Get()
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'The defined currencies by code, keyset-paginated',
    tag: 'catalog',
    scope: 'read',
    querystring: CatalogPageQuery,
    response: CurrencyPageResponse,
  })
  list(@Query() query: CatalogPageQuery) {
    return this.queries.execute(new ListCurrencies(query.cursor, query.limit ?? 50));
  }
}
