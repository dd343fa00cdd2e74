import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { DefineCatalogItem } from './commands';
import {
  CatalogItemBody,
  CatalogItemQuery,
  CatalogItemResponse,
  CatalogPageQuery,
  CatalogPageResponse,
  SkuParams,
} from './dto';
import { GetCatalogItem, ListCatalogItems } from './queries';

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
