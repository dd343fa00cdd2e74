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
const { ToolchainMissingError, cli, freePort, run, startServer } = require('./common');

const INSTALL = 'install Redis (apt-get install redis-server)';

const findRedis = () => {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'redis-server');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
};

/** Why Redis cannot be provisioned here, or undefined when it can. */
const redisUnavailable = () => {
  if (findRedis()) return undefined;
  return process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get') ? undefined : `redis-server not found: ${INSTALL}`;
};

/** Installs Debian's redis-server when it is missing and this runs as root; returns the binary. */
const provisionRedis = () => {
  const found = findRedis();
  if (found) return found;
  if (redisUnavailable()) throw new ToolchainMissingError('redis-server', INSTALL);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return findRedis() ?? '/usr/bin/redis-server';
};

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
