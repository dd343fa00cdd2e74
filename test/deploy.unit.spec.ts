import Ajv from 'ajv';
import draft7MetaSchema from 'ajv/dist/refs/json-schema-draft-07.json';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { authenticate, parseApiKeys } from '../apps/api/src/http/auth/apiKeys';
import { ApiMetrics } from '../apps/api/src/system/apiMetrics';
import { PROJECTOR_METRICS } from '../apps/projector/src/projector.service';
import { DEFAULT_GRACE_MS } from '../apps/rebuild/src/rebuild';
import { RELAY_METRICS } from '../apps/relay/src/relay.service';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { Registry, collectDefaultMetrics } from 'prom-client';
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
  healthcheck?: { test: unknown; start_period?: string };
  ports?: string[];
  volumes?: string[];
  secrets?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
};
type Compose = {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { environment?: string; file?: string }>;
  networks?: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
};

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

/**
 * The `.env` an operator makes from it: each secret of the example's API_KEYS (public, refused by the api)
 * replaced by one of their own, wherever it appears (METRICS_API_KEY repeats the metrics key's).
 */
const dotEnv = Object.fromEntries(
  Object.entries(envExample).map(([name, value]) => [
    name,
    envExample.API_KEYS.split(';')
      .map((entry) => entry.split(':')[1])
      .reduce((text, secret, i) => text.replaceAll(secret, `operators-own-secret-${i}-0123456789`), value),
  ]),
);

/** Compose interpolation for `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, from that `.env`. */
const interpolate = (value: string): string =>
  value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const given = dotEnv[name];
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

  it('runs the event store, broker, database, load balancer, the three apps and their monitoring', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'eventstore',
        'grafana',
        'kafka',
        'mongo',
        'nginx',
        'projector',
        'prometheus',
        'redis',
        'relay',
      ].sort(),
    );
    expect(services.prometheus.image).toMatch(/^prom\/prometheus:v3\./);
    expect(services.grafana.image).toMatch(/^grafana\/grafana:1\d\./);
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

  it('gives the api keys from the environment, and the documented example parses once its secrets are replaced', () => {
    expect(String(services.api.environment?.API_KEYS)).toMatch(/^\$\{API_KEYS:\?/);
    const keys = parseApiKeys(environmentOf(services.api).API_KEYS);
    expect(keys.map((key) => [...key.scopes].sort())).toEqual([
      ['admin', 'audit', 'economy', 'read', 'scores'],
      ['metrics'],
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
    expect(Object.keys(services.prometheus.depends_on ?? {})).toEqual(['api']);
    expect(Object.keys(services.grafana.depends_on ?? {})).toEqual(['prometheus']);
  });

  it('publishes nginx for the API and the monitoring UIs on loopback only, and declares every named volume it uses', () => {
    for (const app of appServices) expect(services[app].ports).toBeUndefined();
    expect(services.nginx.ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services.prometheus.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(services.grafana.ports).toEqual(['127.0.0.1:3001:3000']);
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

  it('sends the client address it saw, never one the client wrote, to an api trusting its address only', () => {
    expect(conf.match(/proxy_set_header X-Forwarded-For .*;/g)).toEqual([
      'proxy_set_header X-Forwarded-For $remote_addr;',
    ]);
    const nginxAddress = services.nginx.networks?.default.ipv4_address;
    expect(environmentOf(services.api).TRUST_PROXY).toBe(nginxAddress);
    expect(compose.networks?.default.ipam?.config).toEqual([{ subnet: '172.28.0.0/24' }]);
    expect(nginxAddress).toMatch(/^172\.28\.0\.\d+$/);
  });
});

describe('Dockerfile', () => {
  it('builds and runs on Node 24, a maintained LTS', () => {
    const images = instructions(dockerfile, 'FROM').map((from) => from.split(' ')[0]);
    expect(images).toEqual(images.map(() => 'node:24-bookworm-slim'));
  });

  it("gives the api a start period as long as the rebuild's grace: both allow a large rank cache load", () => {
    expect(services.api.healthcheck?.start_period).toBe(`${DEFAULT_GRACE_MS / 1000}s`);
  });

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

describe('monitoring: Prometheus and Grafana', () => {
  type ScrapeConfig = {
    job_name: string;
    metrics_path?: string;
    authorization?: { type: string; credentials_file: string };
    dns_sd_configs: { names: string[]; type: string; port: number }[];
  };
  const prometheusDocument = parseDocument(read('deploy/prometheus/prometheus.yml'));
  const prometheus = prometheusDocument.toJS() as { scrape_configs: ScrapeConfig[] };
  const job = (name: string) => prometheus.scrape_configs.find((config) => config.job_name === name)!;
  /** Where a service mounts a host path (`./deploy/...:/in/container:ro`). */
  const mountOf = (service: string, hostPath: string) =>
    services[service].volumes?.find((volume) => volume.startsWith(`${hostPath}:`))?.split(':')[1];

  it('mounts the Prometheus configuration, valid YAML, where Prometheus reads it', () => {
    expect(prometheusDocument.errors).toEqual([]);
    expect(mountOf('prometheus', './deploy/prometheus/prometheus.yml')).toBe(
      '/etc/prometheus/prometheus.yml',
    );
    expect(services.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
  });

  it('scrapes every replica of the three apps, on the port they serve, at /metrics', () => {
    expect(prometheus.scrape_configs.map((config) => config.job_name).sort()).toEqual([
      'api',
      'projector',
      'relay',
    ]);
    for (const app of appServices) {
      const config = job(app);
      expect(config.metrics_path ?? '/metrics').toBe('/metrics');
      // One address per replica from Docker's DNS: each replica is a target of its own.
      expect(config.dns_sd_configs).toEqual([expect.objectContaining({ names: [app], type: 'A' })]);
      expect(String(config.dns_sd_configs[0].port)).toBe(environmentOf(services[app]).PORT);
    }
  });

  it('scrapes the api with a key the api accepts for the metrics scope, handed over as a compose secret', () => {
    const { authorization } = job('api');
    expect(authorization?.type).toBe('Bearer');
    const secret = authorization!.credentials_file.replace('/run/secrets/', '');
    expect(services.prometheus.secrets).toContain(secret);
    const source = compose.secrets?.[secret]?.environment;
    expect(source).toBe('METRICS_API_KEY');
    const token = dotEnv[source!];
    const key = authenticate(parseApiKeys(environmentOf(services.api).API_KEYS), token);
    expect(key?.scopes.has('metrics')).toBe(true);
    // The relay and the projectors need no key.
    expect(job('relay').authorization).toBeUndefined();
    expect(job('projector').authorization).toBeUndefined();
  });

  type Panel = { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] };
  const dashboardFiles = ['deploy/grafana/dashboards/game-backend.json'];
  const dashboards = dashboardFiles.map((file) => JSON.parse(read(file)) as { uid: string; panels: Panel[] });
  const datasources = (
    parseDocument(read('deploy/grafana/provisioning/datasources/prometheus.yml')).toJS() as {
      datasources: { uid: string; type: string; url: string }[];
    }
  ).datasources;
  const providers = (
    parseDocument(read('deploy/grafana/provisioning/dashboards/game-backend.yml')).toJS() as {
      providers: { options: { path: string } }[];
    }
  ).providers;

  it('provisions Grafana with the Prometheus service and the dashboards, from the mounted folders', () => {
    expect(mountOf('grafana', './deploy/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    expect(mountOf('grafana', './deploy/grafana/dashboards')).toBe(providers[0].options.path);
    expect(datasources).toEqual([
      expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' }),
    ]);
    expect(String(services.grafana.environment?.GF_SECURITY_ADMIN_PASSWORD)).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:\?/,
    );
  });

  /** Every metric name the three apps expose (a histogram as its _bucket, _sum and _count series). */
  const exposed = async (): Promise<Set<string>> => {
    const defaults = new Registry();
    collectDefaultMetrics({ register: defaults });
    const metrics = [
      ...(await new ApiMetrics().registry.getMetricsAsJSON()),
      ...(await defaults.getMetricsAsJSON()),
    ];
    const names = new Set<string>();
    for (const { name, type } of metrics) {
      names.add(name);
      if (String(type) === 'histogram')
        for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    }
    for (const name of [...Object.values(RELAY_METRICS), ...Object.values(PROJECTOR_METRICS)]) {
      for (const suffix of ['', '_bucket', '_sum', '_count']) names.add(name + suffix);
    }
    return names;
  };

  /** The metric names a PromQL expression reads, or the position of its first syntax error. */
  const parsePromql = (expr: string): { metrics: string[] } | { error: number } => {
    // Grafana replaces its interval variables before Prometheus sees the query.
    const query = expr.replace(/\$__rate_interval|\$__interval/g, '1m');
    const tree = promql.parse(query);
    const metrics: string[] = [];
    let error: number | undefined;
    tree.iterate({
      enter: (node) => {
        if (node.type.isError) error ??= node.from;
        if (node.name === 'VectorSelector') {
          const identifier = node.node.getChild('Identifier');
          if (identifier) metrics.push(query.slice(identifier.from, identifier.to));
        }
      },
    });
    return error === undefined ? { metrics } : { error };
  };

  const queries = dashboards.flatMap(({ panels }) =>
    panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    ),
  );

  it('has dashboards whose every query is valid PromQL over metrics the apps expose', async () => {
    const names = await exposed();
    expect(queries.length).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const parsed = parsePromql(expr);
      expect({ panel, expr, parsed }).toEqual({ panel, expr, parsed: { metrics: expect.any(Array) } });
      const { metrics } = parsed as { metrics: string[] };
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics)
        expect({ panel, metric, exposed: names.has(metric) }).toEqual({ panel, metric, exposed: true });
    }
  });

  it('the dashboard check would catch a typo in a query or a metric nobody exposes', async () => {
    const names = await exposed();
    expect(parsePromql('sum(rate(http_requests_total[1m])')).toEqual({ error: expect.any(Number) });
    const parsed = parsePromql('rate(relay_events_publish_total[$__rate_interval])');
    expect(parsed).toEqual({ metrics: ['relay_events_publish_total'] });
    expect(names.has('relay_events_publish_total')).toBe(false);
  });

  it('shows throughput, errors, p99, lag, rate-limit refusals and GC for the api, the relay and the projector', () => {
    const panels = dashboards.flatMap(({ panels }) => panels.filter((panel) => panel.type !== 'row'));
    for (const panel of panels) expect(panel.datasource?.uid).toBe(datasources[0].uid);
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        ...['API throughput', 'API errors', 'API p99 latency', 'Read-model lag', 'Rate-limit refusals'],
        ...['Relay throughput', 'Relay lag', 'Relay p99 publish and errors'],
        ...['Projector throughput', 'Projector p99 batch', 'Projector errors'],
        'GC time',
      ]),
    );
    const gc = panels.find((panel) => panel.title === 'GC time');
    expect(gc?.targets?.[0].expr).toMatch(/nodejs_gc_duration_seconds_sum/);
    expect(gc?.targets?.[0].expr).toMatch(/by \(job/); // per app: api, relay, projector
  });
});
