'use strict';
/**
 * Shared plumbing for the scripts that provision and run real servers (Kafka, FerretDB) on loopback
 * for tests and benchmarks. Downloads are cached under `.infra/` (gitignored); data lives in temp dirs.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(repoRoot, '.infra');

/** A toolchain the server needs is missing: tests skip with `install`, CI fails. */
class ToolchainMissingError extends Error {
  constructor(tool, install) {
    super(`${tool} not found: ${install}`);
    this.name = 'ToolchainMissingError';
    this.install = install;
  }
}

const hasCommand = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

const requireCommands = (commands, install) => {
  for (const command of commands) {
    if (!hasCommand(command)) throw new ToolchainMissingError(command, install);
  }
};

/** Why a tool cannot be provisioned here (its first missing command and how to install it), or undefined. */
const missingCommands = (commands, install) => {
  const missing = commands.find((command) => !hasCommand(command));
  return missing ? new ToolchainMissingError(missing, install).message : undefined;
};

/**
 * A program from Debian's packages (redis-server, chromium): found on PATH, or installed with apt-get
 * when it is missing and this runs as root. `unavailable()` says why it cannot be had, or undefined.
 */
const debianProgram = ({ binary, packages, install }) => {
  const find = () => {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      const candidate = path.join(dir, binary);
      if (dir && fs.existsSync(candidate)) return candidate;
    }
    return undefined;
  };
  const canInstall = () => process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get');
  const unavailable = () => (find() || canInstall() ? undefined : `${binary} not found: ${install}`);
  const provision = () => {
    const found = find();
    if (found) return found;
    if (!canInstall()) throw new ToolchainMissingError(binary, install);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return find() ?? `/usr/bin/${binary}`;
  };
  return { find, unavailable, provision };
};

/** A port the OS says is free right now on 127.0.0.1. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it resolves truthy; rejects with the last failure after `timeoutMs`. */
const waitFor = async (what, probe, { timeoutMs = 60_000, intervalMs = 250, alive } = {}) => {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    if (alive && !alive()) throw new Error(`${what}: the process exited before it was ready`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`);
};

/** Runs a command to completion, throwing with its output when it fails. */
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
};

/** Starts a long-running process detached into its own process group, output to `logFile`. */
const startDetached = (command, args, { logFile, cwd, env }) => {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  let exited = false;
  child.on('exit', () => (exited = true));
  return { pid: child.pid, alive: () => !exited && isAlive(child.pid) };
};

const isAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Starts a server detached (output to `<dir>/<name>.log`) and resolves once `ready()` holds, with a handle
 * carrying `address` (how to reach it), its pid and data dir, `stop` (keeps the data dir, so a start on
 * the same dir resumes it) and `destroy` (also removes the data). A server that never gets ready is
 * stopped and the error carries the tail of its log.
 */
const startServer = async ({ name, command, args, dir, address, ready, timeoutMs }) => {
  const logFile = path.join(dir, `${name}.log`);
  const { pid, alive } = startDetached(command, args, { logFile, cwd: dir });
  try {
    await waitFor(`${name} at ${Object.values(address).join(' ')}`, ready, { timeoutMs, alive });
  } catch (error) {
    await stopProcess(pid);
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`${error.message}\n--- ${logFile} ---\n${tail}`);
  }
  return {
    ...address,
    pid,
    dataDir: dir,
    describe: () => ({ ...address, pid, dataDir: dir, logFile }),
    stop: () => stopProcess(pid),
    destroy: async () => {
      await stopProcess(pid);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** SIGTERM the process group, then SIGKILL it if it is still there after `graceMs`. */
const stopProcess = async (pid, { graceMs = 10_000 } = {}) => {
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
};

/** `node script.js provision|start|stop [--state FILE]` for the CLI side of each server script. */
const cli = async ({ name, start, provision }) => {
  const [command = 'start', ...rest] = process.argv.slice(2);
  const stateIndex = rest.indexOf('--state');
  const stateFile = stateIndex >= 0 ? rest[stateIndex + 1] : path.join(cacheDir, `${name}.json`);
  if (command === 'provision') {
    process.stdout.write(`${name}: ${provision()}\n`);
  } else if (command === 'start') {
    const server = await start({});
    const state = { name, ...server.describe() };
    fs.mkdirSync(path.dirname(stateFile), { recursive: true });
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
    process.stdout.write(`${JSON.stringify(state)}\n`);
  } else if (command === 'stop') {
    if (!fs.existsSync(stateFile)) return process.stdout.write(`${name}: no state file ${stateFile}, nothing to stop\n`);
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    await stopProcess(state.pid);
    fs.rmSync(stateFile, { force: true });
    process.stdout.write(`${name}: stopped pid ${state.pid}\n`);
  } else {
    throw new Error(`usage: node ${path.relative(repoRoot, process.argv[1])} provision|start|stop [--state FILE]`);
  }
};

module.exports = {
  ToolchainMissingError,
  debianProgram,
  cacheDir,
  cli,
  freePort,
  isAlive,
  missingCommands,
  repoRoot,
  requireCommands,
  run,
  sleep,
  startServer,
  stopProcess,
  waitFor,
};
