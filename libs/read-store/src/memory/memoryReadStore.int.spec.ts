import { readStoreContract } from '../testing/readStoreContract';
import { MemoryReadStore } from './memoryReadStore';

readStoreContract('memory', async (collections) => new MemoryReadStore(collections));
