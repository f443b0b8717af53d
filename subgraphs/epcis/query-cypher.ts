/**
 * One parameterised Cypher read for a parsed events query: every filter a `WHERE` conjunct over the
 * projected `(:EpcisEvent)` properties, values only ever in parameters, ordered by (eventTimeMs,
 * hashId) so pages are stable while events are added, and one row more than the page so the caller
 * knows whether a next page exists. Pure.
 *
 * MATCH_epc and MATCH_anyEPC differ only in the parent: the projection lists an event's instance EPCs
 * in `epcs`, and the canonical JSON of the event (`json`, RFC 8785: no whitespace, fixed escaping)
 * holds `"parentID":"<epc>"` exactly when the EPC is the event's parent. So MATCH_epc takes an EPC in
 * `epcs` that is not the parent, and MATCH_anyEPC takes one in `epcs` or the parent, whether or not
 * the projection lists parents among `epcs`.
 */
import type { Parameters } from '@twinledger/graph-schema';
import type { EventQuery } from './query-params.js';

/** Whose events the caller sees: every organisation's, or one organisation's. */
export type EventScope = { readonly kind: 'all' } | { readonly kind: 'organization'; readonly organizationId: string };

export interface EventsStatement {
  readonly cypher: string;
  readonly parameters: Parameters;
}

/** The canonical-JSON text that marks `epc` as an event's parentID. */
export function parentNeedle(epc: string): string {
  return `"parentID":${JSON.stringify(epc)}`;
}

/** The statement answering `query` for `scope`: columns hashId, eventTimeMs, json; at most perPage + 1 rows. */
export function eventsStatement(query: EventQuery, scope: EventScope): EventsStatement {
  const conditions: string[] = [];
  const parameters: { [name: string]: Parameters[string] } = { limit: query.perPage + 1 };
  const { filter } = query;
  if (scope.kind === 'organization') {
    conditions.push('e.capturedBy = $organizationId');
    parameters['organizationId'] = scope.organizationId;
  }
  const inList = (property: string, name: string, values: readonly string[] | undefined): void => {
    if (values === undefined) return;
    conditions.push(`e.${property} IN $${name}`);
    parameters[name] = [...values];
  };
  inList('eventType', 'eventTypes', filter.eventTypes);
  inList('action', 'actions', filter.actions);
  inList('bizStep', 'bizSteps', filter.bizSteps);
  inList('disposition', 'dispositions', filter.dispositions);
  inList('bizLocation', 'bizLocations', filter.bizLocations);
  inList('readPoint', 'readPoints', filter.readPoints);
  const bound = (property: string, name: string, operator: '>=' | '<', value: number | undefined): void => {
    if (value === undefined) return;
    conditions.push(`e.${property} ${operator} $${name}`);
    parameters[name] = value;
  };
  bound('eventTimeMs', 'eventTimeMsFrom', '>=', filter.eventTimeMsFrom);
  bound('eventTimeMs', 'eventTimeMsBefore', '<', filter.eventTimeMsBefore);
  bound('recordTimeMs', 'recordTimeMsFrom', '>=', filter.recordTimeMsFrom);
  bound('recordTimeMs', 'recordTimeMsBefore', '<', filter.recordTimeMsBefore);
  if (filter.epcs !== undefined) {
    conditions.push('any(i IN range(0, size($epcs) - 1) WHERE $epcs[i] IN e.epcs AND NOT e.json CONTAINS $epcParentNeedles[i])');
    parameters['epcs'] = [...filter.epcs];
    parameters['epcParentNeedles'] = filter.epcs.map(parentNeedle);
  }
  if (filter.anyEpcs !== undefined) {
    conditions.push('any(i IN range(0, size($anyEpcs) - 1) WHERE $anyEpcs[i] IN e.epcs OR e.json CONTAINS $anyEpcParentNeedles[i])');
    parameters['anyEpcs'] = [...filter.anyEpcs];
    parameters['anyEpcParentNeedles'] = filter.anyEpcs.map(parentNeedle);
  }
  if (filter.epcClasses !== undefined) {
    conditions.push('any(epcClass IN e.epcClasses WHERE epcClass IN $epcClasses)');
    parameters['epcClasses'] = [...filter.epcClasses];
  }
  if (query.after !== undefined) {
    conditions.push('(e.eventTimeMs > $afterEventTimeMs OR (e.eventTimeMs = $afterEventTimeMs AND e.hashId > $afterHashId))');
    parameters['afterEventTimeMs'] = query.after.eventTimeMs;
    parameters['afterHashId'] = query.after.hashId;
  }
  const where = conditions.length === 0 ? '' : `\nWHERE ${conditions.join('\n  AND ')}`;
  const cypher = `MATCH (e:EpcisEvent)${where}
RETURN e.hashId AS hashId, e.eventTimeMs AS eventTimeMs, e.json AS json
ORDER BY e.eventTimeMs, e.hashId
LIMIT $limit`;
  return { cypher, parameters };
}
