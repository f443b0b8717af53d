/** The commands queue: enqueue signed transactions, the worker that submits them, and the resolver's wait. */
export * from './errors.js';
export * from './classify.js';
export * from './queue.js';
export * from './worker.js';
export * from './submit-and-await.js';
export * from './outcome-notices.js';
export * from './args.js';
