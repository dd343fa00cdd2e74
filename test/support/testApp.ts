import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '@app/event-store';
import { createApp } from '../../apps/api/src/bootstrap';
import { EVENT_STORE } from '../../apps/api/src/infrastructure/tokens';

/** One key per role, as a game studio would configure them; the reader's is given in hashed form. */
export const keys = {
  admin: 'admin-secret-0123456789',
  game: 'game-server-secret-0123456789',
  reader: 'reader-secret-0123456789',
};
const API_KEYS = [
  `live-ops:${keys.admin}:admin,read`,
  `game-server:${keys.game}:economy,scores,read`,
  `dashboard:sha256=${createHash('sha256').update(keys.reader).digest('hex')}:read`,
].join(';');

export type Response<T = any> = { status: number; body: T; headers: Headers };

export type TestApp = {
  url: string;
  dataDir: string;
  events: EventStore;
  /** Events of a stream as stored (the source of truth, not a read model). */
  stream(streamId: string): Promise<RecordedEvent[]>;
  request<T = any>(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      key?: string | null;
      idempotencyKey?: string | null;
      headers?: Record<string, string>;
      raw?: string;
    },
  ): Promise<Response<T>>;
  /** A command with a fresh Idempotency-Key unless one is given. */
  command<T = any>(
    method: string,
    path: string,
    body: unknown,
    key?: string,
    idempotencyKey?: string,
  ): Promise<Response<T>>;
  query<T = any>(path: string, key?: string): Promise<Response<T>>;
  close(): Promise<void>;
};

export async function startApp(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'api-e2e-'));
  const { app } = await createApp({
    DATA_DIR: dataDir,
    API_KEYS,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...options.env,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const events = app.get<EventStore>(EVENT_STORE);

  const request: TestApp['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? keys.admin : opts.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    let payload: string | undefined = opts.raw;
    if (opts.body !== undefined) payload = JSON.stringify(opts.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(url + path, { method, headers, body: payload });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  return {
    url,
    dataDir,
    events,
    stream: (streamId) => events.readStream(streamId),
    request,
    command: (method, path, body, key = keys.admin, idempotencyKey = randomUUID()) =>
      request(method, path, { body, key, idempotencyKey }),
    query: (path, key = keys.reader) => request('GET', path, { key }),
    close: async () => {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const problemType = (response: { body?: any }) => response.body?.type as string | undefined;
