import Ajv from 'ajv';
import draft7MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { parseApiKeys } from '../apps/api/src/http/auth/apiKeys';
import { apiNodeFlags } from '@test/support/workers';
import { AppConfig, loadConfig } from '../libs/runtime/src/config';

/**
 * The deployment files cannot run on the build machines (no Docker engine), so this checks what can be
 * checked without one: docker-compose.yml is a valid Compose file (the Compose Specification's JSON
 * schema, as shipped by dclint), it has the topology the cluster needs, and every app gets only settings
 * libs/runtime/src/config.ts knows, with values that pass its validation.
 */

const root = resolve(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  user?: string;
  environment?: Record<string, string | number | boolean | null>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  ports?: string[];
  volumes?: string[];
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

// YAML merge keys (`<<: *app`) are YAML 1.1, which Compose reads; the yaml package needs them switched on.
const composeDocument = parseDocument(read('docker-compose.yml'), { merge: true });
const compose = composeDocument.toJS() as Compose;
const services = compose.services;

const APPS = { api: 'api', relay: 'relay', projector: 'projector' } as const;
const nestProjects = (
  JSON.parse(read('nest-cli.json')) as { projects: Record<string, { entryFile: string }> }
).projects;
const appServices = Object.keys(APPS) as (keyof typeof APPS)[];
const commandOf = (app: keyof typeof APPS) => [
  'node',
  ...(app === 'api' ? apiNodeFlags() : []),
  `dist/apps/${APPS[app]}/src/main.js`,
];

const composeSchemaValidator = () => {
  const schemaFile = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
  // strictTypes only lints the upstream schema's style (union types); unknown keywords still fail.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  // The schema names its meta-schema by the https URL; Ajv ships draft-07 under the http one.
  ajv.addMetaSchema({ ...draft7MetaSchema, $id: schema.$schema });
  return ajv.compile(schema);
};

/** `.env.example` as docker compose reads `.env`: KEY=value lines, # comments. */
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

/** Compose interpolation for `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, from .env.example. */
const interpolate = (value: string): string =>
  value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const given = envExample[name];
    if (given !== undefined && given !== '') return given;
    if (kind === '-') return rest ?? '';
    throw new Error(`${name} is required by docker-compose.yml but .env.example does not set it`);
  });

const environmentOf = (service: Service): Record<string, string> =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      interpolate(value === null ? '' : String(value)),
    ]),
  );

/**
 * Every key AppConfig declares (config.ts does not export its key list). Object.keys(new AppConfig())
 * lists the optional fields (API_KEYS, the URLs) only where class fields have define semantics, as jest's
 * ES2022 swc output does; their class-validator decorators list every field whatever the compiler.
 */
const configKeys = new Set([
  ...Object.keys(new AppConfig()),
  ...getMetadataStorage()
    .getTargetValidationMetadatas(AppConfig, '', true, false)
    .map((metadata) => metadata.propertyName),
]);

/** The final stage of the Dockerfile: what every app container runs as. */
const dockerfile = read('Dockerfile');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const instructions = (text: string, name: string) =>
  text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());

describe('docker-compose.yml', () => {
  it('is valid YAML without warnings', () => {
    expect(composeDocument.errors).toEqual([]);
    expect(composeDocument.warnings).toEqual([]);
  });

  it('is valid against the Compose Specification schema', () => {
    const validate = composeSchemaValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check would catch a mistake', () => {
    const validate = composeSchemaValidator();
    const broken = structuredClone(compose);
    (broken.services.api.deploy as Record<string, unknown>) = { replica: 2 };
    expect(validate(broken)).toBe(false);
  });

  it('runs the event store, broker, database, load balancer and the three apps', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'eventstore', 'kafka', 'mongo', 'nginx', 'projector', 'redis', 'relay'].sort(),
    );
    expect(services.eventstore.image).toMatch(/^eventstore\/eventstore:/);
    expect(services.kafka.image).toBe('apache/kafka:3.9.1');
    expect(services.mongo.image).toBe('mongo:7');
    expect(services.nginx.image).toMatch(/^nginx:/);
  });

  it('scales the api and the projector to 2 and runs 1 relay', () => {
    expect(services.api.deploy?.replicas).toBe(2);
    expect(services.projector.deploy?.replicas).toBe(2);
    expect(services.relay.deploy?.replicas ?? 1).toBe(1);
  });

  it('builds one image from the Dockerfile for every app, the command choosing the app', () => {
    const [first, ...others] = appServices.map((app) => services[app]);
    expect(first.build).toBeDefined();
    expect(first.image).toBeDefined();
    for (const service of others) {
      expect(service.build).toEqual(first.build);
      expect(service.image).toEqual(first.image);
    }
    for (const app of appServices) {
      expect(services[app].command).toEqual(commandOf(app));
      // The entry file nest-cli.json declares for the app is what `nest build` compiles there.
      expect(`dist/${nestProjects[APPS[app]].entryFile}.js`).toBe(`dist/apps/${APPS[app]}/src/main.js`);
    }
  });

  it('runs no app as root', () => {
    const users = instructions(finalStage, 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    for (const app of appServices) {
      expect(services[app].user ?? 'node').not.toMatch(/^(root|0)(:|$)/);
    }
  });

  it('sets only settings config.ts knows, with values it accepts', () => {
    // Both sources are read: fields with a default and the optional ones.
    expect([...configKeys]).toEqual(
      expect.arrayContaining(['PORT', 'API_KEYS', 'EVENTSTORE_URL', 'MONGO_URL']),
    );
    for (const app of appServices) {
      const env = environmentOf(services[app]);
      expect({ app, unknown: Object.keys(env).filter((key) => !configKeys.has(key)) }).toEqual({
        app,
        unknown: [],
      });
      // Cluster mode for every app: an app without one of these URLs would silently run embedded.
      const config = loadConfig(env, ['EVENTSTORE_URL', 'KAFKA_BROKERS', 'MONGO_URL']);
      expect(config.HOST).toBe('0.0.0.0');
    }
  });

  it('gives the apps one Kafka topology, so the api reads the checkpoints the projectors write', () => {
    const shared = ['EVENTSTORE_URL', 'KAFKA_BROKERS', 'KAFKA_PARTITIONS', 'KAFKA_TOPIC_PREFIX', 'MONGO_URL'];
    const [first, ...others] = appServices.map((app) => environmentOf(services[app]));
    for (const env of others) {
      for (const key of shared) expect([key, env[key]]).toEqual([key, first[key]]);
    }
    expect(first.KAFKA_PARTITIONS).toBe('6');
  });

  it('points the apps at the compose services on their ports', () => {
    const env = environmentOf(services.api);
    expect(env.EVENTSTORE_URL).toBe('esdb://eventstore:2113?tls=false');
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(new URL(env.MONGO_URL).host).toBe('mongo:27017');
    expect(new URL(env.REDIS_URL).host).toBe('redis:6379');
    expect(services.redis.image).toMatch(/^redis:/);
    const kafka = environmentOf(services.kafka);
    expect(kafka.KAFKA_ADVERTISED_LISTENERS.split(',')).toContain('PLAINTEXT://kafka:9092');
  });

  it('gives the api keys from the environment, and the documented example parses', () => {
    expect(String(services.api.environment?.API_KEYS)).toMatch(/^\$\{API_KEYS:\?/);
    const keys = parseApiKeys(environmentOf(services.api).API_KEYS);
    expect(keys.map((key) => [...key.scopes].sort())).toEqual([
      ['admin', 'audit', 'economy', 'read', 'scores'],
    ]);
  });

  it('configures Kafka as a single KRaft node that creates no topic by itself', () => {
    const kafka = environmentOf(services.kafka);
    expect(kafka.KAFKA_PROCESS_ROLES.split(',').sort()).toEqual(['broker', 'controller']);
    expect(kafka.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(kafka.KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS).toBe('0');
  });

  it('runs MongoDB as the replica set the apps name, initiated by its health check', () => {
    expect(services.mongo.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(new URL(environmentOf(services.api).MONGO_URL).searchParams.get('replicaSet')).toBe('rs0');
    expect(JSON.stringify(services.mongo.healthcheck?.test)).toContain('rs.initiate(');
  });

  it('runs EventStoreDB insecure with the system projections the correlation ids need', () => {
    const eventstore = environmentOf(services.eventstore);
    expect(eventstore.EVENTSTORE_INSECURE).toBe('true');
    expect(eventstore.EVENTSTORE_RUN_PROJECTIONS).toBe('All');
    expect(eventstore.EVENTSTORE_START_STANDARD_PROJECTIONS).toBe('true');
  });

  it('starts each service after what it needs is healthy', () => {
    const hasHealthcheck = (name: string) =>
      services[name].healthcheck !== undefined ||
      (services[name].build !== undefined && instructions(finalStage, 'HEALTHCHECK').length > 0);
    const edges = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.depends_on ?? {}).map(([target, { condition }]) => ({
        name,
        target,
        condition,
      })),
    );
    expect(edges.length).toBeGreaterThan(0);
    for (const edge of edges) {
      expect(edge).toEqual({ ...edge, condition: 'service_healthy' });
      expect([edge.target, hasHealthcheck(edge.target)]).toEqual([edge.target, true]);
    }
    expect(Object.keys(services.api.depends_on ?? {}).sort()).toEqual(['eventstore', 'mongo', 'redis']);
    expect(Object.keys(services.relay.depends_on ?? {}).sort()).toEqual(['eventstore', 'kafka']);
    expect(Object.keys(services.projector.depends_on ?? {}).sort()).toEqual(['kafka', 'mongo']);
    expect(Object.keys(services.nginx.depends_on ?? {})).toEqual(['api']);
  });

  it('publishes only nginx for HTTP, and declares every named volume it uses', () => {
    for (const app of appServices) expect(services[app].ports).toBeUndefined();
    expect(services.nginx.ports).toEqual(['127.0.0.1:8080:8080']);
    const named = Object.values(services)
      .flatMap((service) => service.volumes ?? [])
      .map((volume) => volume.split(':')[0])
      .filter((source) => !source.startsWith('.') && !source.startsWith('/'));
    for (const volume of named) expect(Object.keys(compose.volumes ?? {})).toContain(volume);
  });
});

describe('deploy/nginx.conf', () => {
  const conf = read('deploy/nginx.conf');

  it('is the file the nginx service mounts', () => {
    expect(services.nginx.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('balances over the api service on port 3000 and listens where compose publishes', () => {
    expect(conf).toMatch(/upstream api \{[^}]*server api:3000\b[^}]*\}/);
    expect(conf).toMatch(/proxy_pass http:\/\/api;/);
    expect(conf).toMatch(/listen 8080;/);
    expect(environmentOf(services.api).PORT).toBe('3000');
  });

  it('passes the correlation id and the credentials through', () => {
    expect(conf).toMatch(/proxy_set_header X-Correlation-Id \$correlation_id;/);
    expect(conf).toMatch(/proxy_set_header Authorization \$http_authorization;/);
  });
});

describe('Dockerfile', () => {
  it('compiles in a build stage and runs from a production-only stage', () => {
    expect(instructions(dockerfile, 'FROM').length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npx nest build api/);
    expect(finalStage).toMatch(/npm ci --omit=dev/);
    expect(finalStage).toMatch(/NODE_ENV=production/);
    expect(finalStage).toMatch(/better_sqlite3\.node/);
    expect(instructions(finalStage, 'EXPOSE')).toEqual(['3000']);
    // The image's default command is the api's, with the flags npm start gives it.
    expect(apiNodeFlags()).toEqual(['--min-semi-space-size=64', '--max-semi-space-size=64']);
    expect(JSON.parse(read('package.json')).scripts.start).toMatch(
      /\bnode \$npm_package_config_apiNodeFlags dist\/apps\/api\/src\/main\.js$/,
    );
    expect(JSON.parse(/^CMD (\[.*\])$/m.exec(finalStage)?.[1] ?? 'null')).toEqual(commandOf('api'));
  });

  it('keeps local state and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of [
      'node_modules',
      'dist',
      'data',
      '.infra',
      'coverage',
      '.git',
      'bench/results',
      '.env',
    ]) {
      expect(ignored).toContain(entry);
    }
  });
});
