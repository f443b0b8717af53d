export * from './services/errors.js';
