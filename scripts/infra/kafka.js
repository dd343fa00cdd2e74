'use strict';
/**
 * A real Apache Kafka 3.9.1 broker (KRaft, single node) on 127.0.0.1 for tests and benchmarks.
 *
 *   node scripts/infra/kafka.js start   # provisions jars on first use, prints {"brokers": "127.0.0.1:PORT", ...}
 *   node scripts/infra/kafka.js stop
 *
 * The broker runtime comes from Maven Central as jars (cached in .infra/kafka-3.9.1); nothing is committed.
 */
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { cacheDir, cli, freePort, requireCommands, run, startServer } = require('./common');

const KAFKA_VERSION = '3.9.1';
const libsDir = path.join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');

// The broker's pom has no logging backend; without one it logs nothing at all.
const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.infra</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
`;

const log4j = `log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
`;

/** Downloads the broker's runtime classpath once; later calls return at once. */
const provisionKafka = () => {
  const marker = path.join(libsDir, '.complete');
  if (fs.existsSync(marker)) return libsDir;
  requireCommands(
    ['java', 'mvn'],
    'install Java 17 and Maven (apt-get install openjdk-17-jre-headless maven)',
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-pom-'));
  try {
    fs.writeFileSync(path.join(work, 'pom.xml'), pom);
    fs.mkdirSync(libsDir, { recursive: true });
    run(
      'mvn',
      ['-B', '-q', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libsDir}`],
      {
        cwd: work,
      },
    );
    fs.writeFileSync(marker, new Date().toISOString());
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return libsDir;
};

/** Kafka answers an ApiVersions request: the cheapest proof the listener is serving. */
const answersApiVersions = (port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const header = Buffer.alloc(4 + 2 + 2 + 4 + 2);
    header.writeInt32BE(header.length - 4, 0);
    header.writeInt16BE(18, 4); // ApiVersions
    header.writeInt16BE(0, 6); // v0
    header.writeInt32BE(1, 8); // correlation id
    header.writeInt16BE(-1, 12); // null client id
    socket.setTimeout(2000);
    socket.on('connect', () => socket.write(header));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.length >= 10 && data.readInt16BE(8) === 0);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

/**
 * Formats a fresh KRaft data dir and starts a single-node broker on free ports.
 * Resolves once the broker answers on its client listener.
 */
const startKafka = async ({ dataDir, port } = {}) => {
  const libs = provisionKafka();
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-'));
  fs.mkdirSync(dir, { recursive: true });
  const properties = path.join(dir, 'server.properties');
  const log4jFile = path.join(dir, 'log4j.properties');
  const classpath = `${libs}/*`;
  let clientPort;
  if (fs.existsSync(properties)) {
    // A restart on the same data dir: same ports, same cluster id, no format.
    clientPort = Number(
      /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/m.exec(fs.readFileSync(properties, 'utf8'))[1],
    );
  } else {
    clientPort = port ?? (await freePort());
    const controllerPort = await freePort();
    fs.writeFileSync(log4jFile, log4j);
    fs.writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${clientPort},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${clientPort}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${path.join(dir, 'logs')}`,
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        // One offsets partition makes the first consumer-group join much faster on a single node.
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
        '',
      ].join('\n'),
    );
    // StorageTool's argument parser takes an id starting with '-' for an option: draw another.
    let clusterId;
    do clusterId = randomBytes(16).toString('base64url').slice(0, 22);
    while (clusterId.startsWith('-'));
    run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', properties]);
  }

  return startServer({
    name: 'kafka',
    command: 'java',
    args: [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      `-Dlog4j.configuration=file:${log4jFile}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      properties,
    ],
    dir,
    address: { brokers: `127.0.0.1:${clientPort}` },
    ready: () => answersApiVersions(clientPort),
    timeoutMs: 90_000,
  });
};

module.exports = { KAFKA_VERSION, provisionKafka, startKafka };

if (require.main === module) {
  cli({ name: 'kafka', start: startKafka, provision: provisionKafka }).catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
