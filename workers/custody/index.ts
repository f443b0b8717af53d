/** Custodial organisation keys sealed on disk. */
export * from './errors.js';
export * from './key-store.js';
