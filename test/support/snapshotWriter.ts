/**
 * Writes the read model snapshot of a log again and again, until killed: the process a test kills while
 * it writes. Usage: node -r @swc-node/register test/support/snapshotWriter.ts <events.db> <snapshot>
 */
import { SqliteEventStore } from '@app/event-store/sqlite';
import { projectionsDigest, readModelCollections, readModels, replay } from '@app/projections';
import { MemoryReadStore, MemorySnapshotFile } from '@app/read-store/memory';

async function main([file, path]: string[]): Promise<void> {
  const log = new SqliteEventStore(file, { synchronous: 'NORMAL' });
  const store = new MemoryReadStore(readModelCollections);
  const position = await replay(log, store, readModels);
  const [event] = await log.readAll(position - 1, 1);
  const snapshots = new MemorySnapshotFile(store, path, projectionsDigest(readModels));
  process.stdout.write('writing\n');
  for (;;) await snapshots.cut().write(event.id);
}

void main(process.argv.slice(2));
