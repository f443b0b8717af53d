/**
 * EPCIS 2.0 events on the ledger: preparing a captured event so it stands without its document, its
 * CBV 2.0 event hash ID, and the facts queries and traces read from it. Pure: no I/O, safe in a browser.
 */
export * from './errors.js';
export * from './namespaces.js';
export * from './digital-link.js';
export * from './values.js';
export * from './prepare.js';
export * from './pre-hash.js';
export * from './facts.js';
