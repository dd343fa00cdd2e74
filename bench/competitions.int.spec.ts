import { runCompetitionsBench } from './competitions';
import { Cleanup } from './support/servers';

/** The competitions benchmark at a tiny size, so it cannot rot; the figures are never asserted (noisy machines). */
describe('bench/competitions.ts at a tiny size', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.runAll());

  it('closes a generated period in the api and pays every rank once, beside as many grants over HTTP', async () => {
    const players = 300;
    const results = await runCompetitionsBench({
      players,
      connections: 8,
      windowSeconds: 30,
      cleanup,
      log: () => undefined,
    });
    expect(results.close.entries).toBe(players);
    expect(results.verification).toEqual({
      rewardsGranted: players,
      rewardedPlayers: players,
      ranksPaidOnce: players,
      wrongRewards: 0,
      paidPlayers: players,
      grantsRecorded: players,
      grantedPlayers: players,
      ok: true,
    });
    expect(results.baseline.grants).toMatchObject({ requests: players, non2xx: 0, errors: 0 });
    expect(results.payout.rewardsPerSecond).toBeGreaterThan(0);
    expect(results.close.seconds).toBeGreaterThanOrEqual(0);
  }, 120_000);
});
