import type { Command, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/errors';
import { assertId } from '../shared/values';

/**
 * A player's live-stream sessions as the log knows them: only when they were last revoked. A session
 * token issued at or before that moment is refused (and its connections closed); later ones are not.
 * Tokens themselves are never stored: they are verified from their signature.
 */
export type PlayerSessionsRevoked = DomainEvent<
  'PlayerSessionsRevoked',
  { playerId: string; revokedAt: string; reason: string }
>;
export type PlayerSessionsEvent = PlayerSessionsRevoked;

export type PlayerSessions = { revokedAt: string | null };

export type RevokePlayerSessions = Command<
  'RevokePlayerSessions',
  { playerId: string; reason: string; now: string }
>;

const MAX_REASON_LENGTH = 200;

export const revokePlayerSessions = ({ data }: RevokePlayerSessions): PlayerSessionsEvent[] => {
  assertId(data.playerId, 'playerId');
  if (
    typeof data.reason !== 'string' ||
    data.reason.trim() === '' ||
    data.reason.length > MAX_REASON_LENGTH
  ) {
    throw new DomainError('invalid-input', `reason must be 1..${MAX_REASON_LENGTH} characters`, 'reason');
  }
  return [
    {
      type: 'PlayerSessionsRevoked',
      data: { playerId: data.playerId, revokedAt: data.now, reason: data.reason.trim() },
    },
  ];
};

export const playerSessionsDecider: Decider<PlayerSessions, RevokePlayerSessions, PlayerSessionsEvent> = {
  initialState: () => ({ revokedAt: null }),
  evolve: (_state, event) => ({ revokedAt: event.data.revokedAt }),
  decide: revokePlayerSessions,
};

export const playerSessionsStreamId = (playerId: string): string => `sessions-${playerId}`;
export const PLAYER_SESSIONS_STREAM_PREFIX = 'sessions-';
