/**
 * Cluster mode as OS processes on one machine, all on 127.0.0.1: Kafka and FerretDB (provisioned by
 * scripts/infra on first use, or the ones KAFKA_BROKERS / MONGO_URL name), two apis on two ports over one
 * SQLite event store, one relay and two projectors.
 *
 *   npm run topology [-- --apis 2 --projectors 2 --partitions 6 --base-port 3000 --data-dir DIR --keep]
 *
 * Prints what runs where (urls, ports, pids, logs, the data dir and the API key to use), stays in the
 * foreground until Ctrl-C or SIGTERM, then stops every process and server it started and removes its
 * temporary data dir (`--keep` leaves it). The data dir holds the event store, the logs and the data of
 * the Kafka and FerretDB started here, so `--data-dir DIR` starts on it again where it stopped.
 * test/topology.e2e.spec.ts runs this same `startTopology`.
 */
import { SqliteEventStore } from '@app/event-store/sqlite';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, waitFor } from './infra/common';
import { FERRETDB_CLIENT_ENV, type FerretDbServer, startFerretDb } from './infra/ferretdb';
import { type KafkaServer, startKafka } from './infra/kafka';
import { type WorkerApp, WorkerProcess } from './workerProcess';

export type TopologyOptions = {
  /** `host:port[,...]` of a running Kafka; otherwise one is started (and stopped) here. */
  brokers?: string;
  /** `mongodb://host:port/[db]` of a running MongoDB; otherwise a FerretDB is started here. */
  mongoUrl?: string;
  apis?: number;
  projectors?: number;
  /** KAFKA_PARTITIONS: the apis, relay and projectors must agree. */
  partitions?: number;
  /** API_KEYS for the apis; otherwise one key with every scope is generated. */
  apiKeys?: string;
  /** Event store, logs, own servers' data; kept at stop. A fresh temp dir otherwise (removed unless `keep`). */
  dataDir?: string;
  /** Leave the temp data dir behind at stop. */
  keep?: boolean;
  /** Ports basePort, basePort+1, ... in the order apis, relay, projectors; free ports otherwise. */
  basePort?: number;
  /** Defaults: none on a Kafka started here, `topology-<id>.` on a given one (which others may share). */
  topicPrefix?: string;
  /** Used when mongoUrl names no database. Defaults: `game` on a FerretDB started here, `topology_<id>` otherwise. */
  database?: string;
  /** More settings for every process (LOG_LEVEL, READ_AFTER_WRITE_TIMEOUT_MS, ...). */
  env?: Record<string, string>;
  /** How long the processes may take to answer /health (they compile from source at start). */
  healthTimeoutMs?: number;
  log?: (line: string) => void;
  /** A process exited while the topology was not stopping. */
  onUnexpectedExit?: (process: TopologyProcess, code: number | null, signal: NodeJS.Signals | null) => void;
};

export type TopologyProcess = {
  /** `api-1`, `relay`, `projector-2`, ... */
  name: string;
  app: WorkerApp;
  port: number;
  url: string;
  logFile: string;
  worker: WorkerProcess;
};

export type Topology = {
  apis: TopologyProcess[];
  relay: TopologyProcess;
  projectors: TopologyProcess[];
  processes: TopologyProcess[];
  brokers: string;
  /** With the database, as the processes got it. */
  mongoUrl: string;
  topicPrefix: string;
  partitions: number;
  dataDir: string;
  /** The API_KEYS the apis run with. */
  apiKeys: string;
  /** The bearer token of the generated key (every scope); absent when API_KEYS were given. */
  apiKey?: string;
  /** Kafka and FerretDB when started here (not when given). */
  servers: { kafka?: KafkaServer; ferretdb?: FerretDbServer };
  /** What runs where, as a table for a terminal. */
  describe(): string;
  /** Stops every process, then the servers started here; removes a temp data dir unless `keep`. Idempotent. */
  stop(): Promise<void>;
};

const SCOPES = 'admin,economy,scores,read,audit';

/** Appends `database` to a MongoDB URL that names none (`mongodb://host:port/` or without the slash). */
export const withDatabase = (url: string, database: string): string => {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(url);
  if (!match) throw new Error(`not a MongoDB URL: ${url}`);
  const [, hosts, named, query = ''] = match;
  return named ? url : `${hosts}/${database}${query}`;
};

const isHealthy = async (url: string): Promise<boolean> => (await fetch(`${url}/health`)).status === 200;

/**
 * Starts the topology and resolves once every process answers /health with 200. Whatever started is
 * stopped again when a later step fails.
 */
export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const log = options.log ?? (() => undefined);
  const id = randomBytes(4).toString('hex');
  const undo: (() => Promise<unknown>)[] = [];
  const undoAll = async () => {
    for (let step = undo.pop(); step; step = undo.pop()) await step().catch(() => undefined);
  };

  try {
    // 1. The data dir: event store, logs, and the data of the servers started here, so that a start on
    // the same dir (`--data-dir`) resumes all of it.
    const ownDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'topology-'));
    if (ownDataDir && !options.keep) undo.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    mkdirSync(join(dataDir, 'logs'), { recursive: true });

    // 2. Servers: the given ones, or Kafka and FerretDB of our own (both settle before a failure is thrown).
    const startOwn = async <S extends KafkaServer | FerretDbServer>(
      name: string,
      start: (options: { dataDir: string }) => Promise<S>,
    ) => {
      const server = await start({ dataDir: join(dataDir, name.toLowerCase()) });
      undo.push(() => server.stop());
      log(`started ${name} (pid ${server.pid})`);
      return server;
    };
    const [kafka, ferretdb] = await Promise.allSettled([
      options.brokers === undefined ? startOwn('Kafka', startKafka) : undefined,
      options.mongoUrl === undefined ? startOwn('FerretDB', startFerretDb) : undefined,
    ]);
    if (kafka.status === 'rejected') throw kafka.reason;
    if (ferretdb.status === 'rejected') throw ferretdb.reason;
    const servers: Topology['servers'] = { kafka: kafka.value, ferretdb: ferretdb.value };
    const brokers = options.brokers ?? kafka.value!.brokers;
    const topicPrefix = options.topicPrefix ?? (servers.kafka ? '' : `topology-${id}.`);
    const mongoUrl = withDatabase(
      options.mongoUrl ?? ferretdb.value!.url,
      options.database ?? (servers.ferretdb ? 'game' : `topology_${id}`),
    );
    // The event store's schema in place before several processes open it at once.
    await new SqliteEventStore(join(dataDir, 'events.db')).close();

    // 3. The processes: one environment, a port each.
    const apiKey = options.apiKeys ? undefined : `tk_${randomBytes(24).toString('base64url')}`;
    const apiKeys = options.apiKeys ?? `topology:${apiKey}:${SCOPES}`;
    const partitions = options.partitions ?? 6;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEYS: apiKeys,
      KAFKA_BROKERS: brokers,
      MONGO_URL: mongoUrl,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_PARTITIONS: String(partitions),
      LOG_LEVEL: 'info',
      ...(servers.ferretdb ? FERRETDB_CLIENT_ENV : {}),
      ...options.env,
    };
    const names: [WorkerApp, string][] = [
      ...Array.from({ length: options.apis ?? 2 }, (_, i): [WorkerApp, string] => ['api', `api-${i + 1}`]),
      ['relay', 'relay'],
      ...Array.from({ length: options.projectors ?? 2 }, (_, i): [WorkerApp, string] => [
        'projector',
        `projector-${i + 1}`,
      ]),
    ];
    let stopping = false;
    const processes: TopologyProcess[] = [];
    for (const [i, [app, name]] of names.entries()) {
      const port = options.basePort === undefined ? await freePort() : options.basePort + i;
      const logFile = join(dataDir, 'logs', `${name}.log`);
      const entry: TopologyProcess = {
        name,
        app,
        port,
        url: `http://127.0.0.1:${port}`,
        logFile,
        worker: new WorkerProcess(
          app,
          { ...env, PORT: String(port) },
          {
            logFile,
            onExit: (code, signal) => {
              if (!stopping) options.onUnexpectedExit?.(entry, code, signal);
            },
          },
        ),
      };
      processes.push(entry);
    }
    const stopProcesses = async () => {
      stopping = true;
      await Promise.all(processes.map(({ worker }) => worker.close()));
    };
    undo.push(stopProcesses);

    // 4. Start them all at once and wait until each answers /health.
    for (const { worker } of processes) worker.start();
    log(`started ${processes.map(({ name, worker }) => `${name} (pid ${worker.pid})`).join(', ')}`);
    await Promise.all(
      processes.map(({ name, url, worker }) =>
        waitFor(`${name} at ${url}/health`, () => isHealthy(url), {
          timeoutMs: options.healthTimeoutMs ?? 180_000,
          intervalMs: 500,
          alive: () => worker.running,
        }).catch((error: Error) => {
          throw new Error(`${error.message}\n--- ${name} output ---\n${worker.output.slice(-3000)}`);
        }),
      ),
    );

    const topology: Topology = {
      apis: processes.filter(({ app }) => app === 'api'),
      relay: processes.find(({ app }) => app === 'relay')!,
      projectors: processes.filter(({ app }) => app === 'projector'),
      processes,
      brokers,
      mongoUrl,
      topicPrefix,
      partitions,
      dataDir,
      apiKeys,
      apiKey,
      servers,
      describe: () => describeTopology(topology, { keep: options.keep || !ownDataDir }),
      stop: async () => {
        await undoAll();
      },
    };
    return topology;
  } catch (error) {
    await undoAll();
    throw error;
  }
}

function describeTopology(topology: Topology, { keep }: { keep: boolean }): string {
  const { kafka, ferretdb } = topology.servers;
  const rows: string[][] = [
    ['process', 'address', 'pid', 'log'],
    ...topology.processes.map(({ name, url, worker, logFile }) => [name, url, String(worker.pid), logFile]),
    ['kafka', topology.brokers, kafka ? String(kafka.pid) : 'given', kafka ? kafka.describe().logFile : ''],
    [
      'mongodb',
      topology.mongoUrl,
      ferretdb ? `${ferretdb.pid}` : 'given',
      ferretdb ? `${ferretdb.describe().logFile} (FerretDB)` : '',
    ],
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
  const api = topology.apis[0];
  const holds = ['events.db', 'logs/', ...(kafka ? ['kafka/'] : []), ...(ferretdb ? ['ferretdb/'] : [])];
  return [
    ...table,
    '',
    `data dir      ${topology.dataDir} (${holds.join(', ')})${keep ? '' : ', removed at stop'}`,
    `topics        ${topology.topicPrefix}game.events, ${topology.partitions} partitions`,
    topology.apiKey
      ? `api key       ${topology.apiKey} (scopes ${SCOPES})`
      : 'api key       one of the API_KEYS given',
    `try           curl -H "Authorization: Bearer ${topology.apiKey ?? '<key>'}" ${api.url}/v1/catalog/items`,
    `metrics       ${topology.relay.url}/metrics, ${topology.projectors.map(({ url }) => `${url}/metrics`).join(', ')}`,
  ].join('\n');
}

const positiveInt = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer (got ${value})`);
  return n;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      apis: { type: 'string' },
      projectors: { type: 'string' },
      partitions: { type: 'string' },
      'base-port': { type: 'string' },
      'data-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'log-level': { type: 'string' },
    },
  });
  const log = (line: string) =>
    process.stderr.write(`[topology ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  // Ctrl-C while starting reaches the apps too (one process group): startTopology then fails and undoes
  // what it started; a SIGTERM to this process alone lets the start finish, then stops everything.
  let signalled: NodeJS.Signals | undefined;
  let topology: Topology | undefined;
  const stop = async (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    await topology!.stop();
    log(values.keep || values['data-dir'] ? `stopped; data kept in ${topology!.dataDir}` : 'stopped');
    process.exit(0);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    if (topology) void stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    topology = await startTopology({
      brokers: process.env.KAFKA_BROKERS || undefined,
      mongoUrl: process.env.MONGO_URL || undefined,
      apiKeys: process.env.API_KEYS || undefined,
      apis: positiveInt('apis', values.apis),
      projectors: positiveInt('projectors', values.projectors),
      partitions: positiveInt('partitions', values.partitions),
      basePort: positiveInt('base-port', values['base-port']),
      dataDir: values['data-dir'],
      keep: values.keep,
      env: values['log-level'] ? { LOG_LEVEL: values['log-level'] } : undefined,
      log,
      onUnexpectedExit: ({ name, logFile }, code, signal) =>
        log(`${name} exited (${signal ?? `code ${code}`}); see ${logFile}`),
    });
  } catch (error) {
    if (!signalled) throw error;
    log(`${signalled}: start abandoned, everything it started is stopped`);
    process.exit(130);
  }
  if (signalled) return stop(signalled);
  process.stdout.write(`${topology.describe()}\n\nrunning; Ctrl-C stops everything\n`);
  // Stay up until a signal, even if every process has exited (the servers started here still run).
  setInterval(() => undefined, 60_000);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
