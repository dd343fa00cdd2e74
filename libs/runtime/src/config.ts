import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

/** Injection token of the validated AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
/** `true`/`false` (any case, also 1/0 and on/off); anything else stays as given and fails validation. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const text = value.trim().toLowerCase();
  return ['true', '1', 'on'].includes(text) ? true : ['false', '0', 'off'].includes(text) ? false : value;
};

/**
 * Every setting the product's processes (api, relay, projector) read, all from the environment
 * (docs/configuration.md). Each process validates the whole set and requires what it needs.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  /** Embedded event store file, generated dev key. */
  @IsString()
  DATA_DIR = './data';

  /** The operator console's built files, served at /console (`npm run build` writes them here). */
  @IsString()
  CONSOLE_DIR = './dist/console';

  /** `name:secret:scope,scope;...` - secret in plaintext or as `sha256=<hex>` (see apps/api/src/http/auth/apiKeys.ts). */
  @IsOptional()
  @IsString()
  API_KEYS?: string = undefined;

  @IsOptional()
  @Matches(/^esdb(\+discover)?:\/\//, { message: 'EVENTSTORE_URL must start with esdb://' })
  EVENTSTORE_URL?: string = undefined;

  @IsOptional()
  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'KAFKA_BROKERS must be host:port[,host:port...]' })
  KAFKA_BROKERS?: string = undefined;

  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGO_URL must start with mongodb://' })
  MONGO_URL?: string = undefined;

  /**
   * Splits each bulk write to MongoDB into calls of at most this many operations. Unset: one call.
   * FerretDB v1 (the MongoDB wire server the tests run against) needs 50: it holds a pooled SQLite
   * connection per matched update until the whole call ends, and its pool has 100.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100000)
  MONGO_MAX_WRITES_PER_CALL?: number = undefined;

  /**
   * How long a MongoDB client waits to find the primary (an election, an outage) before the operation
   * fails: the api then answers 503. Also the limit on opening a connection.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120000)
  MONGO_SERVER_SELECTION_TIMEOUT_MS = 5000;

  /** How long an operation waits for a free connection of the pool before it fails (the api: 503). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(120000)
  MONGO_WAIT_QUEUE_TIMEOUT_MS = 2000;

  /**
   * The longest one MongoDB operation may take: the server's limit on a query (`maxTimeMS`) and a majority
   * write's wait for replication (`wtimeout`); a server that answers nothing fails the operation after
   * twice this. Long scans (the rank cache load, audits, rebuilds) are bounded per batch, not in total.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  MONGO_OPERATION_TIMEOUT_MS = 10000;

  /** Prepended to topic and consumer group names, to share a broker between environments (`staging.`). */
  @Matches(/^[A-Za-z0-9._-]{0,100}$/, {
    message: 'KAFKA_TOPIC_PREFIX may hold only letters, digits, ".", "_" and "-"',
  })
  KAFKA_TOPIC_PREFIX = '';

  /** Partitions of the events topic when the relay creates it; the unit of projector scale-out. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1024)
  KAFKA_PARTITIONS = 6;

  /** A crashed active relay is replaced by a standby after at most this long. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(300000)
  RELAY_LEASE_TTL_MS = 10000;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** How long a query with minPosition waits for the read models before answering 503. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(30000)
  READ_AFTER_WRITE_TIMEOUT_MS = 2000;

  /** Largest accepted request body; commands are small. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1048576)
  BODY_LIMIT_BYTES = 16384;

  /**
   * How long a client has to send a whole request (headers and body) before it gets a 408 and the
   * connection closes: a client trickling bytes holds a connection no longer than this.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  REQUEST_TIMEOUT_MS = 30000;

  /**
   * Whether this api runs the period closer (closes periods, pays rewards, adjudicates); one instance is
   * active at a time whatever this says, through a lease in the event store.
   */
  @Transform(toBool)
  @IsBoolean()
  PERIOD_CLOSER = true;

  /** How long the active period closer's lease lasts without renewal: a standby takes over after it. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(600000)
  PERIOD_CLOSER_LEASE_TTL_MS = 10000;

  /** The window the api's rate limits count requests in. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3600000)
  RATE_LIMIT_WINDOW_MS = 1000;

  /** Requests per window for one API key on the routes of one scope: `scope=n,...` (the rest keep defaults). */
  @IsOptional()
  @Matches(/^\s*[a-z]+=\d{1,9}\s*(,\s*[a-z]+=\d{1,9}\s*)*$/, {
    message: 'RATE_LIMITS must be scope=requests pairs separated by commas (economy=5000,read=10000)',
  })
  RATE_LIMITS?: string = undefined;

  /** Requests per window without a valid API key, per client address. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000000)
  RATE_LIMIT_UNAUTHENTICATED = 20;

  /** Redis for the rate limits' counters, shared by every api instance; unset: counted in each api's memory. */
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must start with redis:// or rediss://' })
  REDIS_URL?: string = undefined;

  /**
   * Proxies whose X-Forwarded-For the api believes for the client address (what per-address rate limits
   * count): their addresses and CIDRs, separated by commas. Unset: the socket's address. A hop count is
   * refused: it cannot tell the proxy from a client that reaches the api directly with a forged header.
   */
  @IsOptional()
  @Matches(/^[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(\/\d{1,3})?(,[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*(\/\d{1,3})?)*$/, {
    message: "TRUST_PROXY must be the proxies' addresses or CIDRs separated by commas (not a hop count)",
  })
  TRUST_PROXY?: string = undefined;

  /**
   * OpenTelemetry: where the api, relay and projectors send their spans over OTLP/HTTP
   * (`http://collector:4318`). Unset: no tracing.
   */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string = undefined;

  /** SQLite durability: FULL fsyncs every commit (default); NORMAL only for benchmarks and tests. */
  @IsIn(['FULL', 'NORMAL'])
  SQLITE_SYNCHRONOUS: 'FULL' | 'NORMAL' = 'FULL';

  /** The api anchors the log (an event in the `audit` stream) once this many events followed the last anchor... */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  AUDIT_ANCHOR_EVERY_EVENTS = 1000;

  /** ...or this long after the last anchor when fewer did (and at least one). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3600000)
  AUDIT_ANCHOR_EVERY_MS = 10000;

  /**
   * A long stream (a player's economy, a player's scores on a board, a tournament's seats, the audit
   * anchors) is snapshotted once this many events followed its last snapshot, so a process meeting it
   * first folds at most about this many events. 0: no snapshots.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000000)
  STREAM_SNAPSHOT_EVERY_EVENTS = 1000;

  /**
   * The in-memory read models are written to a snapshot file once this many events were applied after
   * the last one (and at a graceful shutdown), so a boot loads it and replays only the log after it.
   * 0: no read model snapshots, none loaded either.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000000)
  READ_MODEL_SNAPSHOT_EVERY_EVENTS = 100000;

  /**
   * Embedded mode: a boot with at least this many events to replay into empty in-memory read models builds
   * the read models with few documents in a worker thread while the main thread builds the others.
   * 0: every replay runs on the main thread.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100000000)
  REPLAY_WORKER_MIN_EVENTS = 100000;

  /** The read model snapshot file; unset: `read-models.snapshot` in DATA_DIR, beside the event store. */
  @IsOptional()
  @IsString()
  READ_MODEL_SNAPSHOT_FILE?: string = undefined;

  /**
   * Keys that sign and verify player session tokens: `kid:secret;kid:secret` (secrets of at least 32
   * characters). The first signs; every one verifies, so a new key goes first and the old one stays until
   * the tokens it signed have expired. Unset: a random key per process (tokens then work on that api only).
   */
  @IsOptional()
  @Matches(/^\s*[A-Za-z0-9_-]{1,32}:[^:;\s]{32,}\s*(;\s*[A-Za-z0-9_-]{1,32}:[^:;\s]{32,}\s*)*$/, {
    message: 'SESSION_TOKEN_KEYS must be kid:secret pairs separated by ";" (secrets of 32+ characters)',
  })
  SESSION_TOKEN_KEYS?: string = undefined;

  /** The longest a session token lives (and how long one lives when the minting request does not say). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(86400)
  SESSION_TOKEN_TTL_SECONDS = 900;

  /** Subscriptions one WebSocket connection may hold at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  STREAM_MAX_SUBSCRIPTIONS = 20;

  /** Subscribe messages one connection may send per second (a burst of as many is allowed). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  STREAM_SUBSCRIBES_PER_SECOND = 10;

  /** Changes of the log the stream remembers for resuming subscriptions; older resumes get a snapshot. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000000)
  STREAM_RESUME_EVENTS = 100000;

  /** A connection with more than this many bytes unsent gets conflated updates (latest state wins). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(67108864)
  STREAM_SEND_BUFFER_BYTES = 65536;

  /** A subscription whose conflated update would span more changes than this is closed: too far behind. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000000)
  STREAM_MAX_PENDING_CHANGES = 10000;

  /**
   * The least time between two reads of one stream topic: changes within it merge into the next update
   * (the latest state wins), so a busy board costs its subscribers at most one message per interval. The
   * first change after a quiet interval is read at once; a change that comes sooner waits for up to the
   * interval, which thus bounds how fresh a busy topic's updates can be.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10000)
  STREAM_TOPIC_INTERVAL_MS = 20;

  /** How often the stream pings each connection; one that has not answered the previous ping is dropped. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(600000)
  STREAM_PING_MS = 30000;
}

/** Every setting's name, from the one declaration above (each field has an initializer). */
const CONFIG_KEYS = Object.keys(new AppConfig()) as (keyof AppConfig)[];

/** Validates the environment once at start; a bad value stops the process with every problem listed. */
export function loadConfig(
  env: Record<string, string | undefined>,
  required: readonly (keyof AppConfig)[] = [],
): AppConfig {
  const relevant = Object.fromEntries(
    CONFIG_KEYS.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const config = plainToInstance(AppConfig, relevant);
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length > 0) {
    const lines = errors.flatMap((error) =>
      Object.values(error.constraints ?? {}).map(
        (message) => `  ${error.property}: ${message} (got ${JSON.stringify(error.value)})`,
      ),
    );
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const missing = required.filter((key) => config[key] === undefined);
  if (missing.length > 0) throw new Error(`Invalid configuration: ${missing.join(', ')} must be set`);
  return config;
}
