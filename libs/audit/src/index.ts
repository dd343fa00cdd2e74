export * from './canonicalForm';
export * from './chainVerifier';
export * from './eventLogAudit';
