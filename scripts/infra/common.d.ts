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
