'use strict';
/**
 * Schemathesis (PyPI), the schema-driven API fuzzer the HTTP contract tests run against the api's own
 * OpenAPI document, installed into a virtualenv under .infra/ (cached, gitignored).
 *
 *   node scripts/infra/schemathesis.js provision   # prints the path of the `st` command
 */
const fs = require('node:fs');
const path = require('node:path');
const { cacheDir, missingCommands, requireCommands, run } = require('./common');

const SCHEMATHESIS_VERSION = '4.32.5';
const venv = path.join(cacheDir, `schemathesis-${SCHEMATHESIS_VERSION}`);
const command = path.join(venv, 'bin', 'st');
const INSTALL = 'install Python 3.10+ with venv (apt-get install python3-venv) to run Schemathesis';

/** Why Schemathesis cannot be provisioned here, or undefined when it can. */
const schemathesisUnavailable = () => (fs.existsSync(command) ? undefined : missingCommands(['python3'], INSTALL));

/** Creates the virtualenv and installs Schemathesis once; later calls return at once. */
const provisionSchemathesis = () => {
  if (fs.existsSync(command)) return command;
  requireCommands(['python3'], INSTALL);
  fs.rmSync(venv, { recursive: true, force: true });
  run('python3', ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]);
  return command;
};

module.exports = { SCHEMATHESIS_VERSION, provisionSchemathesis, schemathesisUnavailable };

if (require.main === module) {
  try {
    process.stdout.write(`schemathesis: ${provisionSchemathesis()}\n`);
  } catch (error) {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  }
}
