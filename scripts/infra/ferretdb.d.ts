/** Types of ferretdb.js for the TypeScript suites that start their own FerretDB. */
export type FerretDbServer = {
  /** `mongodb://127.0.0.1:PORT/` */
  url: string;
  pid: number;
  dataDir: string;
  describe(): { url: string; pid: number; dataDir: string; logFile: string };
  /** Stops the server, keeping its data dir. */
  stop(): Promise<void>;
  /** Stops the server and removes its data dir. */
  destroy(): Promise<void>;
};

export const FERRETDB_VERSION: string;
/** Why FerretDB cannot be provisioned here (no binary and no Go), or undefined when it can. */
export function ferretDbUnavailable(): string | undefined;
export function provisionFerretDb(): string;
export function startFerretDb(options?: { dataDir?: string; port?: number }): Promise<FerretDbServer>;
