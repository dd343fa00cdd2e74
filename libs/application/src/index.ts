export * from './commandContext';
export * from './cursors';
export * from './errors';
export * from './idempotentAppend';
export * from './progress';
export * from './streamCommandHandler';
export * from './streamStateCache';
