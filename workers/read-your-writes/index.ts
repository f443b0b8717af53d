/** Read-your-writes: wait until the projection has reached a transaction's height. */
export * from './await-projection.js';
export * from './height-notices.js';
export * from './notice-channel.js';
