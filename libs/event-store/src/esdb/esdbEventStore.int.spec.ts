import type { Readable } from 'node:stream';
import { eventStoreContract } from '@test/support/eventStoreContract';
import { snapshotStoreContract } from '@test/support/snapshotStoreContract';
import { type EsdbClient, type EsdbConnection, connect } from './esdbClient';
import { EsdbEventStore } from './esdbEventStore';

const url = process.env.EVENTSTORE_URL;

/** A real client whose reads count the events the adapter takes from them. */
const counting = (connectionString: string): { connection: EsdbConnection; eventsRead: () => number } => {
  const { client, serverVersion } = connect(connectionString);
  let taken = 0;
  const count = <S extends Readable>(stream: S): S => {
    const read = stream.read.bind(stream);
    stream.read = (size?: number) => {
      const value: unknown = read(size);
      if (value !== null) taken++;
      return value;
    };
    return stream;
  };
  // The client keeps its state in private fields: every other method is called on the client itself.
  const wrapped: EsdbClient = {
    readStream: (...args) => count(client.readStream(...args)),
    readAll: (...args) => count(client.readAll(...args)),
    appendToStream: (...args) => client.appendToStream(...args),
    subscribeToAll: (...args) => client.subscribeToAll(...args),
    setStreamMetadata: (...args) => client.setStreamMetadata(...args),
    deleteStream: (...args) => client.deleteStream(...args),
    dispose: () => client.dispose(),
  };
  return {
    connection: { client: wrapped, serverVersion },
    eventsRead: () => taken,
  };
};

if (url) {
  let probe: ReturnType<typeof counting>;
  eventStoreContract(
    `EventStoreDB at ${url}`,
    async () => {
      probe = counting(url);
      return new EsdbEventStore(probe.connection);
    },
    { eventsRead: () => probe.eventsRead() },
  );
  snapshotStoreContract(`EventStoreDB at ${url}`, async () => new EsdbEventStore(url));
} else {
  // No EventStoreDB server can be provisioned on the build machines (no registry ships one).
  // Straight to stderr: jest drops the console output of a suite whose tests are all skipped.
  process.stderr.write(
    'SKIPPED: EventStoreDB event and snapshot store contract suites - EVENTSTORE_URL is not set; set EVENTSTORE_URL=esdb://host:2113?tls=false to run it\n',
  );
  describe.skip('event store contract: EventStoreDB (EVENTSTORE_URL not set)', () => {
    it('runs only against a live server', () => undefined);
  });
}
