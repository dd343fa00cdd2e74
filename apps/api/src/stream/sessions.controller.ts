import type { CommandContext } from '@app/application';
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { type Static, Type } from '@sinclair/typebox';
import { PlayerParams } from '../economy/dto';
import { IdempotentCommand } from '../http/commandContext';
import { respond } from '../http/commandResponse';
import { Route } from '../http/route';
import { Strict, Text } from '../http/schemas';
import { RevokePlayerSessions } from './commands';
import { SessionTokens } from './sessionTokens';

export const SessionBody = Strict(
  {
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 86400,
        description: 'How long the token lives, at most SESSION_TOKEN_TTL_SECONDS (the default)',
        examples: [300],
      }),
    ),
  },
  { $id: 'SessionBody' },
);
export type SessionBody = Static<typeof SessionBody>;

export const SessionResponse = Strict(
  {
    playerId: Type.String(),
    token: Type.String({ description: 'Bearer token for /v1/stream (Authorization header, or ?token=)' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'SessionResponse' },
);

export const RevocationBody = Strict(
  { reason: Text(200, 'Why: recorded in the event', 'account compromised') },
  { $id: 'RevocationBody' },
);
export type RevocationBody = Static<typeof RevocationBody>;

@Controller('v1/players/:playerId/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionTokens,
    private readonly commands: CommandBus,
  ) {}

  @Post()
  @HttpCode(200)
  @Route({
    summary: "Mint a player's session token for the live stream",
    description:
      "A short-lived signed token that lets a game client subscribe, on /v1/stream, to this player's " +
      'wallet, inventory and ranks and to the public boards. It is checked without a lookup and cannot ' +
      'be extended: mint a new one before it expires.',
    tag: 'realtime',
    scope: 'sessions',
    params: PlayerParams,
    body: SessionBody,
    response: SessionResponse,
  })
  async mint(@Param('playerId') playerId: string, @Body() body: SessionBody) {
    const ttl = body.ttlSeconds ?? this.sessions.maxTtlSeconds;
    const { token, expiresAt } = await this.sessions.mint(playerId, ttl);
    return { playerId, token, expiresAt: expiresAt.toISOString() };
  }

  @Post('revocations')
  @Route({
    summary: 'Revoke every session token of a player issued until now',
    description:
      'Appends PlayerSessionsRevoked to the log; every api instance then refuses those tokens and closes the ' +
      "connections opened with them (4401), within its follower's lag. Tokens minted afterwards work.",
    tag: 'realtime',
    scope: 'sessions',
    command: true,
    params: PlayerParams,
    body: RevocationBody,
  })
  revoke(
    @Param('playerId') playerId: string,
    @Body() body: RevocationBody,
    @IdempotentCommand() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return respond(reply, this.commands.execute(new RevokePlayerSessions(playerId, body.reason, context)));
  }
}
