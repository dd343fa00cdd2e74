import { randomUUID } from 'node:crypto';
import type { SnapshotStore, StreamSnapshot } from '@app/event-store';

/**
 * The behaviour every snapshot store adapter must have. Stream names are unique per test so the suite can
 * run against a shared server that already holds data.
 */
export const snapshotStoreContract = (
  name: string,
  open: () => Promise<SnapshotStore & { close(): Promise<void> }>,
) => {
  describe(`snapshot store contract: ${name}`, () => {
    let store: SnapshotStore & { close(): Promise<void> };
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    const stream = () => `snapshot-contract-${randomUUID()}`;
    const snapshot = (streamId: string, revision: number, version = 1): StreamSnapshot => ({
      streamId,
      version,
      revision,
      payload: JSON.stringify({ revision, text: 'é "quoted" \n ☃ \u0001 \u{1F600}' }),
    });

    it('keeps nothing for a stream it was never given', async () => {
      await expect(store.loadSnapshot(stream(), 1)).resolves.toBeUndefined();
    });

    it('gives back the snapshot it kept, payload unchanged', async () => {
      const id = stream();
      await store.saveSnapshot(snapshot(id, 41));
      await expect(store.loadSnapshot(id, 1)).resolves.toEqual(snapshot(id, 41));
    });

    it('keeps a payload of a few megabytes whole', async () => {
      const id = stream();
      const large = { ...snapshot(id, 7), payload: 'x'.repeat(3 * 1024 * 1024) + '☃' };
      await store.saveSnapshot(large);
      await expect(store.loadSnapshot(id, 1)).resolves.toEqual(large);
    });

    it('replaces a snapshot with a later one only, never with an earlier or equal one', async () => {
      const id = stream();
      await store.saveSnapshot(snapshot(id, 10));
      await store.saveSnapshot(snapshot(id, 20));
      await store.saveSnapshot(snapshot(id, 15));
      await store.saveSnapshot({ ...snapshot(id, 20), payload: 'a second one at the same revision' });
      await expect(store.loadSnapshot(id, 1)).resolves.toEqual(snapshot(id, 20));
    });

    it('keeps the latest of snapshots saved concurrently', async () => {
      const id = stream();
      const revisions = [3, 9, 1, 7, 5];
      await Promise.all(revisions.map((revision) => store.saveSnapshot(snapshot(id, revision))));
      await expect(store.loadSnapshot(id, 1)).resolves.toEqual(snapshot(id, 9));
    });

    it('keeps each version apart: a load sees only its own version', async () => {
      const id = stream();
      await store.saveSnapshot(snapshot(id, 30, 1));
      await store.saveSnapshot(snapshot(id, 12, 2));
      await expect(store.loadSnapshot(id, 1)).resolves.toEqual(snapshot(id, 30, 1));
      await expect(store.loadSnapshot(id, 2)).resolves.toEqual(snapshot(id, 12, 2));
      await expect(store.loadSnapshot(id, 3)).resolves.toBeUndefined();
      await expect(store.loadSnapshot(stream(), 1)).resolves.toBeUndefined();
    });
  });
};
