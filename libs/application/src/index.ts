export * from './commandContext';
export * from './cursors';
export * from './errors';
export * from './idempotentAppend';
export * from './streamCommandHandler';
export * from './streamStateCache';
