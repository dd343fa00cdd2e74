/**
 * The environment of an api a benchmark runs in its own process: its data and keys, its logs quiet, its
 * rate limits counted as in production but never reached (the load generators measure throughput).
 */
export const benchApiEnv = (dataDir: string, apiKeys: string): Record<string, string | undefined> => ({
  ...process.env,
  DATA_DIR: dataDir,
  API_KEYS: apiKeys,
  LOG_LEVEL: 'warn',
  RATE_LIMITS: 'admin=999999999,economy=999999999,scores=999999999,read=999999999',
});

/** The URL of a server listening on loopback, from its bound address. */
export const loopbackUrl = (bound: unknown): string => `http://127.0.0.1:${(bound as { port: number }).port}`;
