/**
 * One parameterised Cypher read for a parsed events query: every filter a `WHERE` conjunct over the
 * projected `(:EpcisEvent)` properties, values only ever in parameters, ordered by (eventTimeMs,
 * hashId) so pages are stable while events are added, and one row more than the page so the caller
 * knows whether a next page exists. Pure.
 *
 * MATCH_epc and MATCH_anyEPC differ only in the parent: the projection lists every instance EPC an
 * event names in `epcs` (its parent included) and the parent alone in `parentId`, so MATCH_epc takes
 * an EPC in `epcs` that is not the parent and MATCH_anyEPC any EPC in `epcs`.
 *
 * No index serves a list property, so when the query names items the statement starts from them:
 * their key indexes find the `(:Product {serial})` or `(:Lot {lot})` nodes, and `[:OBSERVED]` leads to
 * the events that named them (docs/traceability.md); the exact conditions above still decide.
 */
import type { Parameters } from '@twinledger/graph-schema';
import type { EventQuery } from './query-params.js';

/** Whose events the caller sees: every organisation's, or one organisation's. */
export type EventScope = { readonly kind: 'all' } | { readonly kind: 'organization'; readonly organizationId: string };

export interface EventsStatement {
  readonly cypher: string;
  readonly parameters: Parameters;
}

/** Where the statement starts: the named items' events when there are any, else every event. */
function startClause(query: EventQuery): string {
  const { filter } = query;
  const items =
    filter.epcs !== undefined
      ? { label: 'Product', key: 'serial', parameter: 'epcs' }
      : filter.anyEpcs !== undefined
        ? { label: 'Product', key: 'serial', parameter: 'anyEpcs' }
        : filter.epcClasses !== undefined
          ? { label: 'Lot', key: 'lot', parameter: 'epcClasses' }
          : undefined;
  if (items === undefined) return 'MATCH (e:EpcisEvent)';
  return `MATCH (item:${items.label}) WHERE item.${items.key} IN $${items.parameter}
MATCH (item)<-[:OBSERVED]-(e:EpcisEvent)
WITH DISTINCT e`;
}

/** The statement answering `query` for `scope`: columns hashId, eventTimeMs, recordTimeMs, json; at most perPage + 1 rows. */
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
    conditions.push('any(epc IN $epcs WHERE epc IN e.epcs AND (e.parentId IS NULL OR epc <> e.parentId))');
    parameters['epcs'] = [...filter.epcs];
  }
  if (filter.anyEpcs !== undefined) {
    conditions.push('any(epc IN $anyEpcs WHERE epc IN e.epcs)');
    parameters['anyEpcs'] = [...filter.anyEpcs];
  }
  if (filter.epcClasses !== undefined) {
    conditions.push('any(epcClass IN $epcClasses WHERE epcClass IN e.epcClasses)');
    parameters['epcClasses'] = [...filter.epcClasses];
  }
  if (query.after !== undefined) {
    conditions.push('(e.eventTimeMs > $afterEventTimeMs OR (e.eventTimeMs = $afterEventTimeMs AND e.hashId > $afterHashId))');
    parameters['afterEventTimeMs'] = query.after.eventTimeMs;
    parameters['afterHashId'] = query.after.hashId;
  }
  const where = conditions.length === 0 ? '' : `\nWHERE ${conditions.join('\n  AND ')}`;
  const cypher = `${startClause(query)}${where}
RETURN e.hashId AS hashId, e.eventTimeMs AS eventTimeMs, e.recordTimeMs AS recordTimeMs, e.json AS json
ORDER BY e.eventTimeMs, e.hashId
LIMIT $limit`;
  return { cypher, parameters };
}
