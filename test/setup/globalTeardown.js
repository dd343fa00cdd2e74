'use strict';
/** Stops the servers globalSetup started, by PID, and removes their data. */
module.exports = async () => {
  await Promise.all((globalThis.__testServers ?? []).map((server) => server.destroy?.() ?? server.stop()));
};
