/**
 * The EPCIS projection's Cypher against a real Neo4j (NEO4J_URI from the integration harness), with
 * the migrations applied: captured events land as EpcisEvent nodes with their filter properties and
 * OBSERVED items; a transformation's outputs are MADE_FROM its inputs, so a backward trace from a
 * finished product built from `traceBackwardTypes` reaches the input lot and serial; an aggregation
 * ADD makes CONTAINS and a DELETE ends it; an EPC lookup and the filter properties are served by the
 * 008-epcis indexes and the item key constraints. Ids carry a per-run tag so the shared graph's other
 * tests never see them.
 */
import * as crypto from 'node:crypto';
import type { JsonObject } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { capturedEventFacts, eventHashId, prepareEvent } from '@twinledger/ledger-core/epcis';
import neo4j, { type Driver } from 'neo4j-driver';
import { applyMigrations } from '../migrations/index.js';
import { toNeo4jParameters } from '../neo4j-values.js';
import { projectEvent, traceBackwardTypes, type ProjectionContext } from './index.js';

jest.setTimeout(120_000);

const tag = crypto.randomBytes(4).toString('hex');
let driver: Driver;
let height = 0;

async function project(event: JsonObject): Promise<string> {
  const prepared = prepareEvent(event, {});
  const hashId = eventHashId(prepared);
  const ledgerEvent: LedgerEvent = { type: 'EpcisEventCaptured', hashId, capturedBy: 'acme', delegationId: null, event: prepared, ...capturedEventFacts(prepared) };
  height++;
  const context: ProjectionContext = { txId: crypto.randomBytes(32).toString('hex'), height, position: 0, eventIndex: 0, ledgerTimeMs: 1_767_225_600_000 + height * 1000, blockHash: '00'.repeat(32) };
  const session = driver.session();
  try {
    await session.executeWrite(async (tx) => {
      for (const statement of projectEvent(ledgerEvent, context)) await tx.run(statement.text, toNeo4jParameters(statement.parameters));
    });
  } finally {
    await session.close();
  }
  return hashId;
}

async function rows(cypher: string, parameters: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> {
  const result = await driver.executeQuery(cypher, parameters);
  return result.records.map((record) => record.toObject());
}

const flour = `urn:epc:class:lgtin:4012345.022222.F${tag}`;
const egg = `urn:epc:id:sgtin:4012345.011111.E${tag}`;
const bread = `urn:epc:id:sgtin:4012345.033333.B${tag}`;
const crumbs = `urn:epc:class:lgtin:4012345.033333.C${tag}`;
const pallet = `urn:epc:id:sscc:4012345.${tag.replace(/[a-f]/g, '7').padStart(10, '0')}`;
let transformationHash: string;

beforeAll(async () => {
  const uri = process.env['NEO4J_URI'];
  if (uri === undefined) throw new Error('NEO4J_URI is not set: run this file in the integration project');
  driver = neo4j.driver(uri);
  await applyMigrations(driver);
  await project({ type: 'ObjectEvent', eventTime: '2024-03-01T08:00:00Z', eventTimeZoneOffset: '+00:00', epcList: [egg], quantityList: [{ epcClass: flour, quantity: 20, uom: 'KGM' }], action: 'ADD', bizStep: 'receiving' });
  transformationHash = await project({
    type: 'TransformationEvent',
    eventTime: '2024-03-01T09:00:00Z',
    eventTimeZoneOffset: '+00:00',
    inputEPCList: [egg],
    inputQuantityList: [{ epcClass: flour, quantity: 2, uom: 'KGM' }],
    outputEPCList: [bread],
    outputQuantityList: [{ epcClass: crumbs }],
    bizStep: 'commissioning',
    readPoint: { id: `urn:epc:id:sgln:4012345.00001.${tag}` },
  });
  await project({ type: 'AggregationEvent', eventTime: '2024-03-01T10:00:00Z', eventTimeZoneOffset: '+00:00', parentID: pallet, childEPCs: [bread], childQuantityList: [{ epcClass: crumbs, quantity: 1 }], action: 'ADD', bizStep: 'packing' });
});

afterAll(async () => {
  await driver?.executeQuery('MATCH (n) WHERE n.serial ENDS WITH $tag OR n.lot ENDS WITH $tag OR n.serial = $pallet DETACH DELETE n', { tag, pallet });
  await driver?.executeQuery('MATCH (e:EpcisEvent) WHERE any(epc IN e.epcs WHERE epc ENDS WITH $tag) OR $pallet IN e.epcs DETACH DELETE e', { tag, pallet });
  await driver?.close();
});

describe('EPCIS projection in Neo4j', () => {
  it('stores the transformation with its filter properties and its JSON as captured', async () => {
    const [event] = await rows('MATCH (e:EpcisEvent {hashId: $hashId}) RETURN properties(e) AS e', { hashId: transformationHash });
    expect(event?.['e']).toMatchObject({
      hashId: transformationHash,
      eventType: 'TransformationEvent',
      eventTime: '2024-03-01T09:00:00.000Z',
      bizStep: 'https://ref.gs1.org/cbv/BizStep-commissioning',
      capturedBy: 'acme',
      epcs: [egg, bread],
      epcClasses: [flour, crumbs],
      readPoint: `urn:epc:id:sgln:4012345.00001.${tag}`,
    });
    expect(JSON.parse(String((event?.['e'] as { json: string }).json))).toMatchObject({ type: 'TransformationEvent', outputEPCList: [bread] });
  });

  it('links outputs MADE_FROM inputs, so a backward trace from the product reaches the lot and the serial', async () => {
    const traced = await rows(`MATCH (:Product {serial: $bread})-[:${traceBackwardTypes}*1..4]->(n) RETURN coalesce(n.serial, n.lot) AS id ORDER BY id`, { bread });
    expect(traced.map((row) => row['id'])).toEqual([flour, egg].sort());
    const fromCrumbs = await rows('MATCH (:Lot {lot: $crumbs})-[r:MADE_FROM]->(n) RETURN coalesce(n.serial, n.lot) AS id, r.height AS height ORDER BY id', { crumbs });
    expect(fromCrumbs.map((row) => row['id'])).toEqual([flour, egg].sort());
  });

  it('finds every event that observed an EPC through the item key', async () => {
    const events = await rows('MATCH (:Product {serial: $egg})<-[:OBSERVED]-(e:EpcisEvent) RETURN e.eventType AS type ORDER BY e.eventTimeMs', { egg });
    expect(events.map((row) => row['type'])).toEqual(['ObjectEvent', 'TransformationEvent']);
  });

  it('makes the pallet contain its children, and a DELETE ends that without removing it', async () => {
    const contained = await rows('MATCH (:Product {serial: $pallet})-[c:CONTAINS]->(n) WHERE c.endedTxId IS NULL RETURN coalesce(n.serial, n.lot) AS id ORDER BY id', { pallet });
    expect(contained.map((row) => row['id'])).toEqual([bread, crumbs].sort());
    await project({ type: 'AggregationEvent', eventTime: '2024-03-02T10:00:00Z', eventTimeZoneOffset: '+00:00', parentID: pallet, childEPCs: [bread], action: 'DELETE', bizStep: 'unpacking' });
    const after = await rows('MATCH (:Product {serial: $pallet})-[c:CONTAINS]->(n) RETURN coalesce(n.serial, n.lot) AS id, c.endedTxId IS NOT NULL AS ended ORDER BY id', { pallet });
    expect(after).toEqual([bread, crumbs].sort().map((id) => ({ id, ended: id === bread })));
  });

  it('serves the event filters and EPC lookups from indexes', async () => {
    const plans = [
      ['MATCH (e:EpcisEvent) WHERE e.bizStep = $value RETURN e', { value: 'x' }],
      ['MATCH (e:EpcisEvent) WHERE e.eventTimeMs >= $value RETURN e', { value: 0 }],
      ['MATCH (e:EpcisEvent) WHERE e.bizLocation = $value RETURN e', { value: 'x' }],
      ['MATCH (e:EpcisEvent) WHERE e.disposition = $value RETURN e', { value: 'x' }],
      ['MATCH (e:EpcisEvent) WHERE e.eventType = $value RETURN e', { value: 'x' }],
      ['MATCH (:Product {serial: $value})<-[:OBSERVED]-(e:EpcisEvent) RETURN e', { value: 'x' }],
    ] as const;
    for (const [cypher, parameters] of plans) {
      const result = await driver.executeQuery(`EXPLAIN ${cypher}`, parameters);
      expect({ cypher, plan: JSON.stringify(result.summary.plan) }).toEqual({ cypher, plan: expect.stringMatching(/NodeIndexSeek|NodeUniqueIndexSeek|NodeIndexSeekByRange/) });
    }
  });
});
