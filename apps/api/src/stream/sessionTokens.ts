import { randomBytes } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTHeaderParameters } from 'jose';

/** What a verified session token allows: one player's private state and the public boards, until `expiresAt`. */
export type PlayerSession = { playerId: string; expiresAt: Date; issuedAt: Date };

export type SessionKey = { kid: string; secret: Uint8Array };

/** Why a token was refused: forged, malformed or signed with a retired key, or expired. */
export class SessionTokenError extends Error {
  constructor(
    readonly reason: 'invalid' | 'expired',
    message: string,
  ) {
    super(message);
  }
}

const ISSUER = 'game-economy-api';
const AUDIENCE = 'stream';
const ALGORITHM = 'HS256';

/** `SESSION_TOKEN_KEYS` (`kid:secret;...`); unset: one random key this process alone knows. */
export function parseSessionKeys(spec: string | undefined): SessionKey[] {
  if (!spec) return [{ kid: 'ephemeral', secret: randomBytes(32) }];
  return spec
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf(':');
      return { kid: entry.slice(0, at), secret: new TextEncoder().encode(entry.slice(at + 1)) };
    });
}

/**
 * Player session tokens: JWTs signed with HMAC-SHA256 (jose), verified from the token alone - no lookup.
 * The header's `kid` picks the key, so keys rotate: the first configured key signs, all of them verify.
 */
export class SessionTokens {
  private readonly byKid: Map<string, Uint8Array>;

  constructor(
    private readonly keys: readonly SessionKey[],
    /** The longest a token may live, in seconds. */
    readonly maxTtlSeconds: number,
  ) {
    if (keys.length === 0) throw new Error('no session token key');
    this.byKid = new Map(keys.map(({ kid, secret }) => [kid, secret]));
  }

  async mint(
    playerId: string,
    ttlSeconds: number,
    now = new Date(),
  ): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + Math.min(ttlSeconds, this.maxTtlSeconds)) * 1000);
    // `iat` to the millisecond (a NumericDate may have a fraction): a revocation in the same second as a
    // later mint does not take that token with it.
    const { kid, secret } = this.keys[0];
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
      .setSubject(playerId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now.getTime() / 1000)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(secret);
    return { token, expiresAt };
  }

  /** The session a token grants; a SessionTokenError when it is forged, malformed, of an unknown key or expired. */
  async verify(token: string): Promise<PlayerSession> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header: JWTHeaderParameters) => {
          const secret = header.kid === undefined ? undefined : this.byKid.get(header.kid);
          if (!secret) throw new SessionTokenError('invalid', 'session token signed with an unknown key');
          return secret;
        },
        {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          requiredClaims: ['sub', 'exp', 'iat'],
        },
      );
      return {
        playerId: payload.sub!,
        expiresAt: new Date(payload.exp! * 1000),
        issuedAt: new Date(payload.iat! * 1000),
      };
    } catch (error) {
      if (error instanceof SessionTokenError) throw error;
      if (error instanceof errors.JWTExpired) throw new SessionTokenError('expired', 'session token expired');
      throw new SessionTokenError('invalid', 'session token is not valid');
    }
  }
}

/** A compact JWS has three dot-separated parts; API keys never hold a dot. */
export const looksLikeSessionToken = (credential: string): boolean => credential.split('.').length === 3;
