import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SCOPES = ['admin', 'economy', 'scores', 'read', 'audit', 'metrics', 'sessions'] as const;
export type Scope = (typeof SCOPES)[number];

export type ApiKey = { name: string; scopes: ReadonlySet<Scope>; sha256: Buffer };

/** One-shot: no Hash object per call, as every authenticated request hashes its token. */
const sha256 = (value: string): Buffer => hash('sha256', value, 'buffer');

/**
 * The secrets .env.example shows (docker compose's starting point): public, so a key holding one, as is
 * or hashed, stops the api at start rather than serving anyone who has read the repository.
 */
const PUBLIC_EXAMPLE_SECRETS = [
  'example-secret-change-me-0123456789',
  'example-metrics-secret-change-me',
].map(sha256);

/**
 * API_KEYS: entries separated by ';', each `name:secret:scope,scope`. The secret is the bearer token
 * itself, or `sha256=<64 hex>` of it so plaintext secrets need not sit in configuration.
 *   API_KEYS="game-server:s3cret-token:economy,scores,read;live-ops:sha256=9f86d0...:admin,read"
 */
export function parseApiKeys(spec: string): ApiKey[] {
  const keys = spec
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const parts = entry.split(':');
      if (parts.length !== 3) throw new Error(`API_KEYS entry ${i + 1} must be name:secret:scopes`);
      const [name, secret, scopeList] = parts;
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new Error(`API_KEYS entry ${i + 1}: bad name`);
      const scopes = scopeList.split(',').map((s) => s.trim());
      const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
      if (unknown.length > 0 || scopes.length === 0) {
        throw new Error(
          `API_KEYS entry ${name}: unknown scope(s) ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`,
        );
      }
      let hash: Buffer;
      if (secret.startsWith('sha256=')) {
        if (!/^sha256=[0-9a-f]{64}$/i.test(secret))
          throw new Error(`API_KEYS entry ${name}: sha256= needs 64 hex digits`);
        hash = Buffer.from(secret.slice(7), 'hex');
      } else {
        if (secret.length < 16)
          throw new Error(`API_KEYS entry ${name}: secret must be at least 16 characters`);
        hash = sha256(secret);
      }
      if (PUBLIC_EXAMPLE_SECRETS.some((example) => example.equals(hash))) {
        throw new Error(
          `API_KEYS entry ${name}: its secret is the public example of .env.example; set a secret of your own`,
        );
      }
      return { name, scopes: new Set(scopes as Scope[]), sha256: hash };
    });
  if (keys.length === 0) throw new Error('API_KEYS is set but holds no key');
  return keys;
}

/** Constant time in the token and in which key matched: every key is compared, no early exit. */
export function authenticate(keys: readonly ApiKey[], token: string): ApiKey | undefined {
  const presented = sha256(token);
  let match: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(presented, key.sha256) && match === undefined) match = key;
  }
  return match;
}

/**
 * With no API_KEYS in embedded mode, a development key with every scope is generated on first start
 * and kept in DATA_DIR (mode 0600), so `npm start` works out of the box without a default password.
 */
export function developmentKey(dataDir: string): { key: ApiKey; file: string; created: boolean } {
  const file = join(dataDir, 'dev-api-key');
  mkdirSync(dataDir, { recursive: true });
  const created = !existsSync(file);
  if (created) writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  return { key: { name: 'dev', scopes: new Set(SCOPES), sha256: sha256(token) }, file, created };
}
