import { EventStoreDBClient, type StreamingRead } from '@eventstore/db-client';

/** The part of the client the adapter uses: what a recording fake implements in the unit tests. */
export type EsdbClient = Pick<
  EventStoreDBClient,
  | 'appendToStream'
  | 'readStream'
  | 'readAll'
  | 'subscribeToAll'
  | 'setStreamMetadata'
  | 'deleteStream'
  | 'dispose'
>;

/** A client and how to ask its server's version ("24.10.0.1234"; "unknown" when it does not say). */
export type EsdbConnection = { client: EsdbClient; serverVersion: () => Promise<string> };

/**
 * The client of 6.2.1 asks the server's features (its version among them) once per connection, through a
 * protected getter; the version is not otherwise exposed.
 */
export const connect = (connectionString: string): EsdbConnection => {
  const client = EventStoreDBClient.connectionString`${connectionString}`;
  const features = client as unknown as { capabilities: Promise<{ serverVersion: string }> };
  return { client, serverVersion: async () => (await features.capabilities).serverVersion };
};

/**
 * Positions read from streams are those of $all only from 22.10 (earlier servers answer the prepare
 * position of the transaction, or none): older servers are refused.
 */
export const MIN_SERVER_VERSION: readonly [number, number] = [22, 10];

export class UnsupportedServerError extends Error {
  constructor(readonly serverVersion: string) {
    super(
      `EventStoreDB ${serverVersion} is not supported: the adapter needs ${MIN_SERVER_VERSION.join('.')} or later`,
    );
    this.name = 'UnsupportedServerError';
  }
}

/** Whether a server version ("24.10.0.1234", "23.10.1-rc"...) is at least MIN_SERVER_VERSION. */
export const supportedVersion = (version: string): boolean => {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major > MIN_SERVER_VERSION[0] || (major === MIN_SERVER_VERSION[0] && minor >= MIN_SERVER_VERSION[1]);
};

/** A read that did not end within its deadline: it was cancelled. */
export class ReadTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly deadlineMs: number,
  ) {
    super(`EventStoreDB read of ${what} did not end within ${deadlineMs} ms`);
    this.name = 'ReadTimeoutError';
  }
}

/**
 * Consumes a read until it ends, `take` returns false, or the deadline passes, and closes the call on every
 * path. Needed because in 6.2.1 a read's `deadline` option is ignored (reads are made with an infinite
 * deadline), and leaving a `for await` early destroys the client's Transform but only pauses the gRPC
 * call under it: `cancel()` cancels the call, `destroy()` ends the Transform so nothing waits on it.
 */
export const drain = async <E>(
  read: StreamingRead<E>,
  what: string,
  deadlineMs: number,
  take: (event: E) => boolean,
): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadTimeoutError(what, deadlineMs)), deadlineMs);
  });
  const consumed = (async () => {
    for await (const event of read as AsyncIterable<E>) if (!take(event)) return;
  })();
  try {
    await Promise.race([consumed, timedOut]);
  } finally {
    clearTimeout(timer);
    consumed.catch(() => undefined);
    await read.cancel().catch(() => undefined);
    read.destroy();
  }
};
