import type { ServerHandle } from './common';

/** Types of ferretdb.js for the TypeScript suites that start their own FerretDB. */

/** `url` is `mongodb://127.0.0.1:PORT/`. */
export type FerretDbServer = ServerHandle<{ url: string }>;

export const FERRETDB_VERSION: string;
/** Most operations per bulk-write call a FerretDB v1 client may send (see ferretdb.js). */
export const FERRETDB_WRITES_PER_CALL: number;
/** The same, as the apps' environment. */
export const FERRETDB_CLIENT_ENV: { MONGO_MAX_WRITES_PER_CALL: string };
/** Why FerretDB cannot be provisioned here (no binary and no Go), or undefined when it can. */
export function ferretDbUnavailable(): string | undefined;
export function provisionFerretDb(): string;
export function startFerretDb(options?: { dataDir?: string; port?: number }): Promise<FerretDbServer>;
