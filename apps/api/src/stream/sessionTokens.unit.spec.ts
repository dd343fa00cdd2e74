import { SessionTokenError, SessionTokens, looksLikeSessionToken, parseSessionKeys } from './sessionTokens';

describe('session tokens', () => {
  const [current, retiring] = parseSessionKeys(
    'new:new-secret-0123456789abcdef0123456789;old:old-secret-0123456789abcdef0123456789',
  );
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: SessionTokenError) => `${error.reason}: ${error.message}`,
    );

  it('verifies what it minted, with the player and expiry, no longer than the longest life', async () => {
    const tokens = new SessionTokens([current, retiring], 600);
    const now = new Date();
    const { token, expiresAt } = await tokens.mint('p1', 3600, now);
    expect(looksLikeSessionToken(token)).toBe(true);
    expect(expiresAt.getTime() - Math.floor(now.getTime() / 1000) * 1000).toBe(600_000);
    expect(await tokens.verify(token)).toMatchObject({ playerId: 'p1', expiresAt });
  });

  it('rotates keys: the first signs, every configured key verifies, a removed key no longer does', async () => {
    const before = new SessionTokens([retiring], 600);
    const during = new SessionTokens([current, retiring], 600);
    const after = new SessionTokens([current], 600);
    const old = (await before.mint('p1', 60)).token;
    expect((await during.verify(old)).playerId).toBe('p1');
    expect(await refusal(after.verify(old))).toBe('invalid: session token signed with an unknown key');
    expect((await after.verify((await during.mint('p1', 60)).token)).playerId).toBe('p1');
  });

  it('refuses expired, forged and malformed tokens, saying which', async () => {
    const tokens = new SessionTokens([current], 600);
    const expired = (await tokens.mint('p1', 10, new Date(Date.now() - 60_000))).token;
    expect(await refusal(tokens.verify(expired))).toBe('expired: session token expired');
    const forger = new SessionTokens(
      [{ kid: current.kid, secret: new TextEncoder().encode('x'.repeat(40)) }],
      600,
    );
    expect(await refusal(tokens.verify((await forger.mint('p1', 60)).token))).toBe(
      'invalid: session token is not valid',
    );
    const [header, payload, signature] = (await tokens.mint('p1', 60)).token.split('.');
    const otherPlayer = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'p2' }),
    ).toString('base64url');
    expect(await refusal(tokens.verify([header, otherPlayer, signature].join('.')))).toBe(
      'invalid: session token is not valid',
    );
    expect(await refusal(tokens.verify('a.b.c'))).toBe('invalid: session token is not valid');
  });

  it('makes up a key only this process knows when none is configured', () => {
    const [key] = parseSessionKeys(undefined);
    expect(key.kid).toBe('ephemeral');
    expect(key.secret.length).toBe(32);
    expect(looksLikeSessionToken('api-key-without-dots-0123')).toBe(false);
  });
});
