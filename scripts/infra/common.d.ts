/** Types of the parts of common.js that the TypeScript suites and benchmarks see. */

/** A server started by `startServer`: how to reach it (`Address`), its process and its data. */
export type ServerHandle<Address extends Record<string, string>> = Address & {
  pid: number;
  dataDir: string;
  describe(): Address & { pid: number; dataDir: string; logFile: string };
  /** Stops the server, keeping its data dir: a start on the same dataDir resumes it (same ports). */
  stop(): Promise<void>;
  /** Stops the server and removes its data dir. */
  destroy(): Promise<void>;
};

/** A port the OS says is free right now on 127.0.0.1. */
export function freePort(): Promise<number>;

/** Polls `probe` until it resolves truthy; rejects with the last failure after `timeoutMs` (60 s). */
export function waitFor(
  what: string,
  probe: () => unknown,
  options?: { timeoutMs?: number; intervalMs?: number; alive?: () => boolean },
): Promise<void>;
