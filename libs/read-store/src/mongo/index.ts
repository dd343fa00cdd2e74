export * from './mongoReadStore';
export * from './aliasedReadStore';
