import {
  closeReason,
  parseClientMessage,
  snapshotMessage,
  topicKey,
  topicPlayer,
  updateMessage,
} from './protocol';

describe('stream protocol', () => {
  const subscribe = (topic: object, extra: object = {}) =>
    parseClientMessage(JSON.stringify({ type: 'subscribe', id: 's1', topic, ...extra }));

  it('reads subscribe and unsubscribe messages', () => {
    const board = { kind: 'board', leaderboardId: 'weekly', limit: 10 };
    expect(subscribe(board, { from: 42 })).toEqual({ type: 'subscribe', id: 's1', topic: board, from: 42 });
    expect(parseClientMessage('{"type":"unsubscribe","id":"s1"}')).toEqual({ type: 'unsubscribe', id: 's1' });
  });

  it.each([
    ['{', 'not JSON'],
    ['null', 'type: must be subscribe or unsubscribe'],
    ['{"type":"hello"}', 'type: must be subscribe or unsubscribe'],
    ['{"type":"unsubscribe","id":"has space"}', 'id: expected string to match'],
  ])('names what is wrong with %s', (text, error) => {
    expect((parseClientMessage(text) as { error: string }).error).toMatch(new RegExp(`^${error}`));
  });

  it.each([
    [{ kind: 'board', leaderboardId: 'weekly', limit: 101 }, {}, /^topic\.limit: /],
    [{ kind: 'rank', leaderboardId: 'weekly', playerId: 'p1', around: -1 }, {}, /^topic\.around: /],
    [{ kind: 'wallet', playerId: 'p1', extra: 1 }, {}, /^topic\.extra: /],
    [{ kind: 'wallet' }, {}, /^topic\.playerId: /],
    [{ kind: 'ledger', playerId: 'p1' }, {}, /^topic\.kind: must be board, rank, wallet or inventory$/],
    [{ kind: 'wallet', playerId: 'p1' }, { from: -1 }, /^from: /],
    [{ kind: 'wallet', playerId: 'p1' }, { id: '' }, /^id: /],
  ])('names the field of a bad subscription %j %j', (topic, extra, error) => {
    expect((subscribe(topic, extra) as { error: string }).error).toMatch(error);
  });

  it('keys equal topics alike whatever the order of their fields, and names their player', () => {
    const a = { kind: 'rank', leaderboardId: 'b', playerId: 'p', around: 1 } as const;
    const b = { around: 1, playerId: 'p', leaderboardId: 'b', kind: 'rank' } as const;
    expect(topicKey(a)).toBe(topicKey(b));
    expect(topicKey({ ...a, period: '2026-W49' })).not.toBe(topicKey(a));
    expect(topicPlayer(a)).toBe('p');
    expect(topicPlayer({ kind: 'board', leaderboardId: 'b', limit: 5 })).toBeUndefined();
  });

  it('writes updates that name the topic, and the subscription only when asked (the first of a resume)', () => {
    const data = JSON.stringify({ balances: { GOLD: 3 } });
    expect(JSON.parse(updateMessage('wallet|p"1', 9, 4, [5, 9], data))).toEqual({
      type: 'update',
      topic: 'wallet|p"1',
      position: 9,
      after: 4,
      changes: [5, 9],
      data: { balances: { GOLD: 3 } },
    });
    expect(JSON.parse(updateMessage('wallet|p', 9, 4, [], data, 'w')).id).toBe('w');
    expect(JSON.parse(snapshotMessage('w', 'wallet|p', 9, 'too-far-back', 'null'))).toEqual({
      type: 'snapshot',
      id: 'w',
      topic: 'wallet|p',
      position: 9,
      reason: 'too-far-back',
      data: null,
    });
  });

  it('cuts close reasons to the 123 bytes a close frame holds', () => {
    expect(Buffer.byteLength(closeReason('é'.repeat(100)))).toBeLessThanOrEqual(123);
    expect(closeReason('short')).toBe('short');
  });
});
