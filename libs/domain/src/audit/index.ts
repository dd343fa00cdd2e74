export * from './logAnchors';
