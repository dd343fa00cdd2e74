import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../bootstrap';
import { authenticate, developmentKey, parseApiKeys } from './apiKeys';

describe('API keys', () => {
  const hashed = createHash('sha256').update('dashboard-token-0123').digest('hex');
  const keys = parseApiKeys(`game:game-token-0123456789:economy,scores;dash:sha256=${hashed}:read`);

  it('authenticates plaintext and hashed secrets, with their scopes', () => {
    expect(authenticate(keys, 'game-token-0123456789')?.name).toBe('game');
    expect([...(authenticate(keys, 'game-token-0123456789')?.scopes ?? [])]).toEqual(['economy', 'scores']);
    expect(authenticate(keys, 'dashboard-token-0123')?.name).toBe('dash');
    expect(authenticate(keys, 'game-token-012345678')).toBeUndefined();
    expect(authenticate(keys, '')).toBeUndefined();
  });

  it.each([
    ['name-only', /name:secret:scopes/],
    ['g:short:read', /at least 16/],
    ['g:long-enough-secret-1:superuser', /unknown scope/],
    ['g:sha256=abc:read', /64 hex/],
    [';', /holds no key/],
  ])('rejects %s', (spec, message) => {
    expect(() => parseApiKeys(spec)).toThrow(message);
  });

  it('refuses every secret .env.example shows, as is or hashed: the api does not start with one', async () => {
    const example = readFileSync(join(__dirname, '../../../../../.env.example'), 'utf8');
    const spec = /^API_KEYS=(.+)$/m.exec(example)![1];
    const entries = spec.split(';');
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) {
      const [name, secret, scopes] = entry.split(':');
      const hash = createHash('sha256').update(secret).digest('hex');
      expect(() => parseApiKeys(entry)).toThrow(`API_KEYS entry ${name}: its secret is the public example`);
      expect(() => parseApiKeys(`${name}:sha256=${hash}:${scopes}`)).toThrow(/public example/);
    }
    const dataDir = mkdtempSync(join(tmpdir(), 'example-keys-'));
    try {
      await expect(createApp({ API_KEYS: spec, DATA_DIR: dataDir, LOG_LEVEL: 'silent' })).rejects.toThrow(
        /public example of \.env\.example/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('generates a development key once, readable by its owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-key-'));
    try {
      const first = developmentKey(dir);
      const second = developmentKey(dir);
      expect(first.created).toBe(true);
      expect(second.created).toBe(false);
      expect(second.key.sha256.equals(first.key.sha256)).toBe(true);
      expect(statSync(first.file).mode & 0o777).toBe(0o600);
      expect(first.key.scopes.has('admin')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
