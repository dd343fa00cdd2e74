import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Put, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresScope } from '../http/auth/scopes';
import { IdempotentCommand } from '../http/commandContext';
import { CommandResponse, respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { IdPipe, PageQuery, ReadQuery, pageLimit } from '../http/validation';
import { DefineCatalogItem } from './commands';
import { CatalogItemBody, CatalogItemResponse, CatalogPageResponse } from './dto';
import { GetCatalogItem, ListCatalogItems } from './queries';

@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/catalog/items')
export class CatalogController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Put(':sku')
  @RequiresScope('admin')
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiOperation({ summary: 'Define or update a catalog item (200 and no event when nothing changed)' })
  @ApiResponse({ status: 201, type: CommandResponse })
  define(
    @Param('sku', IdPipe) sku: string,
    @Body() body: CatalogItemBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new DefineCatalogItem({ sku, ...body }, context)));
  }

  @Get(':sku')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiResponse({ status: 200, type: CatalogItemResponse })
  get(@Param('sku', IdPipe) sku: string, @Query() _query: ReadQuery) {
    return this.queries.execute(new GetCatalogItem(sku));
  }

  @Get()
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiResponse({ status: 200, type: CatalogPageResponse })
  list(@Query() query: PageQuery) {
    return this.queries.execute(new ListCatalogItems(query.cursor, pageLimit(query)));
  }
}
