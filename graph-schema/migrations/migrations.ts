/**
 * The graph's schema as ordered migrations. Each one is a list of idempotent statements (`IF NOT
 * EXISTS`, `MERGE`), so a migration interrupted after some statements is simply run again. Ids sort in
 * application order; a released migration is never edited, a change is a new migration.
 *
 * Every key the projection MERGEs on has a uniqueness constraint (which is also its index); every
 * property a query or trace looks up by has an index; `txId` is indexed on every projected label so
 * "which nodes did this transaction make" (provenance) is one index seek.
 */
import { genesisPrevHash } from '@twinledger/ledger-core/chain';

export interface Migration {
  /** `NNN-what`, sorted in application order. */
  readonly id: string;
  readonly statements: readonly string[];
}

/** The id of the one projection checkpoint node: the projected height and block hash of the ledger. */
export const projectionCheckpointId = 'ledger';

/** Labels the projection writes, each with the property that keys it. */
export const projectedLabelKeys = {
  Organization: 'id',
  Note: 'key',
  NoteVersion: 'id',
  Device: 'did',
  TransferOffer: 'id',
  DeviceReport: 'id',
  Grant: 'id',
  AccessEvent: 'id',
  Actor: 'did',
  Delegation: 'id',
  Lot: 'lot',
  MaterialLot: 'lot',
  Batch: 'lot',
  Product: 'serial',
  ProcessStep: 'id',
  QualityCheck: 'id',
  Order: 'id',
  Shipment: 'id',
  WorkOrder: 'id',
  CustodyHandover: 'id',
  RevenueRule: 'id',
  RecoveredItem: 'id',
  RecyclingHandover: 'id',
  Sale: 'id',
  EpcisEvent: 'hashId',
} as const;

export type ProjectedLabel = keyof typeof projectedLabelKeys;

/** Labels that are bookkeeping, not projection: a rebuild keeps Migration and resets the checkpoint. */
export const bookkeepingLabels = ['Migration', 'ProjectionCheckpoint'] as const;

function uniqueKey(label: string, property: string): string {
  return `CREATE CONSTRAINT ${label.toLowerCase()}_${property.toLowerCase()}_unique IF NOT EXISTS FOR (n:${label}) REQUIRE n.${property} IS UNIQUE`;
}

function index(label: string, property: string): string {
  return `CREATE INDEX ${label.toLowerCase()}_${property.toLowerCase()} IF NOT EXISTS FOR (n:${label}) ON (n.${property})`;
}

export const migrations: readonly Migration[] = [
  {
    id: '001-bookkeeping',
    statements: [
      uniqueKey('Migration', 'id'),
      uniqueKey('ProjectionCheckpoint', 'id'),
      // The checkpoint starts before block 1: height 0, the genesis predecessor hash, an empty tree.
      `MERGE (c:ProjectionCheckpoint {id: '${projectionCheckpointId}'})
       ON CREATE SET c.height = 0, c.blockHash = '${genesisPrevHash}', c.headerJson = null, c.treeSize = 0, c.frontier = []`,
    ],
  },
  {
    id: '002-identity',
    statements: [
      uniqueKey('Organization', 'id'),
      index('Organization', 'did'),
      index('Organization', 'status'),
      index('Organization', 'txId'),
      uniqueKey('Device', 'did'),
      index('Device', 'txId'),
    ],
  },
  {
    id: '003-notes',
    statements: [uniqueKey('Note', 'key'), index('Note', 'writer'), index('Note', 'txId'), uniqueKey('NoteVersion', 'id'), index('NoteVersion', 'txId')],
  },
  {
    // Device ownership, transfer offers, reports, access grants and events, and delegations. Grants,
    // access events and reports are keyed by the transaction (and event) that made them; `txId` is
    // still the last writer's stamp, indexed on every label for provenance. `grantTxId`/`revokeTxId`
    // are indexed because a canAccess answer and an access event are proved by those transactions.
    id: '004-device-access',
    statements: [
      index('Device', 'owner'),
      index('Device', 'category'),
      'CREATE INDEX device_model_serial IF NOT EXISTS FOR (n:Device) ON (n.model, n.serial)',
      'CREATE INDEX owned_by_txid IF NOT EXISTS FOR ()-[r:OWNED_BY]-() ON (r.txId)',
      'CREATE INDEX owns_txid IF NOT EXISTS FOR ()-[r:OWNS]-() ON (r.txId)',
      uniqueKey('TransferOffer', 'id'),
      index('TransferOffer', 'txId'),
      index('TransferOffer', 'did'),
      uniqueKey('DeviceReport', 'id'),
      index('DeviceReport', 'txId'),
      uniqueKey('Grant', 'id'),
      index('Grant', 'txId'),
      index('Grant', 'revokeTxId'),
      'CREATE INDEX grant_device_grantee IF NOT EXISTS FOR (n:Grant) ON (n.device, n.grantee)',
      uniqueKey('AccessEvent', 'id'),
      index('AccessEvent', 'txId'),
      'CREATE INDEX accessevent_device_height IF NOT EXISTS FOR (n:AccessEvent) ON (n.device, n.height)',
      uniqueKey('Actor', 'did'),
      index('Actor', 'txId'),
      uniqueKey('Delegation', 'id'),
      index('Delegation', 'txId'),
      index('Delegation', 'delegate'),
      index('Delegation', 'organization'),
    ],
  },
  {
    // Production traceability (docs/traceability.md): lots (material lots and batches share the Lot
    // key), products, process steps and quality checks. `producer`/`supplier` serve the per-organisation
    // lists; the trace relationships' `txId` indexes serve provenance, which lists the transactions
    // that linked an entity as well as the one that made it.
    id: '005-production',
    statements: [
      uniqueKey('Lot', 'lot'),
      index('Lot', 'txId'),
      index('Lot', 'supplier'),
      index('Lot', 'producer'),
      uniqueKey('Product', 'serial'),
      index('Product', 'txId'),
      index('Product', 'batch'),
      index('Product', 'producer'),
      uniqueKey('ProcessStep', 'id'),
      index('ProcessStep', 'txId'),
      index('ProcessStep', 'producer'),
      index('ProcessStep', 'station'),
      uniqueKey('QualityCheck', 'id'),
      index('QualityCheck', 'txId'),
      index('QualityCheck', 'producer'),
      'CREATE INDEX made_from_txid IF NOT EXISTS FOR ()-[r:MADE_FROM]-() ON (r.txId)',
      'CREATE INDEX consumed_txid IF NOT EXISTS FOR ()-[r:CONSUMED]-() ON (r.txId)',
      'CREATE INDEX processed_in_txid IF NOT EXISTS FOR ()-[r:PROCESSED_IN]-() ON (r.txId)',
      'CREATE INDEX of_batch_txid IF NOT EXISTS FOR ()-[r:OF_BATCH]-() ON (r.txId)',
      'CREATE INDEX checks_txid IF NOT EXISTS FOR ()-[r:CHECKS]-() ON (r.txId)',
    ],
  },
  {
    // Orders, shipments, work orders and custody handovers (supply). Keys as everywhere; the parties'
    // ids are indexed because "the caller's orders" starts from them, and the relationships that
    // carry a transaction of their own (lifecycle steps, progress reports) have their txId indexed for
    // provenance.
    id: '006-supply',
    statements: [
      uniqueKey('Order', 'id'),
      index('Order', 'txId'),
      index('Order', 'buyer'),
      index('Order', 'seller'),
      uniqueKey('Shipment', 'id'),
      index('Shipment', 'txId'),
      index('Shipment', 'order'),
      uniqueKey('WorkOrder', 'id'),
      index('WorkOrder', 'txId'),
      index('WorkOrder', 'order'),
      uniqueKey('CustodyHandover', 'id'),
      index('CustodyHandover', 'txId'),
      index('CustodyHandover', 'shipment'),
      'CREATE INDEX advanced_by_txid IF NOT EXISTS FOR ()-[r:ADVANCED_BY]-() ON (r.txId)',
      'CREATE INDEX progress_reported_txid IF NOT EXISTS FOR ()-[r:PROGRESS_REPORTED]-() ON (r.txId)',
    ],
  },
  {
    // Recycling: revenue rules, recovered items, their handover offers and sales. `holder` and
    // `collector` serve per-organisation lists; HELD_BY and PARTY are indexed by txId because an item's
    // and a rule's provenance lists the handovers and acceptances stamped on them, and `Sale.item` finds
    // an item's sale.
    id: '007-recycling',
    statements: [
      uniqueKey('RevenueRule', 'id'),
      index('RevenueRule', 'txId'),
      uniqueKey('RecoveredItem', 'id'),
      index('RecoveredItem', 'txId'),
      index('RecoveredItem', 'holder'),
      index('RecoveredItem', 'collector'),
      uniqueKey('RecyclingHandover', 'id'),
      index('RecyclingHandover', 'txId'),
      index('RecyclingHandover', 'item'),
      uniqueKey('Sale', 'id'),
      index('Sale', 'txId'),
      index('Sale', 'item'),
      'CREATE INDEX held_by_txid IF NOT EXISTS FOR ()-[r:HELD_BY]-() ON (r.txId)',
      'CREATE INDEX party_txid IF NOT EXISTS FOR ()-[r:PARTY]-() ON (r.txId)',
      'CREATE INDEX party_acceptedtxid IF NOT EXISTS FOR ()-[r:PARTY]-() ON (r.acceptedTxId)',
    ],
  },
  {
    // EPCIS events: keyed by their CBV 2.0 hash ID, with an index on each property `GET /epcis/events`
    // filters by (type, event and record time, step, disposition, places, capturing organisation).
    // EPC matches start from the item's key (the Product and Lot uniqueness constraints) and follow
    // OBSERVED, since no index serves membership in a list property; OBSERVED and CONTAINS have their
    // txId indexed for provenance, MADE_FROM's is already (005).
    id: '008-epcis',
    statements: [
      uniqueKey('EpcisEvent', 'hashId'),
      index('EpcisEvent', 'txId'),
      index('EpcisEvent', 'eventType'),
      index('EpcisEvent', 'eventTimeMs'),
      index('EpcisEvent', 'recordTimeMs'),
      index('EpcisEvent', 'bizStep'),
      index('EpcisEvent', 'disposition'),
      index('EpcisEvent', 'bizLocation'),
      index('EpcisEvent', 'readPoint'),
      index('EpcisEvent', 'capturedBy'),
      'CREATE INDEX epcisevent_eventtype_eventtimems IF NOT EXISTS FOR (n:EpcisEvent) ON (n.eventType, n.eventTimeMs)',
      'CREATE INDEX observed_txid IF NOT EXISTS FOR ()-[r:OBSERVED]-() ON (r.txId)',
      'CREATE INDEX contains_txid IF NOT EXISTS FOR ()-[r:CONTAINS]-() ON (r.txId)',
    ],
  },
];
