import { leaderboards } from '@app/domain';
import { boardRanking } from '@app/projections';
import { MemoryReadStore } from '@app/read-store/memory';
import { randomUUID } from 'node:crypto';
import { keys, problemType, startApp, type TestApp } from '@test/support/testApp';

describe('leaderboards API (e2e)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startApp();
  });
  afterAll(() => api.close());

  const board = async (definition: object) => {
    const id = `lb-${randomUUID().slice(0, 8)}`;
    const response = await api.command('PUT', `/v1/leaderboards/${id}`, definition);
    expect(response.status).toBe(201);
    return id;
  };
  const submit = (id: string, body: object) =>
    api.command('POST', `/v1/leaderboards/${id}/scores`, body, keys.game);
  const submitInOrder = async (id: string, scores: [string, number, number?][]) => {
    let position = 0;
    // One at a time: achievement order is submission order.
    for (const [playerId, score, subscore] of scores) {
      const response = await submit(id, { playerId, score, ...(subscore !== undefined ? { subscore } : {}) });
      expect(response.status).toBe(201);
      position = response.body.position;
    }
    return position;
  };
  const entries = async (id: string, query = '') =>
    (await api.query(`/v1/leaderboards/${id}/entries?${query}`)).body;

  it('ranks by score, ties to the earlier achievement, and compares (score, subscore) as a tuple', async () => {
    const id = await board({ sortOrder: 'desc', operator: 'best', resetSchedule: 'never' });
    const position = await submitInOrder(id, [
      ['early', 100, 5],
      ['late', 100, 5], // same tuple, later: ranks below "early"
      ['top', 100, 9],
      ['low', 50, 0],
      ['low', 40, 99], // worse tuple with a better subscore: must not become (50, 99)
    ]);
    const page = await entries(id, `minPosition=${position}`);
    expect(page.period).toBe('all');
    expect(page.entries.map((e: any) => [e.rank, e.playerId, e.score, e.subscore])).toEqual([
      [1, 'top', 100, 9],
      [2, 'early', 100, 5],
      [3, 'late', 100, 5],
      [4, 'low', 50, 0],
    ]);
  });

  it('applies latest and increment operators, and ascending order', async () => {
    const latest = await board({ sortOrder: 'desc', operator: 'latest', resetSchedule: 'never' });
    await submitInOrder(latest, [
      ['a', 90],
      ['a', 10],
    ]);
    const increment = await board({ sortOrder: 'desc', operator: 'increment', resetSchedule: 'never' });
    await submitInOrder(increment, [
      ['a', 5],
      ['b', 7],
      ['a', 5],
    ]);
    const ascending = await board({ sortOrder: 'asc', operator: 'best', resetSchedule: 'never' });
    const position = await submitInOrder(ascending, [
      ['slow', 95_000],
      ['fast', 61_000],
      ['fast', 70_000],
    ]);
    await api.query(`/v1/leaderboards/${latest}/entries?minPosition=${position}`);
    expect((await entries(latest)).entries.map((e: any) => e.score)).toEqual([10]);
    expect((await entries(increment)).entries.map((e: any) => [e.playerId, e.score])).toEqual([
      ['a', 10],
      ['b', 7],
    ]);
    expect((await entries(ascending)).entries.map((e: any) => [e.playerId, e.score])).toEqual([
      ['fast', 61_000],
      ['slow', 95_000],
    ]);
  });

  it('files scores in the current period of the board and keeps other periods apart', async () => {
    const id = await board({ sortOrder: 'desc', operator: 'best', resetSchedule: 'daily' });
    const position = await submitInOrder(id, [['p', 3]]);
    const today = leaderboards.periodOf('daily', new Date());
    const current = await entries(id, `minPosition=${position}`);
    expect(current.period).toBe(today);
    expect(current.entries).toHaveLength(1);
    expect((await entries(id, 'period=2001-01-01')).entries).toEqual([]);
    const wrongShape = await api.query(`/v1/leaderboards/${id}/entries?period=2001-W01`);
    expect(wrongShape.status).toBe(400);
    const definition = (await api.query(`/v1/leaderboards/${id}`)).body;
    expect(definition).toMatchObject({ resetSchedule: 'daily', currentPeriod: today });
  });

  it('pages the top with a keyset cursor and answers rank and around-me', async () => {
    const id = await board({ sortOrder: 'desc', operator: 'best', resetSchedule: 'weekly' });
    const players = Array.from(
      { length: 11 },
      (_, i) => [`p${String(i).padStart(2, '0')}`, 1000 - i * 10] as [string, number],
    );
    const position = await submitInOrder(id, players);
    await api.query(`/v1/leaderboards/${id}/entries?minPosition=${position}`);

    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await entries(id, `limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.entries);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.playerId)).toEqual(players.map(([p]) => p));
    expect(seen.map((e) => e.rank)).toEqual(players.map((_, i) => i + 1));

    const me = (await api.query(`/v1/leaderboards/${id}/players/p05?around=2`)).body;
    expect(me.rank).toBe(6);
    expect(me.entry).toMatchObject({ playerId: 'p05', score: 950, rank: 6 });
    expect(me.neighbors.map((e: any) => [e.rank, e.playerId])).toEqual([
      [4, 'p03'],
      [5, 'p04'],
      [7, 'p06'],
      [8, 'p07'],
    ]);
    const top = (await api.query(`/v1/leaderboards/${id}/players/p00?around=2`)).body;
    expect(top.neighbors.map((e: any) => e.rank)).toEqual([2, 3]);
    const unranked = await api.query(`/v1/leaderboards/${id}/players/nobody`);
    expect(unranked.status).toBe(404);
    expect((await api.query(`/v1/leaderboards/${id}/players/p05?around=51`)).status).toBe(400);
  });

  it('rejects what the board does not allow, changing nothing', async () => {
    const id = await board({
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: 'never',
      minScore: 0,
      maxScore: 1000,
    });
    const stream = `leaderboardScores-${id}.p1`;
    const outOfRange = await submit(id, { playerId: 'p1', score: 1001 });
    expect([outOfRange.status, problemType(outOfRange)]).toEqual([409, '/problems/score-out-of-range']);
    const unknown = await submit('no-such-board', { playerId: 'p1', score: 1 });
    expect([unknown.status, problemType(unknown)]).toEqual([404, '/problems/unknown-leaderboard']);
    const badMetadata = await submit(id, { playerId: 'p1', score: 1, metadata: { 'a.b': 1 } });
    expect(badMetadata.status).toBe(400);
    expect(badMetadata.body.errors[0].field).toBe('metadata');
    const floatScore = await submit(id, { playerId: 'p1', score: 1.5 });
    expect(floatScore.status).toBe(400);
    const wrongScope = await api.command(
      'POST',
      `/v1/leaderboards/${id}/scores`,
      { playerId: 'p1', score: 1 },
      keys.reader,
    );
    expect(wrongScope.status).toBe(403);
    expect(await api.stream(stream)).toEqual([]);

    const changeOrder = await api.command('PUT', `/v1/leaderboards/${id}`, {
      sortOrder: 'asc',
      operator: 'best',
      resetSchedule: 'never',
    });
    expect([changeOrder.status, problemType(changeOrder)]).toEqual([
      409,
      '/problems/leaderboard-definition-conflict',
    ]);
    const notAdmin = await api.command(
      'PUT',
      `/v1/leaderboards/${id}`,
      { sortOrder: 'desc', operator: 'best', resetSchedule: 'never' },
      keys.game,
    );
    expect(notAdmin.status).toBe(403);
    expect(await api.stream(`leaderboard-${id}`)).toHaveLength(1);
  });

  it('answers top N, rank and around-me on a closed period as before its close, and without a player it excludes', async () => {
    // A window that ends in a few seconds: the closer closes it once its end and the score grace passed.
    const start = new Date(Date.now() - 60_000).toISOString();
    const id = await board({
      sortOrder: 'desc',
      operator: 'best',
      resetSchedule: { type: 'window', start, end: new Date(Date.now() + 4_000).toISOString() },
    });
    const period = `period=${encodeURIComponent(start)}`;
    const periodPath = `/v1/leaderboards/${id}/periods/${encodeURIComponent(start)}`;
    // Ties of score, broken by the earlier achievement (submission order).
    const scores = Array.from(
      { length: 24 },
      (_, i) => [`p${String(i).padStart(2, '0')}`, 100 - (i % 7) * 5] as [string, number],
    );
    const position = await submitInOrder(id, scores);

    type Ranked = [rank: number, playerId: string, score: number];
    /** The top in pages of 5, and each player's rank with 2 neighbours either side, as the api answers. */
    const answers = async (minPosition = 0) => {
      const top: Ranked[] = [];
      let cursor: string | null = null;
      do {
        const more = cursor ? `&cursor=${cursor}` : `&minPosition=${minPosition}`;
        const page: any = await entries(id, `${period}&limit=5${more}`);
        top.push(...page.entries.map((e: any): Ranked => [e.rank, e.playerId, e.score]));
        cursor = page.nextCursor;
      } while (cursor);
      const around = await Promise.all(
        scores.map(async ([playerId]) => {
          const me = await api.query(`/v1/leaderboards/${id}/players/${playerId}?${period}&around=2`);
          if (me.status !== 200) return me.status;
          return [me.body.rank, me.body.neighbors.map((e: any): Ranked => [e.rank, e.playerId, e.score])];
        }),
      );
      return { top, around };
    };
    /** The same, computed from the submissions without the `excluded` players. */
    const expectedWithout = (excluded: string[]) => {
      const ranked = scores
        .filter(([playerId]) => !excluded.includes(playerId))
        .map(([playerId, score], i) => ({ playerId, score, i }))
        .sort((a, b) => b.score - a.score || a.i - b.i)
        .map(({ playerId, score }, i): Ranked => [i + 1, playerId, score]);
      const around = scores.map(([playerId]) => {
        const at = ranked.findIndex(([, player]) => player === playerId);
        if (at < 0) return 404;
        return [
          at + 1,
          ranked.slice(Math.max(0, at - 2), at + 3).filter((_, i, all) => all[i] !== ranked[at]),
        ];
      });
      return { top: ranked, around };
    };
    const live = await answers(position);
    expect(live).toEqual(expectedWithout([]));

    const closed = async (adjudications: number) => {
      for (let tries = 0; tries < 200; tries++) {
        const view = await api.query(periodPath);
        if (view.status === 200 && view.body.adjudications.length === adjudications) return view.body;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`${periodPath} did not reach ${adjudications} adjudications`);
    };
    expect(await closed(1)).toMatchObject({ status: 'closed' });
    expect(await answers()).toEqual(live);
    // Embedded, the period's entries are held frozen now (in cluster mode, in the api's rank cache).
    if (api.readModels instanceof MemoryReadStore)
      expect(api.readModels.isFrozen(boardRanking(id, start))).toBe(true);

    // An exclusion after the close: the period's entries stay as they are, queries leave the player out.
    const exclusion = await api.command('POST', `${periodPath}/exclusions`, {
      playerId: 'p07',
      reason: 'aim assistance',
    });
    expect(exclusion.status).toBe(201);
    await closed(2);
    expect(await answers()).toEqual(expectedWithout(['p07']));
  }, 30_000);

  it('checks the key before minPosition on its queries, then answers a malformed one or one past the log 400', async () => {
    const id = await board({ sortOrder: 'desc', operator: 'best', resetSchedule: 'never' });
    const rank = `/v1/leaderboards/${id}/players/p1`;
    expect((await api.query(`${rank}?minPosition=x`, 'not-a-key-0123456789')).status).toBe(401);
    const malformed = await api.query(`${rank}?minPosition=x`);
    expect([malformed.status, malformed.body.errors[0].field]).toEqual([400, 'minPosition']);
    const head = await api.events.headPosition();
    const late = await api.query(`/v1/leaderboards/${id}/entries?minPosition=${head + 1000}`);
    expect([late.status, problemType(late)]).toEqual([400, '/problems/validation-failed']);
  }, 10_000);
});
