/**
 * Work on one stream runs one piece at a time in this process, in arrival order: a hot wallet queues
 * instead of failing on its own expected revision. Across processes the expected revision still guards.
 */
export class StreamQueues {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier piece of work on the same stream has finished. */
  run<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(streamId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(streamId, settled);
    void settled.then(() => {
      if (this.tails.get(streamId) === settled) this.tails.delete(streamId);
    });
    return result;
  }
}
