'use strict';
/**
 * A real Redis on 127.0.0.1 for the api's shared rate limits in cluster mode: Debian's redis-server.
 *
 *   node scripts/infra/redis.js provision   # apt-get install redis-server when missing (as root)
 *   node scripts/infra/redis.js start       # prints {"url": "redis://127.0.0.1:PORT", ...}
 *   node scripts/infra/redis.js stop
 *
 * No persistence: the server is a scratch store for counters, its data dir a temp dir.
 */
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { cli, debianProgram, freePort, startServer } = require('./common');

const redis = debianProgram({
  binary: 'redis-server',
  packages: ['redis-server'],
  install: 'install Redis (apt-get install redis-server)',
});

/** Why Redis cannot be provisioned here, or undefined when it can. */
const redisUnavailable = redis.unavailable;

/** Installs Debian's redis-server when it is missing and this runs as root; returns the binary. */
const provisionRedis = redis.provision;

/** Answers PING with PONG. */
const pings = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('error', () => resolve(false));
    socket.on('data', (data) => {
      resolve(data.toString().startsWith('+PONG'));
      socket.end();
    });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('close', () => resolve(false));
  });

/** Starts redis-server on a free loopback port; `destroy()` stops it and removes its dir. */
const startRedis = async ({ dataDir, port } = {}) => {
  const binary = provisionRedis();
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'redis-'));
  const listenPort = port ?? (await freePort());
  return startServer({
    name: 'redis',
    command: binary,
    args: ['--bind', '127.0.0.1', '--port', String(listenPort), '--dir', dir, '--save', '', '--appendonly', 'no'],
    dir,
    address: { url: `redis://127.0.0.1:${listenPort}` },
    ready: () => pings(listenPort),
    timeoutMs: 20_000,
  });
};

module.exports = { provisionRedis, redisUnavailable, startRedis };

if (require.main === module) {
  cli({ name: 'redis', start: startRedis, provision: provisionRedis }).catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
}
