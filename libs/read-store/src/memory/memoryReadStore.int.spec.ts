import { readStoreContract } from '@test/support/readStoreContract';
import { MemoryReadStore } from './memoryReadStore';

readStoreContract('memory', async (collections) => new MemoryReadStore(collections));
