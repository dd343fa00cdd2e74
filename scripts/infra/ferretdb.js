'use strict';
/**
 * A real FerretDB v1 (MongoDB wire protocol, SQLite backend) on 127.0.0.1 for the mongoose read store's
 * tests and benchmarks.
 *
 *   node scripts/infra/ferretdb.js start   # builds the binary on first use, prints {"url": "mongodb://127.0.0.1:PORT/", ...}
 *   node scripts/infra/ferretdb.js stop
 *
 * The binary is built from the Go module proxy into .infra/bin (cached, gitignored); nothing is committed.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  cacheDir,
  cli,
  freePort,
  missingCommands,
  requireCommands,
  run,
  startServer,
} = require('./common');

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
const FERRETDB_VERSION = 'v1.24.2';

/**
 * What a client of FerretDB v1 must set (the read store's `maxWritesPerCall`, MONGO_MAX_WRITES_PER_CALL
 * for the apps): FerretDB holds a pooled SQLite connection for every statement of an `update` command
 * that matched a document until the whole command ends, and its pool has 100 per database, so an update
 * command with 100 matching statements waits forever. Real MongoDB needs no limit.
 */
const FERRETDB_WRITES_PER_CALL = 50;
const FERRETDB_CLIENT_ENV = { MONGO_MAX_WRITES_PER_CALL: String(FERRETDB_WRITES_PER_CALL) };
const binary = path.join(cacheDir, 'bin', 'ferretdb');
const versionMarker = `${binary}.version`;

const GO_INSTALL = 'install Go 1.22+ (https://go.dev/dl/ or apt-get install golang-go) to build FerretDB';

const isProvisioned = () =>
  fs.existsSync(binary) &&
  fs.existsSync(versionMarker) &&
  fs.readFileSync(versionMarker, 'utf8').trim() === FERRETDB_VERSION;

/** Why FerretDB cannot be provisioned on this machine, or undefined when it can (checked at once). */
const ferretDbUnavailable = () => (isProvisioned() ? undefined : missingCommands(['go'], GO_INSTALL));

/**
 * Builds the ferretdb binary once; later calls return at once.
 *
 * Not `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`, for two reasons seen here: it
 * lists the module's versions to check for a deprecation, which this proxy refuses (403), and the
 * module zip has no build/version/version.txt, so a binary built from it as the main module panics at
 * start. So: download that exact module version, write version.txt into a copy, and `go build` it.
 */
const provisionFerretDb = () => {
  if (isProvisioned()) return binary;
  requireCommands(['go'], GO_INSTALL);
  const download = JSON.parse(
    run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { cwd: os.tmpdir() }),
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-src-'));
  try {
    fs.cpSync(download.Dir, work, { recursive: true });
    run('chmod', ['-R', 'u+w', work]); // the module cache is read-only
    fs.writeFileSync(path.join(work, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    const building = `${binary}.building`;
    run('go', ['build', '-trimpath', '-o', building, './cmd/ferretdb'], {
      cwd: work,
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    fs.renameSync(building, binary);
    fs.writeFileSync(versionMarker, `${FERRETDB_VERSION}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return binary;
};

/** FerretDB answers a ping through the MongoDB driver that mongoose ships. */
const answersPing = async (url) => {
  const { mongo } = require('mongoose');
  const client = new mongo.MongoClient(url, { directConnection: true, serverSelectionTimeoutMS: 1000 });
  try {
    await client.connect();
    const reply = await client.db('admin').command({ ping: 1 });
    return reply.ok === 1;
  } finally {
    await client.close();
  }
};

/**
 * Starts FerretDB with the SQLite backend on a data dir (a fresh temp dir unless given) and a free port.
 * Resolves once it answers a ping.
 */
const startFerretDb = async ({ dataDir, port } = {}) => {
  const ferretdb = provisionFerretDb();
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-'));
  const sqliteDir = path.join(dir, 'sqlite');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(sqliteDir, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const listenPort = port ?? (await freePort());
  const url = `mongodb://127.0.0.1:${listenPort}/`;
  return startServer({
    name: 'ferretdb',
    command: ferretdb,
    args: [
      '--handler=sqlite',
      `--sqlite-url=file:${sqliteDir}/`,
      `--listen-addr=127.0.0.1:${listenPort}`,
      `--state-dir=${stateDir}`,
      '--telemetry=disable',
      '--debug-addr=-',
      '--log-level=warn',
    ],
    dir,
    address: { url },
    ready: () => answersPing(url),
    timeoutMs: 30_000,
  });
};

module.exports = {
  FERRETDB_CLIENT_ENV,
  FERRETDB_VERSION,
  FERRETDB_WRITES_PER_CALL,
  ferretDbUnavailable,
  provisionFerretDb,
  startFerretDb,
};

if (require.main === module) {
  cli({ name: 'ferretdb', start: startFerretDb, provision: provisionFerretDb }).catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
