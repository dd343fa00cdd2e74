import { type CommandContext } from '@app/application';
import { Body, Controller, Get, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { ReadAfterWriteGuard } from '../http/readAfterWrite.guard';
import { Route } from '../http/route';
import { ChangePlayerEconomy, type EconomyRequest } from './commands';
import {
  ConsumptionBody,
  CurrencyChangeBody,
  InventoryResponse,
  LedgerQuery,
  LedgerResponse,
  PlayerParams,
  PurchaseBody,
  WalletQuery,
  WalletResponse,
} from './dto';
import { GetInventory, GetLedger, GetWallet } from './queries';

const NO_FUNDS = ['insufficient-funds', 'balance-overflow'];

@Controller('v1/players/:playerId')
export class EconomyController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('grants')
  @Route({
    summary: 'Grant currency to a player',
    tag: 'economy',
    scope: 'economy',
    command: true,
    params: PlayerParams,
    body: CurrencyChangeBody,
    problems: { 409: ['balance-overflow'] },
  })
  grant(
    @Param('playerId') playerId: string,
    @Body() body: CurrencyChangeBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, { type: 'GrantCurrency', data: { playerId, ...body } }, context);
  }

  @Post('spends')
  @Route({
    summary: 'Spend currency; 409 insufficient-funds rather than a negative balance',
    tag: 'economy',
    scope: 'economy',
    command: true,
    params: PlayerParams,
    body: CurrencyChangeBody,
    problems: { 409: ['insufficient-funds'] },
  })
  spend(
    @Param('playerId') playerId: string,
    @Body() body: CurrencyChangeBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.change(reply, { type: 'SpendCurrency', data: { playerId, ...body } }, context);
  }

  @Post('purchases')
  @Route({
    summary: 'Buy a catalog item: debit and grant in one event',
    tag: 'economy',
    scope: 'economy',
    command: true,
    params: PlayerParams,
    body: PurchaseBody,
    problems: {
      404: ['unknown-item'],
      409: [
        ...NO_FUNDS,
        'price-changed',
        'currency-required',
        'currency-not-accepted',
        'stack-limit-exceeded',
      ],
    },
  })
  purchase(
    @Param('playerId') playerId: string,
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
  @Route({
    summary: 'Use up items the player holds',
    tag: 'economy',
    scope: 'economy',
    command: true,
    params: PlayerParams,
    body: ConsumptionBody,
    problems: { 404: ['unknown-item'], 409: ['insufficient-items'] },
  })
  consume(
    @Param('playerId') playerId: string,
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
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: "A player's balances",
    tag: 'economy',
    scope: 'read',
    params: PlayerParams,
    querystring: WalletQuery,
    response: WalletResponse,
  })
  wallet(@Param('playerId') playerId: string) {
    return this.queries.execute(new GetWallet(playerId));
  }

  @Get('inventory')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: "A player's items",
    tag: 'economy',
    scope: 'read',
    params: PlayerParams,
    querystring: WalletQuery,
    response: InventoryResponse,
  })
  inventory(@Param('playerId') playerId: string) {
    return this.queries.execute(new GetInventory(playerId));
  }

  @Get('ledger')
  @UseGuards(ReadAfterWriteGuard)
  @Route({
    summary: 'Every balance and item change, oldest first, with the balance after it',
    tag: 'economy',
    scope: 'read',
    params: PlayerParams,
    querystring: LedgerQuery,
    response: LedgerResponse,
  })
  ledger(@Param('playerId') playerId: string, @Query() query: LedgerQuery) {
    return this.queries.execute(new GetLedger(playerId, query.cursor, query.limit ?? 50));
  }
}
