export * from './canonicalForm';
export * from './chainVerifier';
export * from './eventLogAudit';
export * from './eventExport';
export * from './hashChain';
export * from './playerHistory';
export * from './replayCheck';
export * from './standings';
