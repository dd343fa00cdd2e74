export * from './eventStore';
