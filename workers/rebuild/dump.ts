/**
 * A canonical dump of the projected graph: every node (labels, properties) and relationship (type,
 * endpoints by their key, properties), sorted, as one JSON text. Two graphs are the same projection
 * exactly when their dumps are equal; element ids and migration records are left out, since they
 * depend on how the graph was made, not on the ledger.
 */
import { canonicalize, type JsonValue } from '@twinledger/ledger-core/chain';
import { fromNeo4j, projectedLabelKeys, stringsFromNeo4j } from '@twinledger/graph-schema';
import neo4j, { type Driver } from 'neo4j-driver';
import { invariant } from '../invariant.js';

/** Most nodes or relationships a dump reads; a bigger graph is refused rather than read into memory. */
export const dumpItemsMax = 1_000_000;

export interface GraphDump {
  readonly nodes: readonly JsonValue[];
  readonly relationships: readonly JsonValue[];
}

/** The graph's canonical dump. Requires a graph of at most `dumpItemsMax` nodes and as many relationships. */
export async function dumpGraph(driver: Driver): Promise<string> {
  const nodes = await driver.executeQuery(
    `MATCH (n) WHERE NOT n:Migration
     WITH n LIMIT $limit
     RETURN labels(n) AS labels, properties(n) AS properties`,
    { limit: neo4j.int(dumpItemsMax + 1) },
    { routing: 'READ' },
  );
  invariant(nodes.records.length <= dumpItemsMax, `the graph has more than ${dumpItemsMax} nodes`);
  const relationships = await driver.executeQuery(
    `MATCH (a)-[r]->(b)
     WITH a, r, b LIMIT $limit
     RETURN type(r) AS type, labels(a) AS fromLabels, properties(a) AS fromProperties, labels(b) AS toLabels, properties(b) AS toProperties, properties(r) AS properties`,
    { limit: neo4j.int(dumpItemsMax + 1) },
    { routing: 'READ' },
  );
  invariant(relationships.records.length <= dumpItemsMax, `the graph has more than ${dumpItemsMax} relationships`);
  const nodeTexts = nodes.records.map((record) =>
    canonicalize({ labels: sortedLabels(record.get('labels')), properties: fromNeo4j(record.get('properties')) }),
  );
  const relationshipTexts = relationships.records.map((record) =>
    canonicalize({
      type: fromNeo4j(record.get('type')),
      from: endpoint(record.get('fromLabels'), record.get('fromProperties')),
      to: endpoint(record.get('toLabels'), record.get('toProperties')),
      properties: fromNeo4j(record.get('properties')),
    }),
  );
  nodeTexts.sort();
  relationshipTexts.sort();
  return `{"nodes":[\n${nodeTexts.join(',\n')}\n],"relationships":[\n${relationshipTexts.join(',\n')}\n]}\n`;
}

function sortedLabels(value: unknown): string[] {
  return [...stringsFromNeo4j(value, 'labels')].sort();
}

const keyOfLabel: Readonly<Record<string, string>> = { ...projectedLabelKeys, ProjectionCheckpoint: 'id' };

/**
 * A relationship end by its labels and the property that keys it (`projectedLabelKeys`: `did` for a
 * device, `lot` for a lot, …): stable across rebuilds, where element ids are not.
 */
function endpoint(labels: unknown, properties: unknown): JsonValue {
  const props = fromNeo4j(properties);
  invariant(props !== null && typeof props === 'object' && !Array.isArray(props), 'node properties are not a map');
  const map = props as { readonly [name: string]: JsonValue };
  const sorted = sortedLabels(labels);
  const keyName = sorted.map((label) => keyOfLabel[label]).find((name) => name !== undefined && map[name] !== undefined);
  invariant(keyName !== undefined, `a relationship end (${sorted.join(':')}) has no key property`);
  return { labels: sorted, [keyName]: map[keyName] ?? null };
}
