/**
 * Production handlers as data: each event becomes statements stamped with its transaction and height,
 * in the shared traceability model (a Lot MERGEd first and labelled MaterialLot or Batch, SUPPLIED_BY,
 * MADE_FROM, OF_BATCH, PROCESSED_IN, AT_STATION, CONSUMED, CHECKS); consumed lots get the remaining
 * quantity the ledger computed; parameters and measurements are stored as canonical JSON; the same
 * event gives the same statements; malformed fields are refused with BAD_EVENT_FIELD.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, traceBackwardTypes, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 11, position: 0, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };
const station = 'did:key:z6MkStation';
const gs1Lot = 'https://id.gs1.org/01/09520123456788/10/ABC1';

const events = {
  material: { type: 'MaterialLotRegistered', lot: gs1Lot, material: 'Bearing 6204', quantity: 50, unit: 'pcs', supplier: 'alpha', delegationId: null },
  batch: {
    type: 'BatchCreated',
    lot: 'B-100',
    model: 'Gearbox G2',
    quantity: 20,
    unit: 'pcs',
    producer: 'beta',
    inputs: [
      { lot: 'steel-1', quantity: 600, unit: 'kg', remaining: 400 },
      { lot: gs1Lot, quantity: 40, unit: 'pcs', remaining: 10 },
    ],
    delegationId: null,
  },
  product: { type: 'ProductRegistered', serial: 'urn:epc:id:sgtin:4012345.011111.1001', model: 'Gearbox G2', batch: 'B-100', producer: 'beta', delegationId: 'ef'.repeat(32) },
  deviceStep: {
    type: 'ProcessStepRecorded',
    id: 'step-3',
    station,
    subjectKind: 'product',
    subject: 'urn:epc:id:sgtin:4012345.011111.1001',
    producer: 'beta',
    name: 'Pressing',
    parameters: { forceKn: 118, die: 'D-7', lubricated: true },
    operator: 'badge-0042',
    inputs: [{ lot: 'steel-1', quantity: 5, unit: 'kg', remaining: 70 }],
    signedBy: 'device',
    grantTxId: '01'.repeat(32),
    delegationId: null,
  },
  lotStep: {
    type: 'ProcessStepRecorded',
    id: 'step-2',
    station,
    subjectKind: 'lot',
    subject: 'B-100',
    producer: 'beta',
    name: 'Heat treatment',
    parameters: {},
    operator: 'badge-0042',
    inputs: [],
    signedBy: 'organization',
    grantTxId: null,
    delegationId: null,
  },
  check: {
    type: 'QualityCheckRecorded',
    id: 'qc-1',
    subjectKind: 'lot',
    subject: 'B-100',
    producer: 'beta',
    result: 'fail',
    measurements: { torqueNm: 41.2, noiseDb: 62 },
    inspector: 'badge-0077',
    delegationId: null,
  },
} satisfies Record<string, LedgerEvent>;

describe('production projection', () => {
  it('stamps every statement and is deterministic', () => {
    for (const event of Object.values(events)) {
      const statements = projectEvent(event, context);
      expect(statements.length).toBeGreaterThan(0);
      expect(projectEvent(event, context)).toEqual(statements);
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 11 });
        expect(statement.text).toContain('$txId');
      }
    }
  });

  it('writes only trace relationships a trace follows, plus the station', () => {
    const followed = new Set([...traceBackwardTypes.split('|'), 'AT_STATION', 'CHECKS']);
    for (const event of Object.values(events)) {
      for (const statement of projectEvent(event, context)) {
        for (const [, type] of statement.text.matchAll(/CREATE \([a-z]+\)-\[:([A-Z_]+)/g)) expect(followed).toContain(type);
      }
    }
  });

  it('merges a material lot as a Lot first, labels it and links its supplier', () => {
    const [statement] = projectEvent(events.material, context);
    expect(statement?.text).toMatch(/^MERGE \(l:Lot \{lot: \$lot\}\)/);
    expect(statement?.text).toContain('l:MaterialLot');
    expect(statement?.text).toContain('CREATE (l)-[:SUPPLIED_BY');
    expect(statement?.parameters).toMatchObject({ lot: gs1Lot, quantity: 50, unit: 'pcs', supplier: 'alpha' });
  });

  it('makes a batch from its inputs with MADE_FROM and sets what each input lot has left', () => {
    const [lot, consumed] = projectEvent(events.batch, context);
    expect(lot?.text).toMatch(/^MERGE \(l:Lot \{lot: \$lot\}\)/);
    expect(lot?.text).toContain('l:Batch');
    expect(lot?.parameters).toMatchObject({ lot: 'B-100', producer: 'beta', quantity: 20 });
    expect(consumed?.text).toContain('MATCH (n:Lot {lot: $lot})');
    expect(consumed?.text).toContain('i.remaining = input.remaining');
    expect(consumed?.text).toContain('CREATE (n)-[:MADE_FROM {txId: $txId, height: $height, quantity: input.quantity, unit: input.unit}]->(i)');
    expect(consumed?.parameters['inputs']).toEqual(events.batch.inputs);
  });

  it('links a product to its batch', () => {
    const [statement] = projectEvent(events.product, context);
    expect(statement?.text).toContain('MERGE (b:Lot {lot: $batch})');
    expect(statement?.text).toContain('CREATE (p)-[:OF_BATCH');
    expect(statement?.parameters).toMatchObject({ serial: events.product.serial, batch: 'B-100', producer: 'beta', delegationId: 'ef'.repeat(32) });
  });

  it('records a device-signed step on a product with its station, grant, canonical parameters and consumption', () => {
    const [step, consumed] = projectEvent(events.deviceStep, context);
    expect(step?.text).toContain('MERGE (x:Product {serial: $subject})');
    expect(step?.text).toContain('CREATE (x)-[:PROCESSED_IN');
    expect(step?.text).toContain('CREATE (s)-[:AT_STATION');
    expect(step?.parameters).toMatchObject({ parametersJson: '{"die":"D-7","forceKn":118,"lubricated":true}', signedBy: 'device', grantTxId: '01'.repeat(32), station });
    expect(consumed?.text).toContain('CREATE (n)-[:CONSUMED');
    expect(consumed?.parameters).toMatchObject({ id: 'step-3', inputs: events.deviceStep.inputs });
  });

  it('records a step on a lot without a consumption statement when nothing was consumed', () => {
    const statements = projectEvent(events.lotStep, context);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.text).toContain('MERGE (x:Lot {lot: $subject})');
  });

  it('records a quality check pointing at its subject, measurements as canonical JSON', () => {
    const [statement] = projectEvent(events.check, context);
    expect(statement?.text).toContain('CREATE (q)-[:CHECKS');
    expect(statement?.parameters).toMatchObject({ result: 'fail', measurementsJson: '{"noiseDb":62,"torqueNm":41.2}', subject: 'B-100' });
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { ...events.material, quantity: 0 },
      { ...events.material, lot: '' },
      { ...events.batch, inputs: [{ lot: 'steel-1', quantity: 1, unit: 'kg' }] },
      { ...events.batch, inputs: { lot: 'steel-1' } },
      { ...events.batch, inputs: [{ lot: 'steel-1', quantity: 0, unit: 'kg', remaining: 1 }] },
      { ...events.product, delegationId: 7 },
      { ...events.deviceStep, subjectKind: 'pallet' },
      { ...events.deviceStep, parameters: [1] },
      { ...events.deviceStep, signedBy: 'robot' },
      { ...events.deviceStep, grantTxId: null },
      { ...events.lotStep, grantTxId: '01'.repeat(32) },
      { ...events.check, result: 'maybe' },
      { ...events.check, measurements: null },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
