import type { ServerHandle } from './common';

/** Types of redis.js for the TypeScript suites that start their own Redis. */

/** `url` is `redis://127.0.0.1:PORT`. */
export type RedisServer = ServerHandle<{ url: string }>;

/** Why Redis cannot be provisioned here, or undefined when it can. */
export function redisUnavailable(): string | undefined;
export function provisionRedis(): string;
export function startRedis(options?: { dataDir?: string; port?: number }): Promise<RedisServer>;
