import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { createApp } from '../../apps/api/src/bootstrap';
import { EVENT_STORE, READ_STORE } from '../../apps/api/src/persistence/tokens';
import { ClusterWorkers, type ClusterServers, clusterDeployment, sharedServers } from './clusterWorkers';

/** One key per role, as a game studio would configure them; the reader's is given in hashed form. */
export const keys = {
  admin: 'admin-secret-0123456789',
  game: 'game-server-secret-0123456789',
  reader: 'reader-secret-0123456789',
  monitoring: 'monitoring-secret-0123456789',
  /** Every scope: the schema-driven fuzzer's. */
  fuzzer: 'fuzzer-secret-0123456789',
  /** Live-ops staff in the console: corrections, definitions, audits and the system page. */
  operator: 'operator-secret-0123456789',
};
/** The API_KEYS of every api the tests start. */
export const testApiKeys = [
  `live-ops:${keys.admin}:admin,read`,
  `game-server:${keys.game}:economy,scores,read`,
  `dashboard:sha256=${createHash('sha256').update(keys.reader).digest('hex')}:read`,
  `prometheus:${keys.monitoring}:metrics`,
  `fuzzer:${keys.fuzzer}:admin,economy,scores,read,audit,metrics,sessions`,
  `operator:${keys.operator}:admin,economy,read,audit,metrics`,
].join(';');

export type Response<T = any> = { status: number; body: T; headers: Headers };

/** Requests to an api over HTTP, with the test keys (an api in this process or a child process). */
export type ApiClient = {
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
};

export type TestApp = ApiClient & {
  url: string;
  dataDir: string;
  events: EventStore;
  /** The read models the API serves from (the in-memory store embedded, MongoDB in cluster mode). */
  readModels: ReadStore;
  /** Events of a stream as stored (the source of truth, not a read model). */
  stream(streamId: string): Promise<RecordedEvent[]>;
  close(): Promise<void>;
};

export function apiClient(url: string): ApiClient {
  const request: ApiClient['request'] = async (method, path, opts = {}) => {
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
    request,
    command: (method, path, body, key = keys.admin, idempotencyKey = randomUUID()) =>
      request(method, path, { body, key, idempotencyKey }),
    query: (path, key = keys.reader) => request('GET', path, { key }),
  };
}

export type StartOptions = {
  /** Reopen this data dir (kept on close); a fresh temporary one otherwise (removed on close). */
  dataDir?: string;
  env?: Record<string, string>;
};

/**
 * The API as the end-to-end specs start it, in the mode the jest project selects: embedded by default
 * (SQLite event store, in-memory read models fed in-process); cluster mode when `E2E_MODE=cluster`
 * (the `cluster` project, test/setup/clusterMode.ts), where the same specs run unchanged.
 */
export function startApp(options: StartOptions = {}): Promise<TestApp> {
  return process.env.E2E_MODE === 'cluster' ? startInClusterMode(options) : startApi(options);
}

/**
 * Cluster mode for one API: a relay and a projector as OS processes on the shared Kafka and FerretDB,
 * the API appending to SQLite and reading MongoDB. The topic prefix and database derive from the data
 * dir, so reopening it (the restart spec) finds the same topics, offsets and read models. Like the
 * embedded API, which answers only once its read models have caught up, this returns only once the
 * workers are ready.
 */
async function startInClusterMode(options: StartOptions): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'api-e2e-cluster-'));
  const deployment = clusterDeployment(clusterServers(), { dataDir, partitions: 2 });
  const workers = await ClusterWorkers.start(deployment, 1);
  let api: TestApp | undefined;
  try {
    api = await startApi({
      dataDir,
      // Generous for FerretDB's slow writes, and still short of the 10 s the 503 spec allows.
      env: { ...deployment.env, READ_AFTER_WRITE_TIMEOUT_MS: '5000', ...options.env },
    });
    await workers.ready();
  } catch (error) {
    await api?.close();
    await workers.stop();
    throw error;
  }
  const started = api;
  return {
    ...started,
    close: async () => {
      await started.close();
      await workers.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Cluster mode needs the servers global setup started: never fall back to embedded without them. */
function clusterServers(): ClusterServers {
  const shared = sharedServers();
  if ('missing' in shared) throw new Error(`E2E_MODE=cluster needs Kafka and FerretDB: ${shared.missing}`);
  return shared.servers;
}

/** The API in this process with exactly the given environment, whatever mode that selects. */
export async function startApi(options: StartOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'api-e2e-'));
  const { app } = await createApp({
    DATA_DIR: dataDir,
    API_KEYS: testApiKeys,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...options.env,
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const events = app.get<EventStore>(EVENT_STORE);

  return {
    ...apiClient(url),
    url,
    dataDir,
    events,
    readModels: app.get<ReadStore>(READ_STORE),
    stream: (streamId) => events.readStream(streamId),
    close: async () => {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const problemType = (response: { body?: any }) => response.body?.type as string | undefined;
