import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequiresScope } from '../http/auth/scopes';
import { IdempotentCommand } from '../http/commandContext';
import { CommandResponse, respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { IdPipe, PageQuery, ReadQuery, pageLimit } from '../http/validation';
import { ChangePlayerEconomy, type EconomyRequest } from './commands';
import {
  ConsumptionBody,
  CurrencyChangeBody,
  InventoryResponse,
  LedgerResponse,
  PurchaseBody,
  WalletResponse,
} from './dto';
import { GetInventory, GetLedger, GetWallet } from './queries';

const IdempotencyKey = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'Unique per command; a retry repeats it',
  });

@ApiTags('economy')
@ApiBearerAuth()
@Controller('v1/players/:playerId')
export class EconomyController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('grants')
  @RequiresScope('economy')
  @IdempotencyKey()
  @ApiOperation({ summary: 'Grant currency to a player' })
  @ApiResponse({ status: 201, type: CommandResponse })
  grant(
    @Param('playerId', IdPipe) playerId: string,
    @Body() body: CurrencyChangeBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, { type: 'GrantCurrency', data: { playerId, ...body } }, context);
  }

  @Post('spends')
  @RequiresScope('economy')
  @IdempotencyKey()
  @ApiOperation({ summary: 'Spend currency; 409 insufficient-funds rather than a negative balance' })
  @ApiResponse({ status: 201, type: CommandResponse })
  spend(
    @Param('playerId', IdPipe) playerId: string,
    @Body() body: CurrencyChangeBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, { type: 'SpendCurrency', data: { playerId, ...body } }, context);
  }

  @Post('purchases')
  @RequiresScope('economy')
  @IdempotencyKey()
  @ApiOperation({ summary: 'Buy a catalog item: debit and grant in one event' })
  @ApiResponse({ status: 201, type: CommandResponse })
  purchase(
    @Param('playerId', IdPipe) playerId: string,
    @Body() body: PurchaseBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = {
      playerId,
      sku: body.sku,
      quantity: body.quantity,
      currency: body.currency,
      expectedPrice: body.expectedPrice,
    };
    return this.change(reply, { type: 'PurchaseItem', data }, context);
  }

  @Post('consumptions')
  @RequiresScope('economy')
  @IdempotencyKey()
  @ApiOperation({ summary: 'Use up items the player holds' })
  @ApiResponse({ status: 201, type: CommandResponse })
  consume(
    @Param('playerId', IdPipe) playerId: string,
    @Body() body: ConsumptionBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, { type: 'ConsumeItem', data: { playerId, ...body } }, context);
  }

  private change(reply: FastifyReply, request: EconomyRequest, context: CommandContext) {
    return respond(reply, this.commands.execute(new ChangePlayerEconomy(request, context)));
  }

  @Get('wallet')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiResponse({ status: 200, type: WalletResponse })
  wallet(@Param('playerId', IdPipe) playerId: string, @Query() _query: ReadQuery) {
    return this.queries.execute(new GetWallet(playerId));
  }

  @Get('inventory')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiResponse({ status: 200, type: InventoryResponse })
  inventory(@Param('playerId', IdPipe) playerId: string, @Query() _query: ReadQuery) {
    return this.queries.execute(new GetInventory(playerId));
  }

  @Get('ledger')
  @RequiresScope('read')
  @UseGuards(ReadAfterWriteGuard)
  @ApiOperation({ summary: 'Every balance and item change, oldest first, with the balance after it' })
  @ApiResponse({ status: 200, type: LedgerResponse })
  ledger(@Param('playerId', IdPipe) playerId: string, @Query() query: PageQuery) {
    return this.queries.execute(new GetLedger(playerId, query.cursor, pageLimit(query)));
  }
}
