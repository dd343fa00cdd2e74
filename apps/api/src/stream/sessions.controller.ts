import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { type Static, Type } from '@sinclair/typebox';
import { PlayerParams } from '../economy/dto';
import { Route } from '../http/route';
import { Strict } from '../http/schemas';
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

@Controller('v1/players/:playerId/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionTokens) {}

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
}
