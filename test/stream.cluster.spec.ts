import { randomUUID } from 'node:crypto';
import { clusterDeployment, sharedServers } from '@test/support/clusterWorkers';
import { StreamClient } from '@test/support/streamClient';
import { keys, startApi, startApp, type TestApp } from '@test/support/testApp';

/** Both api instances verify the tokens either one mints. */
const env = { SESSION_TOKEN_KEYS: 'k1:cluster-signing-secret-0123456789abcdef' };

describe('live stream across api instances (cluster)', () => {
  let first: TestApp;
  let second: TestApp;
  beforeAll(async () => {
    first = await startApp({ env });
    const { servers } = sharedServers() as { servers: Parameters<typeof clusterDeployment>[0] };
    // A second api on the same event store and read models, following the log on its own.
    const deployment = clusterDeployment(servers, { dataDir: first.dataDir, partitions: 2 });
    second = await startApi({
      dataDir: first.dataDir,
      env: { ...deployment.env, READ_AFTER_WRITE_TIMEOUT_MS: '5000', ...env },
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('delivers to a subscriber on one instance what was written through another', async () => {
    const board = `lb-${randomUUID().slice(0, 8)}`;
    const player = `p-${randomUUID().slice(0, 8)}`;
    const definition = { sortOrder: 'desc', operator: 'best', resetSchedule: 'never' };
    expect((await first.command('PUT', `/v1/leaderboards/${board}`, definition)).status).toBe(201);
    const minted = await second.command('POST', `/v1/players/${player}/sessions`, {}, keys.fuzzer);
    const client = StreamClient.connect(second.url, { query: minted.body.token });
    try {
      client.subscribe('top', { kind: 'board', leaderboardId: board, limit: 5 });
      client.subscribe('wallet', { kind: 'wallet', playerId: player });
      await client.nth('top', 1);
      expect((await client.nth('wallet', 1)).data.balances).toEqual({});
      const score = await first.command(
        'POST',
        `/v1/leaderboards/${board}/scores`,
        { playerId: player, score: 42 },
        keys.game,
      );
      const grant = await first.command(
        'POST',
        `/v1/players/${player}/grants`,
        { currency: 'GOLD', amount: 9, reason: 'cluster' },
        keys.game,
      );
      expect(await client.nth('top', 2)).toMatchObject({
        type: 'update',
        changes: [score.body.position],
        data: { entries: [{ playerId: player, score: 42, rank: 1 }] },
      });
      expect(await client.nth('wallet', 2)).toMatchObject({
        type: 'update',
        changes: [grant.body.position],
        data: { balances: { GOLD: 9 } },
      });
    } finally {
      await client.close();
    }
  });
});
