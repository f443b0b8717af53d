/**
 * The relationship types a trace walks (docs/traceability.md). Production, supply and EPCIS handlers
 * write them; trace queries and the trace benchmark build their patterns from these, so a new kind of
 * derivation is added in one place.
 */

/** Followed outgoing from a product or lot: what it was made from, back to the suppliers. */
export const traceBackwardTypes = 'OF_BATCH|PROCESSED_IN|CONSUMED|MADE_FROM|SUPPLIED_BY';

/** Followed incoming from a lot: everything made from it. */
export const traceForwardTypes = 'OF_BATCH|PROCESSED_IN|CONSUMED|MADE_FROM';

/** Deepest trace a query may ask for, in relationships. */
export const traceDepthMax = 12;
