import { AppendTooLargeError } from '@app/event-store';
import { toProblem } from './problem';

describe('toProblem', () => {
  it('answers events over the store’s append limit as 413, changing nothing', () => {
    expect(toProblem(new AppendTooLargeError('wallet-p1', 1_048_576))).toEqual({
      type: '/problems/payload-too-large',
      title: 'Request body too large',
      status: 413,
      detail: "the events this request would append exceed the event store's 1048576 bytes",
    });
  });
});
