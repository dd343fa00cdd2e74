import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { StreamClient, type StreamMessage } from '@test/support/streamClient';
import { keys, problemType, startApp, type TestApp } from '@test/support/testApp';

const signing = { kid: 'k2', secret: 'current-signing-secret-0123456789abcdef' };
const retiring = { kid: 'k1', secret: 'retiring-signing-secret-0123456789abcdef' };
const env = {
  SESSION_TOKEN_KEYS: `${signing.kid}:${signing.secret};${retiring.kid}:${retiring.secret}`,
  // Small enough that a paused reader fills it and a few dozen changes make it too far behind.
  STREAM_SEND_BUFFER_BYTES: '1024',
  STREAM_MAX_PENDING_CHANGES: '50',
  STREAM_MAX_SUBSCRIPTIONS: '25',
  STREAM_SUBSCRIBES_PER_SECOND: '30',
};

/** A token as the api signs them, with any key, claims and expiry: forged, expired or of a retired key. */
const token = (key: { kid: string; secret: string }, playerId: string, expiresInSeconds: number) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: key.kid })
    .setSubject(playerId)
    .setIssuer('game-economy-api')
    .setAudience('stream')
    .setIssuedAt(now - 60)
    .setExpirationTime(now + expiresInSeconds)
    .sign(new TextEncoder().encode(key.secret));
};

/** Every message of a subscription continues the previous one and lists changes once, in order. */
function expectContinuous(messages: StreamMessage[]): number[] {
  const changes: number[] = [];
  for (let i = 1; i < messages.length; i++) {
    expect(messages[i]).toMatchObject({ type: 'update', after: messages[i - 1].position });
    changes.push(...messages[i].changes!);
  }
  expect(changes).toEqual([...changes].sort((a, b) => a - b));
  expect(new Set(changes).size).toBe(changes.length);
  return changes;
}

describe('live stream /v1/stream (e2e)', () => {
  let api: TestApp;
  const clients: StreamClient[] = [];
  const connect = (credential: Parameters<typeof StreamClient.connect>[1], options = {}) => {
    const client = StreamClient.connect(api.url, credential, options);
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    api = await startApp({ env });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(() => api.close());

  const player = () => `p-${randomUUID().slice(0, 8)}`;
  const grant = async (playerId: string, amount: number) => {
    const response = await api.command(
      'POST',
      `/v1/players/${playerId}/grants`,
      { currency: 'GOLD', amount, reason: 'stream test' },
      keys.game,
    );
    expect(response.status).toBe(201);
    return response.body.position as number;
  };
  const mint = async (playerId: string, body: object = {}) => {
    const response = await api.command('POST', `/v1/players/${playerId}/sessions`, body, keys.fuzzer);
    expect(response.status).toBe(200);
    return response.body.token as string;
  };
  const board = async () => {
    const id = `lb-${randomUUID().slice(0, 8)}`;
    const definition = { sortOrder: 'desc', operator: 'best', resetSchedule: 'never' };
    expect((await api.command('PUT', `/v1/leaderboards/${id}`, definition)).status).toBe(201);
    return id;
  };
  const submit = async (id: string, playerId: string, score: number) => {
    const response = await api.command(
      'POST',
      `/v1/leaderboards/${id}/scores`,
      { playerId, score },
      keys.game,
    );
    expect(response.status).toBe(201);
    return response.body.position as number;
  };
  const metric = async (name: string) => {
    const response = await fetch(`${api.url}/metrics`, {
      headers: { authorization: `Bearer ${keys.monitoring}` },
    });
    const text = await response.text();
    const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('sends a wallet snapshot, then each change with its position', async () => {
    const p = player();
    const first = await grant(p, 10);
    const client = connect({ bearer: keys.game });
    client.subscribe('w', { kind: 'wallet', playerId: p });
    const snapshot = await client.nth('w', 1);
    expect(snapshot).toMatchObject({
      type: 'snapshot',
      reason: 'subscribed',
      data: { balances: { GOLD: 10 } },
    });
    expect(snapshot.position).toBeGreaterThanOrEqual(first);
    const second = await grant(p, 5);
    expect(await client.nth('w', 2)).toMatchObject({
      type: 'update',
      after: snapshot.position,
      changes: [second],
      position: second,
      data: { playerId: p, balances: { GOLD: 15 } },
    });
  });

  it("pushes a board's top N and a player's rank with the players around them, as the HTTP routes answer them", async () => {
    const id = await board();
    await submit(id, 'alice', 50);
    await submit(id, 'bob', 40);
    const client = connect({ bearer: keys.reader });
    client.subscribe('top', { kind: 'board', leaderboardId: id, limit: 2 });
    client.subscribe('bob', { kind: 'rank', leaderboardId: id, playerId: 'bob', around: 1 });
    client.subscribe('carol', { kind: 'rank', leaderboardId: id, playerId: 'carol', around: 1 });
    expect((await client.nth('top', 1)).data.entries.map((e: any) => e.playerId)).toEqual(['alice', 'bob']);
    expect((await client.nth('bob', 1)).data).toMatchObject({ rank: 2, neighbors: [{ playerId: 'alice' }] });
    expect((await client.nth('carol', 1)).data).toBeNull();
    const carol = await submit(id, 'carol', 45);
    const top = await client.nth('top', 2);
    expect(top).toMatchObject({ type: 'update', changes: [carol] });
    expect(top.data).toEqual((await api.query(`/v1/leaderboards/${id}/entries?limit=2`)).body);
    expect((await client.nth('bob', 2)).data).toEqual(
      (await api.query(`/v1/leaderboards/${id}/players/bob?around=1`)).body,
    );
    expect((await client.nth('carol', 2)).data).toMatchObject({ rank: 2 });
    // A change on another board reaches none of these subscriptions; Dave's moves all three.
    const other = await board();
    await submit(other, 'alice', 1);
    const later = await submit(id, 'dave', 60);
    await client.until((all) => all.filter((m) => m.changes?.includes(later)).length === 3);
    expect(client.messages.filter((m) => m.position > carol && !m.changes?.includes(later))).toEqual([]);
  });

  it('sends each new state of a topic as one update, the same for all its subscribers, and none when it did not change', async () => {
    const id = await board();
    await submit(id, 'alice', 50);
    const topic = { kind: 'board', leaderboardId: id, limit: 1 };
    const [first, second] = [connect({ bearer: keys.reader }), connect({ bearer: keys.reader })];
    first.subscribe('x', topic);
    second.subscribe('y', topic);
    const [x, y] = [await first.nth('x', 1), await second.nth('y', 1)];
    expect(x.topic).toEqual(expect.any(String));
    expect(y.topic).toBe(x.topic);
    const bob = await submit(id, 'bob', 60);
    const [x2, y2] = [await first.nth('x', 2), await second.nth('y', 2)];
    expect(x2).toMatchObject({
      type: 'update',
      topic: x.topic,
      changes: [bob],
      data: { entries: [{ playerId: 'bob' }] },
    });
    expect(x2.id).toBeUndefined();
    expect({ ...y2, subscription: 'x' }).toEqual(x2);
    // Carol does not reach the top 1: no update, until Dave does; his update lists both changes.
    const carol = await submit(id, 'carol', 10);
    const dave = await submit(id, 'dave', 70);
    expect(await first.nth('x', 3)).toMatchObject({
      after: x2.position,
      changes: [carol, dave],
      data: { entries: [{ playerId: 'dave' }] },
    });
    expect(first.of('x')).toHaveLength(3);
  });

  it('resumes from the last position seen: every change after it once, or a snapshot when too far back', async () => {
    const p = player();
    await grant(p, 1);
    const first = connect({ bearer: keys.game });
    first.subscribe('w', { kind: 'wallet', playerId: p });
    const seen = await first.nth('w', 1);
    await first.close();
    const missed = [await grant(p, 2), await grant(p, 3), await grant(p, 4)];
    const second = connect({ bearer: keys.game });
    second.subscribe('w', { kind: 'wallet', playerId: p }, seen.position);
    const resumed = await second.nth('w', 1);
    expect(resumed).toMatchObject({ type: 'update', after: seen.position, changes: missed });
    expect(resumed.data.balances.GOLD).toBe(10);
    const next = await grant(p, 5);
    expect(await second.nth('w', 2)).toMatchObject({ after: resumed.position, changes: [next] });
    // Nothing changed since: an update that lists no change, with the current state.
    const third = connect({ bearer: keys.game });
    third.subscribe('w', { kind: 'wallet', playerId: p }, next);
    expect(await third.nth('w', 1)).toMatchObject({ type: 'update', after: next, changes: [] });
  });

  it('answers a resume from further back than the stream remembers with a snapshot that says so', async () => {
    const short = await startApp({ env: { STREAM_RESUME_EVENTS: '2' } });
    const client = StreamClient.connect(short.url, { bearer: keys.reader });
    try {
      const p = player();
      const grantOn = async (amount: number) =>
        (
          await short.command(
            'POST',
            `/v1/players/${p}/grants`,
            { currency: 'GOLD', amount, reason: 'r' },
            keys.game,
          )
        ).body.position as number;
      const seen = await grantOn(1);
      await grantOn(2);
      const recent = await grantOn(3);
      await grantOn(4);
      client.subscribe('old', { kind: 'wallet', playerId: p }, seen);
      expect(await client.nth('old', 1)).toMatchObject({
        type: 'snapshot',
        reason: 'too-far-back',
        data: { balances: { GOLD: 10 } },
      });
      // The same topic again, so the first subscription ends first (a connection holds a topic once).
      client.send({ type: 'unsubscribe', id: 'old' });
      client.subscribe('recent', { kind: 'wallet', playerId: p }, recent);
      expect(await client.nth('recent', 1)).toMatchObject({
        type: 'update',
        after: recent,
        changes: [recent + 1],
      });
    } finally {
      await client.close();
      await short.close();
    }
  });

  it('refuses connections without a valid credential, with a close code and reason', async () => {
    const p = player();
    const refusals = await Promise.all([
      connect({}).closed,
      connect({ bearer: 'not-a-key-0123456789' }).closed,
      connect({ bearer: keys.monitoring }).closed,
      connect({ bearer: await token({ ...signing, secret: 'forged-secret-0123456789abcdefghijkl' }, p, 60) })
        .closed,
      connect({ bearer: await token({ kid: 'k0', secret: signing.secret }, p, 60) }).closed,
      connect({ query: await token(signing, p, -10) }).closed,
      connect({ query: 'a.b.c' }).closed,
    ]);
    expect(refusals).toEqual([
      { code: 4401, reason: 'send Authorization: Bearer <api key or session token>' },
      { code: 4401, reason: 'unknown API key' },
      { code: 4403, reason: 'the stream needs the read scope' },
      { code: 4401, reason: 'session token is not valid' },
      { code: 4401, reason: 'session token signed with an unknown key' },
      { code: 4419, reason: 'session token expired' },
      { code: 4401, reason: 'session token is not valid' },
    ]);
  });

  it("lets a session token see its player's wallet, rank and public boards, and nothing of another player", async () => {
    const p = player();
    const id = await board();
    await grant(p, 7);
    // Minted by the api (first key), and one signed with the retiring key: both verify.
    for (const credential of [await mint(p), await token(retiring, p, 60)]) {
      const client = connect({ query: credential });
      client.subscribe('w', { kind: 'wallet', playerId: p });
      client.subscribe('i', { kind: 'inventory', playerId: p });
      client.subscribe('b', { kind: 'board', leaderboardId: id, limit: 10 });
      client.subscribe('r', { kind: 'rank', leaderboardId: id, playerId: p, around: 0 });
      expect((await client.nth('w', 1)).data.balances).toEqual({ GOLD: 7 });
      await client.nth('i', 1);
      await client.nth('b', 1);
      await client.nth('r', 1);
      client.subscribe('other', { kind: 'wallet', playerId: 'someone-else' });
      expect(await client.closed).toEqual({
        code: 4403,
        reason: `topic: a session of ${p} may not subscribe to wallet of someone-else`,
      });
    }
    const rank = connect({ bearer: await mint(p) });
    rank.subscribe('r', { kind: 'rank', leaderboardId: id, playerId: 'someone-else', around: 0 });
    expect((await rank.closed).code).toBe(4403);
  });

  it("revokes a player's sessions: live connections close, old tokens are refused, new ones work, after a restart too", async () => {
    const p = player();
    const old = await mint(p);
    const live = connect({ bearer: old });
    live.subscribe('w', { kind: 'wallet', playerId: p });
    await live.nth('w', 1);
    const revoke = (body: object, key = keys.fuzzer) =>
      api.command('POST', `/v1/players/${p}/sessions/revocations`, body, key);
    expect((await revoke({ reason: 'stolen' }, keys.reader)).status).toBe(403);
    const bad = await revoke({ reason: '' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('reason');
    expect((await revoke({ reason: 'account compromised' })).status).toBe(201);
    expect(await live.closed).toEqual({ code: 4401, reason: 'session token revoked' });
    expect(await connect({ query: old }).closed).toEqual({ code: 4401, reason: 'session token revoked' });
    const fresh = connect({ query: await mint(p) });
    fresh.subscribe('w', { kind: 'wallet', playerId: p });
    expect(await fresh.nth('w', 1)).toMatchObject({ type: 'snapshot' });
    await fresh.close();
    // The revocation is in the log: an api started on it knows it.
    const restarted = await startApp({ dataDir: api.dataDir, env });
    try {
      const again = StreamClient.connect(restarted.url, { query: old });
      expect(await again.closed).toEqual({ code: 4401, reason: 'session token revoked' });
    } finally {
      await restarted.close();
    }
  });

  it('closes a session when its token expires', async () => {
    const p = player();
    const client = connect({ bearer: await mint(p, { ttlSeconds: 10 }) });
    client.subscribe('w', { kind: 'wallet', playerId: p });
    await client.nth('w', 1);
    expect(await client.closed).toEqual({ code: 4419, reason: 'session token expired' });
  }, 20_000);

  it('mints session tokens only for keys with the sessions scope, and answers bad input with a problem', async () => {
    const p = player();
    const denied = await api.command('POST', `/v1/players/${p}/sessions`, {}, keys.reader);
    expect(denied.status).toBe(403);
    const bad = await api.command('POST', `/v1/players/${p}/sessions`, { ttlSeconds: 5 }, keys.fuzzer);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problemType(bad)).toMatch(/validation-failed$/);
    expect(JSON.stringify(bad.body.errors)).toContain('ttlSeconds');
    const badPlayer = await api.command('POST', `/v1/players/${'x'.repeat(70)}/sessions`, {}, keys.fuzzer);
    expect(badPlayer.status).toBe(400);
    const minted = await api.command('POST', `/v1/players/${p}/sessions`, { ttlSeconds: 60 }, keys.fuzzer);
    expect(minted.body).toMatchObject({ playerId: p, token: expect.any(String) });
    const lives = Date.parse(minted.body.expiresAt) - Date.now();
    expect(lives).toBeGreaterThan(0);
    expect(lives).toBeLessThanOrEqual(60_000);
  });

  it('closes on a malformed message or a subscription over the limits, naming what is wrong', async () => {
    const malformed = connect({ bearer: keys.reader });
    malformed.send({ type: 'subscribe', id: 's', topic: { kind: 'board', leaderboardId: 'x', limit: 1000 } });
    expect(await malformed.closed).toEqual({
      code: 4400,
      reason: 'topic.limit: expected integer to be less or equal to 100',
    });
    const twice = connect({ bearer: keys.reader });
    twice.subscribe('a', { kind: 'wallet', playerId: 'p1' });
    twice.subscribe('b', { kind: 'wallet', playerId: 'p1' });
    expect(await twice.closed).toEqual({ code: 4400, reason: 'topic: already subscribed as a' });
    const notJson = connect({ bearer: keys.reader });
    notJson.socket.on('open', () => notJson.socket.send('{'));
    expect(await notJson.closed).toEqual({ code: 4400, reason: 'not JSON' });
    const many = connect({ bearer: keys.reader });
    for (let i = 0; i < 26; i++) many.subscribe(`w${i}`, { kind: 'wallet', playerId: `p${i}` });
    expect(await many.closed).toEqual({ code: 4429, reason: 'more than 25 subscriptions' });
    const fast = connect({ bearer: keys.reader });
    // Far more than a second's allowance, sent at once.
    for (let i = 0; i < 300; i++) {
      fast.subscribe(`w${i}`, { kind: 'wallet', playerId: `p${i}` });
      fast.send({ type: 'unsubscribe', id: `w${i}` });
    }
    expect(await fast.closed).toEqual({ code: 4429, reason: 'more than 30 subscribe messages per second' });
    const unknown = connect({ bearer: keys.reader });
    unknown.subscribe('b', { kind: 'board', leaderboardId: 'no-such-board', limit: 1 });
    expect(await unknown.nth('b', 1)).toMatchObject({ type: 'error', code: 'unknown-leaderboard' });
  });

  it('conflates updates for a reader that does not keep up, then closes it when too far behind', async () => {
    const id = await board();
    const subscriptions = Array.from({ length: 20 }, (_, i) => `top${i}`);
    for (let i = 0; i < 100; i++) await submit(id, `seed-${i}`, 1000 + i);
    const slow = connect({ bearer: keys.reader });
    // One topic each (a connection subscribes to a topic once): the top 100, 99, ...
    subscriptions.forEach((sub, i) =>
      slow.subscribe(sub, { kind: 'board', leaderboardId: id, limit: 100 - i }),
    );
    await slow.until((all) => all.length === subscriptions.length);
    // 1. The reader stops reading: once its socket's buffers are full, updates wait and merge.
    slow.socket.pause();
    const conflatedBefore = await metric('stream_conflated_updates_total');
    const submitted: number[] = [];
    for (let i = 0; (await metric('stream_conflated_updates_total')) === conflatedBefore; i++) {
      if (i === 2000) throw new Error('the stream never conflated');
      // Each score above every earlier one: every change moves every top N.
      submitted.push(await submit(id, `p-${i}`, 10_000 + i));
    }
    for (let i = 0; i < 5; i++) submitted.push(await submit(id, `late-${i}`, 20_000 + i));
    slow.socket.resume();
    const last = submitted[submitted.length - 1];
    await slow.until((all) =>
      subscriptions.every((sub) => all.some((m) => m.subscription === sub && m.changes?.includes(last))),
    );
    for (const sub of subscriptions) {
      const messages = slow.of(sub);
      expect(expectContinuous(messages)).toEqual(submitted);
      // Fewer messages than changes: some updates were merged, the latest state winning.
      expect(messages.length - 1).toBeLessThan(submitted.length);
    }
    expect(slow.of('top0').at(-1)!.data).toEqual(
      (await api.query(`/v1/leaderboards/${id}/entries?limit=100`)).body,
    );
    // 2. Paused again, it falls more than STREAM_MAX_PENDING_CHANGES behind: closed, with how to resume.
    slow.socket.pause();
    const closedBefore = await metric('stream_closed_total{code="4409"}');
    for (let i = 0; (await metric('stream_closed_total{code="4409"}')) === closedBefore; i++) {
      if (i === 2000) throw new Error('the slow reader was never closed');
      await submit(id, `q-${i}`, 30_000 + i);
    }
    slow.socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4409);
    expect(closed.reason).toMatch(/^subscription top\d+ is too far behind: resubscribe with from=\d+$/);
  }, 120_000);

  it('drops a peer that stops answering pings', async () => {
    const quick = await startApp({ env: { STREAM_PING_MS: '100' } });
    try {
      const dead = StreamClient.connect(quick.url, { bearer: keys.reader }, { autoPong: false });
      const alive = StreamClient.connect(quick.url, { bearer: keys.reader });
      await Promise.all([dead.opened(), alive.opened()]);
      expect((await dead.closed).code).toBe(1006);
      expect(alive.socket.readyState).toBe(alive.socket.OPEN);
      await alive.close();
    } finally {
      await quick.close();
    }
  });
});
