import { deciderSpecification } from '@test/support/deciderSpecification';
import { type PlayerSessionsEvent, playerSessionsDecider } from './playerSessions';

const given = deciderSpecification(playerSessionsDecider).given;
const revoked = (revokedAt: string): PlayerSessionsEvent => ({
  type: 'PlayerSessionsRevoked',
  data: { playerId: 'p1', revokedAt, reason: 'account compromised' },
});

describe('player sessions', () => {
  it('revokes every session issued until now', () =>
    given([])
      .when({
        type: 'RevokePlayerSessions',
        data: { playerId: 'p1', reason: ' account compromised ', now: '2026-12-07T10:00:00.000Z' },
      })
      .then([revoked('2026-12-07T10:00:00.000Z')]));

  it('revokes again later: the sessions issued since go too', () =>
    given([revoked('2026-12-07T10:00:00.000Z')])
      .when({
        type: 'RevokePlayerSessions',
        data: { playerId: 'p1', reason: 'account compromised', now: '2026-12-07T11:00:00.000Z' },
      })
      .then([revoked('2026-12-07T11:00:00.000Z')]));

  it.each([
    [{ reason: '' }, 'reason'],
    [{ reason: 'x'.repeat(201) }, 'reason'],
    [{ playerId: 'a.b' }, 'playerId'],
  ])('rejects %j naming %s', (change, field) =>
    given([])
      .when({
        type: 'RevokePlayerSessions',
        data: { playerId: 'p1', reason: 'r', now: '2026-12-07T10:00:00.000Z', ...change },
      })
      .thenRejects('invalid-input', field),
  );
});
