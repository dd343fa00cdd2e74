export * from './memoryReadStore';
