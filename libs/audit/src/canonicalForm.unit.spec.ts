import { createHash } from 'node:crypto';
import { AnchorDigest, GENESIS_HASH, canonicalJson, chainLink, eventHash } from './canonicalForm';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('canonical form of an event', () => {
  it('sorts keys at every depth and writes no whitespace', () =>
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    ));

  it('writes what JSON.stringify writes for the values it keeps, leaving undefined keys out', () => {
    const value = {
      text: 'é "quoted" \n ☃ \u0001',
      n: -12,
      big: 9007199254740991,
      gone: undefined,
      at: new Date(0),
    };
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
    expect(canonicalJson(value)).toBe(
      '{"at":"1970-01-01T00:00:00.000Z","big":9007199254740991,"n":-12,"text":"é \\"quoted\\" \\n ☃ \\u0001"}',
    );
  });

  it('sorts keys by UTF-16 code units, not by locale', () =>
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4 })).toBe('{"B":2,"a":4,"b":1,"é":3}'));

  it('hashes exactly the documented fields, in the documented form', () => {
    const content = {
      type: 'CurrencyGranted',
      data: { playerId: 'p1', currency: 'GOLD', amount: 5, balanceAfter: 5, reason: 'welcome' },
      streamId: 'playerEconomy-p1',
      revision: 0,
      occurredAt: '2026-11-21T07:17:57.123Z',
      previousHash: GENESIS_HASH,
    };
    const expected = sha256(
      '{"data":{"amount":5,"balanceAfter":5,"currency":"GOLD","playerId":"p1","reason":"welcome"},' +
        '"occurredAt":"2026-11-21T07:17:57.123Z",' +
        `"previousHash":"${'0'.repeat(64)}","revision":0,"streamId":"playerEconomy-p1","type":"CurrencyGranted"}`,
    );
    expect(eventHash(content)).toBe(expected);
    expect(eventHash(content)).toMatch(/^[0-9a-f]{64}$/);
    // Any field changes the hash.
    for (const change of [
      { revision: 1 },
      { streamId: 'x' },
      { type: 'y' },
      { occurredAt: 'z' },
      { data: {} },
    ]) {
      expect(eventHash({ ...content, ...change })).not.toBe(expected);
    }
  });

  it('links to the stored hash, or to the legacy seal of an event written before hashing', () => {
    const event = {
      type: 'T',
      data: { a: 1 },
      streamId: 's-1',
      revision: 3,
      occurredAt: '2026-01-01T00:00:00.000Z',
      position: 9,
    };
    expect(chainLink({ ...event, metadata: { hash: 'f'.repeat(64) } })).toBe('f'.repeat(64));
    expect(chainLink({ ...event, metadata: {} })).toBe(eventHash({ ...event, previousHash: null }));
  });

  it('chains anchor digests over the links in order', () => {
    const digest = new AnchorDigest(GENESIS_HASH);
    digest.add('a'.repeat(64));
    digest.add('b'.repeat(64));
    expect(digest.eventCount).toBe(2);
    expect(digest.digest()).toBe(sha256(`${'0'.repeat(64)}${'a'.repeat(64)}${'b'.repeat(64)}`));
  });
});
