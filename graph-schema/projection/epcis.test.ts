/**
 * EPCIS handlers as data: a captured event becomes one EpcisEvent MERGEd by its hash ID with the
 * properties queries filter on, record time from the block, and the event's canonical JSON; every
 * instance EPC a Product and every class a Lot, each OBSERVED; a transformation links every output
 * MADE_FROM every input; an aggregation ADD makes CONTAINS and a DELETE ends it; statements are
 * stamped and deterministic, for every event of the capture corpus as the contract emits it; and
 * malformed fields are refused with BAD_EVENT_FIELD.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonObject, JsonValue } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { capturedEventFacts, eventHashId, prepareDocumentEvents, prepareEvent } from '@twinledger/ledger-core/epcis';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 12, position: 0, eventIndex: 0, ledgerTimeMs: 1_767_225_612_000, blockHash: 'cd'.repeat(32) };

/** The event the epcis contract emits for `event`, captured by `acme`. */
function capturedEvent(event: JsonObject): LedgerEvent {
  const prepared = prepareEvent(event, {});
  return { type: 'EpcisEventCaptured', hashId: eventHashId(prepared), capturedBy: 'acme', delegationId: null, event: prepared, ...capturedEventFacts(prepared) };
}

const observation: JsonObject = {
  type: 'ObjectEvent',
  eventTime: '2024-03-01T09:00:00.000+01:00',
  eventTimeZoneOffset: '+01:00',
  epcList: ['urn:epc:id:sgtin:4012345.011111.1', 'urn:epc:id:sgtin:4012345.011111.2'],
  quantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.011111.L7', quantity: 3 }],
  action: 'OBSERVE',
  bizStep: 'shipping',
  disposition: 'in_transit',
  readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' },
  bizLocation: { id: 'urn:epc:id:sgln:4012345.00002.0' },
};

const transformation: JsonObject = {
  type: 'TransformationEvent',
  eventTime: '2024-03-01T10:00:00Z',
  eventTimeZoneOffset: '+00:00',
  inputEPCList: ['urn:epc:id:sgtin:4012345.011111.1'],
  inputQuantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.022222.FLOUR1', quantity: 20, uom: 'KGM' }],
  outputQuantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.033333.BREAD9' }],
  outputEPCList: ['urn:epc:id:sgtin:4012345.033333.900'],
  bizStep: 'commissioning',
};

const aggregation: JsonObject = {
  type: 'AggregationEvent',
  eventTime: '2024-03-01T11:00:00Z',
  eventTimeZoneOffset: '+00:00',
  parentID: 'urn:epc:id:sscc:4012345.0000000001',
  childEPCs: ['urn:epc:id:sgtin:4012345.033333.900'],
  childQuantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.033333.BREAD9', quantity: 10 }],
  action: 'ADD',
  bizStep: 'packing',
};

describe('EPCIS projection', () => {
  it('writes the event with its query properties, record time from the block, and its JSON as captured', () => {
    const event = capturedEvent(observation);
    const statements = projectEvent(event, context);
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.text).toContain('MERGE (e:EpcisEvent {hashId: $hashId})');
    expect(statement?.text).toContain('e.recordTimeMs = $ledgerTimeMs');
    expect(statement?.text).toContain('MERGE (p:Product {serial: serial})');
    expect(statement?.text).toContain('MERGE (l:Lot {lot: lot})');
    expect(statement?.text.match(/CREATE \(e\)-\[:OBSERVED \{txId: \$txId, height: \$height\}\]->/g)).toHaveLength(2);
    expect(statement?.parameters).toEqual({
      txId: context.txId,
      height: 12,
      ledgerTimeMs: context.ledgerTimeMs,
      hashId: eventHashId(prepareEvent(observation, {})),
      eventType: 'ObjectEvent',
      eventTimeMs: Date.parse('2024-03-01T08:00:00.000Z'),
      eventTime: '2024-03-01T08:00:00.000Z',
      eventTimeZoneOffset: '+01:00',
      bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping',
      disposition: 'https://ref.gs1.org/cbv/Disp-in_transit',
      bizLocation: 'urn:epc:id:sgln:4012345.00002.0',
      readPoint: 'urn:epc:id:sgln:4012345.00001.0',
      action: 'OBSERVE',
      epcs: ['urn:epc:id:sgtin:4012345.011111.1', 'urn:epc:id:sgtin:4012345.011111.2'],
      epcClasses: ['urn:epc:class:lgtin:4012345.011111.L7'],
      parentId: null,
      capturedBy: 'acme',
      delegationId: null,
      json:
        '{"action":"OBSERVE","bizLocation":{"id":"urn:epc:id:sgln:4012345.00002.0"},"bizStep":"shipping","disposition":"in_transit",' +
        '"epcList":["urn:epc:id:sgtin:4012345.011111.1","urn:epc:id:sgtin:4012345.011111.2"],"eventTime":"2024-03-01T09:00:00.000+01:00",' +
        '"eventTimeZoneOffset":"+01:00","quantityList":[{"epcClass":"urn:epc:class:lgtin:4012345.011111.L7","quantity":3}],' +
        '"readPoint":{"id":"urn:epc:id:sgln:4012345.00001.0"},"type":"ObjectEvent"}',
    });
  });

  it('links every transformation output MADE_FROM every input, products and lots alike', () => {
    const statements = projectEvent(capturedEvent(transformation), context);
    expect(statements).toHaveLength(2);
    const link = statements[1];
    expect(link?.text).toContain('CREATE (output)-[:MADE_FROM {txId: $txId, height: $height}]->(input)');
    expect(link?.text).toContain('WHERE output <> input');
    expect(link?.parameters).toMatchObject({
      inputSerials: ['urn:epc:id:sgtin:4012345.011111.1'],
      inputLots: ['urn:epc:class:lgtin:4012345.022222.FLOUR1'],
      outputSerials: ['urn:epc:id:sgtin:4012345.033333.900'],
      outputLots: ['urn:epc:class:lgtin:4012345.033333.BREAD9'],
    });
  });

  it('links nothing for a transformation without inputs or without outputs', () => {
    expect(projectEvent(capturedEvent({ ...transformation, inputEPCList: [], inputQuantityList: [] }), context)).toHaveLength(1);
    expect(projectEvent(capturedEvent({ ...transformation, outputEPCList: [], outputQuantityList: [] }), context)).toHaveLength(1);
  });

  it('makes the parent CONTAIN its children on ADD and ends the containment on DELETE', () => {
    const added = projectEvent(capturedEvent(aggregation), context);
    expect(added).toHaveLength(2);
    expect(added[1]?.text).toContain('CREATE (parent)-[:CONTAINS {txId: $txId, height: $height}]->(n)');
    expect(added[1]?.parameters).toMatchObject({
      parentId: 'urn:epc:id:sscc:4012345.0000000001',
      childSerials: ['urn:epc:id:sgtin:4012345.033333.900'],
      childLots: ['urn:epc:class:lgtin:4012345.033333.BREAD9'],
    });
    const deleted = projectEvent(capturedEvent({ ...aggregation, action: 'DELETE' }), context);
    expect(deleted).toHaveLength(2);
    expect(deleted[1]?.text).toContain('SET c.endedTxId = $txId, c.endedHeight = $height');
    expect(deleted[1]?.text).not.toContain('DELETE c');
    expect(projectEvent(capturedEvent({ ...aggregation, action: 'OBSERVE' }), context)).toHaveLength(1);
    // An association names a parent and children too, but is not containment.
    expect(projectEvent(capturedEvent({ ...aggregation, type: 'AssociationEvent' }), context)).toHaveLength(1);
  });

  it('stamps every statement, deterministically, for every event of the capture corpus', () => {
    const vectors = path.resolve(__dirname, '../../../shared/vectors/epcis');
    const events = ['capture-valid', 'gs1/examples'].flatMap((folder) =>
      fs
        .readdirSync(path.join(vectors, folder))
        .filter((name) => /\.json(?:ld)?$/.test(name))
        .flatMap((name) => prepareDocumentEvents(JSON.parse(fs.readFileSync(path.join(vectors, folder, name), 'utf8')) as JsonValue)),
    );
    expect(events.length).toBeGreaterThan(60);
    let links = 0;
    for (const prepared of events) {
      const event = capturedEvent(prepared);
      const statements = projectEvent(event, context);
      expect(projectEvent(event, context)).toEqual(statements);
      links += statements.length - 1;
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 12 });
        expect(statement.text).toContain('$txId');
      }
    }
    expect(links).toBeGreaterThan(5);
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const good = capturedEvent(transformation);
    const bad: LedgerEvent[] = [
      { ...good, hashId: '' },
      { ...good, eventType: 'PartyEvent' },
      { ...good, event: 'text' },
      { ...good, event: null },
      { ...good, epcs: 'urn:epc:id:sgtin:4012345.011111.1' },
      { ...good, epcClasses: [''] },
      { ...good, eventTimeMs: -1 },
      { ...good, bizStep: 7 },
      { ...good, inputEpcs: undefined as unknown as JsonValue },
      { ...good, capturedBy: undefined as unknown as JsonValue },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
