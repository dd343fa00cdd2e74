import { deciderSpecification } from '@test/support/deciderSpecification';
import { GENESIS_DIGEST, type LogAnchorData, logAnchorsDecider } from './logAnchors';

const given = deciderSpecification(logAnchorsDecider).given;
const first: LogAnchorData = {
  fromPosition: 0,
  position: 10,
  eventCount: 10,
  previousDigest: GENESIS_DIGEST,
  digest: 'a'.repeat(64),
  streamHeads: { 'playerEconomy-p1': 9 },
};
const second: LogAnchorData = {
  ...first,
  fromPosition: 10,
  position: 15,
  eventCount: 4,
  previousDigest: first.digest,
  digest: 'b'.repeat(64),
};

describe('log anchors', () => {
  it('anchors the first range of the log', () =>
    given([])
      .when({ type: 'AnchorLog', data: first })
      .then([{ type: 'LogAnchored', data: first }]));

  it('chains the next anchor to the last one', () =>
    given([{ type: 'LogAnchored', data: first }])
      .when({ type: 'AnchorLog', data: second })
      .then([{ type: 'LogAnchored', data: second }]));

  it('records nothing when another instance anchored the range first', () =>
    given([{ type: 'LogAnchored', data: first }])
      .when({ type: 'AnchorLog', data: first })
      .thenNothingHappens());

  it('records nothing when the previous digest is not the last anchor', () =>
    given([{ type: 'LogAnchored', data: first }])
      .when({ type: 'AnchorLog', data: { ...second, previousDigest: GENESIS_DIGEST } })
      .thenNothingHappens());

  it.each([
    [{ position: 0 }, 'position'],
    [{ eventCount: 0 }, 'eventCount'],
    [{ digest: 'XYZ' }, 'digest'],
  ])('rejects %p naming %s', (change, field) =>
    given([])
      .when({ type: 'AnchorLog', data: { ...first, ...change } })
      .thenRejects('invalid-input', field),
  );
});
