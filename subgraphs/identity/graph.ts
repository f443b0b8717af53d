/**
 * The identity subgraph's reads of the projected graph: each one Cypher statement, batched by key
 * where entities are resolved by reference, and every row narrowed into a typed record here so
 * resolvers never see raw Neo4j values.
 */
import { grantsPerGranteeMax, type AccessGrantRecord, type DeviceRecord } from '@twinledger/ledger-core/contracts';
import type { JsonValue } from '@twinledger/ledger-core/chain';
import type { Driver } from 'neo4j-driver';
import { asMap, numberOf, readRows, stringOf } from '../shared/neo4j.js';

export interface OrganizationRow {
  readonly id: string;
  readonly name: string | null;
  readonly did: string | null;
  readonly status: string | null;
  readonly txId: string;
  readonly height: number;
}

export interface DeviceRow {
  readonly did: string;
  readonly owner: string;
  readonly model: string;
  readonly serial: string;
  readonly category: string;
  readonly ownerCount: number;
  readonly registeredTxId: string;
  readonly registeredAtMs: number;
  readonly openOfferTxId: string | null;
  readonly txId: string;
  readonly height: number;
}

export interface OwnershipRow {
  readonly owner: string;
  readonly ownerIndex: number;
  readonly txId: string;
  readonly fromHeight: number;
  readonly sinceMs: number;
  readonly toHeight: number | null;
  readonly endedTxId: string | null;
  readonly untilMs: number | null;
}

export interface GrantRow {
  readonly grantTxId: string;
  readonly createdHeight: number;
  readonly device: string;
  readonly owner: string;
  readonly grantee: string;
  readonly granteeKind: string;
  readonly actions: readonly string[];
  readonly expiresAtMs: number;
  readonly revokeTxId: string | null;
  readonly revokeHeight: number | null;
  readonly revokedBy: string | null;
}

export interface TransferOfferRow {
  readonly txId: string;
  readonly from: string;
  readonly to: string;
  readonly expiresAtMs: number;
  readonly status: string;
}

export interface AccessEventRow {
  readonly id: string;
  readonly txId: string;
  readonly height: number;
  readonly position: number;
  readonly eventIndex: number;
  readonly actor: string;
  readonly action: string;
  readonly result: string;
  readonly atMs: number;
  readonly ledgerAllowed: boolean;
  readonly ledgerReason: string;
  readonly grantTxId: string | null;
  readonly revokeTxId: string | null;
}

/** Most history entries a device answers with, the newest kept. */
export const ownershipHistoryMax = 100;

export class GraphShapeError extends Error {
  override readonly name = 'GraphShapeError';
}

function required<T>(value: T | null, what: string): T {
  if (value === null) throw new GraphShapeError(`projected ${what} is missing`);
  return value;
}

type Properties = { readonly [name: string]: JsonValue };

function organizationRow(p: Properties): OrganizationRow {
  return {
    id: required(stringOf(p['id']), 'Organization.id'),
    name: stringOf(p['name']),
    did: stringOf(p['did']),
    status: stringOf(p['status']),
    txId: required(stringOf(p['txId']), 'Organization.txId'),
    height: required(numberOf(p['height']), 'Organization.height'),
  };
}

function deviceRow(p: Properties): DeviceRow {
  return {
    did: required(stringOf(p['did']), 'Device.did'),
    owner: required(stringOf(p['owner']), 'Device.owner'),
    model: required(stringOf(p['model']), 'Device.model'),
    serial: required(stringOf(p['serial']), 'Device.serial'),
    category: required(stringOf(p['category']), 'Device.category'),
    ownerCount: required(numberOf(p['ownerCount']), 'Device.ownerCount'),
    registeredTxId: required(stringOf(p['registeredTxId']), 'Device.registeredTxId'),
    registeredAtMs: required(numberOf(p['registeredAtMs']), 'Device.registeredAtMs'),
    openOfferTxId: stringOf(p['openOfferTxId']),
    txId: required(stringOf(p['txId']), 'Device.txId'),
    height: required(numberOf(p['height']), 'Device.height'),
  };
}

function grantRow(p: Properties): GrantRow {
  const actions = p['actions'];
  return {
    grantTxId: required(stringOf(p['grantTxId']), 'Grant.grantTxId'),
    createdHeight: required(numberOf(p['createdHeight']), 'Grant.createdHeight'),
    device: required(stringOf(p['device']), 'Grant.device'),
    owner: required(stringOf(p['owner']), 'Grant.owner'),
    grantee: required(stringOf(p['grantee']), 'Grant.grantee'),
    granteeKind: required(stringOf(p['granteeKind']), 'Grant.granteeKind'),
    actions: Array.isArray(actions) ? actions.filter((action): action is string => typeof action === 'string') : [],
    expiresAtMs: required(numberOf(p['expiresAtMs']), 'Grant.expiresAtMs'),
    revokeTxId: stringOf(p['revokeTxId']),
    revokeHeight: numberOf(p['revokeHeight']),
    revokedBy: stringOf(p['revokedBy']),
  };
}

function accessEventRow(p: Properties): AccessEventRow {
  return {
    id: required(stringOf(p['id']), 'AccessEvent.id'),
    txId: required(stringOf(p['createdTxId']), 'AccessEvent.createdTxId'),
    height: required(numberOf(p['createdHeight']), 'AccessEvent.createdHeight'),
    position: required(numberOf(p['position']), 'AccessEvent.position'),
    eventIndex: required(numberOf(p['eventIndex']), 'AccessEvent.eventIndex'),
    actor: required(stringOf(p['actor']), 'AccessEvent.actor'),
    action: required(stringOf(p['action']), 'AccessEvent.action'),
    result: required(stringOf(p['result']), 'AccessEvent.result'),
    atMs: required(numberOf(p['atMs']), 'AccessEvent.atMs'),
    ledgerAllowed: p['ledgerAllowed'] === true,
    ledgerReason: required(stringOf(p['ledgerReason']), 'AccessEvent.ledgerReason'),
    grantTxId: stringOf(p['grantTxId']),
    revokeTxId: stringOf(p['revokeTxId']),
  };
}

/** The organisations with `ids`, in the same order (null where none). */
export async function organizationsById(driver: Driver, ids: readonly string[]): Promise<(OrganizationRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $ids AS id MATCH (o:Organization {id: id}) RETURN id, properties(o) AS o', { ids: [...ids] });
  const byId = new Map(rows.map((row) => [String(row['id']), organizationRow(asMap(row['o']) ?? {})]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** The devices with `dids`, in the same order (null where none). */
export async function devicesByDid(driver: Driver, dids: readonly string[]): Promise<(DeviceRow | null)[]> {
  const rows = await readRows(driver, 'UNWIND $dids AS did MATCH (d:Device {did: did}) RETURN did, properties(d) AS d', { dids: [...dids] });
  const byDid = new Map(rows.map((row) => [String(row['did']), deviceRow(asMap(row['d']) ?? {})]));
  return dids.map((did) => byDid.get(did) ?? null);
}

/** Devices ordered by did after `afterDid`, at most `limit`, optionally of one owner. */
export async function devicesPage(driver: Driver, owner: string | null, afterDid: string | null, limit: number): Promise<DeviceRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (d:Device) WHERE ($owner IS NULL OR d.owner = $owner) AND ($after IS NULL OR d.did > $after)
RETURN properties(d) AS d ORDER BY d.did LIMIT $limit`,
    { owner, after: afterDid, limit },
  );
  return rows.map((row) => deviceRow(asMap(row['d']) ?? {}));
}

/** Each device's ownership history, oldest first, at most `ownershipHistoryMax` newest entries. */
export async function ownershipHistories(driver: Driver, dids: readonly string[]): Promise<OwnershipRow[][]> {
  const rows = await readRows(
    driver,
    `UNWIND $dids AS did
MATCH (:Device {did: did})-[h:OWNED_BY]->(o:Organization)
WITH did, h, o ORDER BY h.ownerIndex
WITH did, collect({owner: o.id, ownerIndex: h.ownerIndex, txId: h.txId, fromHeight: h.fromHeight, sinceMs: h.sinceMs,
  toHeight: h.toHeight, endedTxId: h.endedTxId, untilMs: h.untilMs}) AS history
RETURN did, history[-$max..] AS history`,
    { dids: [...dids], max: ownershipHistoryMax },
  );
  const byDid = new Map<string, OwnershipRow[]>();
  for (const row of rows) {
    const history = Array.isArray(row['history']) ? row['history'] : [];
    byDid.set(
      String(row['did']),
      history.map((entry) => {
        const p = asMap(entry) ?? {};
        return {
          owner: required(stringOf(p['owner']), 'OWNED_BY owner'),
          ownerIndex: required(numberOf(p['ownerIndex']), 'OWNED_BY.ownerIndex'),
          txId: required(stringOf(p['txId']), 'OWNED_BY.txId'),
          fromHeight: required(numberOf(p['fromHeight']), 'OWNED_BY.fromHeight'),
          sinceMs: required(numberOf(p['sinceMs']), 'OWNED_BY.sinceMs'),
          toHeight: numberOf(p['toHeight']),
          endedTxId: stringOf(p['endedTxId']),
          untilMs: numberOf(p['untilMs']),
        };
      }),
    );
  }
  return dids.map((did) => byDid.get(did) ?? []);
}

/** The transfer offer made by `offerTxId`, or null. */
export async function transferOffer(driver: Driver, offerTxId: string): Promise<TransferOfferRow | null> {
  const [row] = await readRows(driver, 'MATCH (t:TransferOffer {id: $id}) RETURN properties(t) AS t', { id: offerTxId });
  const p = asMap(row?.['t']);
  if (p === undefined) return null;
  return {
    txId: offerTxId,
    from: required(stringOf(p['from']), 'TransferOffer.from'),
    to: required(stringOf(p['to']), 'TransferOffer.to'),
    expiresAtMs: required(numberOf(p['expiresAtMs']), 'TransferOffer.expiresAtMs'),
    status: required(stringOf(p['status']), 'TransferOffer.status'),
  };
}

/** A device's grants newest first (by height, then id) after the cursor key, at most `limit`. */
export async function grantsPage(driver: Driver, did: string, after: { height: number; id: string } | null, limit: number): Promise<GrantRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (:Device {did: $did})-[:HAS_GRANT]->(g:Grant)
WHERE $afterHeight IS NULL OR g.createdHeight < $afterHeight OR (g.createdHeight = $afterHeight AND g.id < $afterId)
RETURN properties(g) AS g ORDER BY g.createdHeight DESC, g.id DESC LIMIT $limit`,
    { did, afterHeight: after?.height ?? null, afterId: after?.id ?? null, limit },
  );
  return rows.map((row) => grantRow(asMap(row['g']) ?? {}));
}

/** The grant made by transaction `grantTxId`, or null when the graph holds none. */
export async function grantByTxId(driver: Driver, grantTxId: string): Promise<GrantRow | null> {
  const rows = await readRows(driver, 'MATCH (g:Grant {id: $id}) RETURN properties(g) AS g', { id: grantTxId });
  const first = rows[0];
  return first === undefined ? null : grantRow(asMap(first['g']) ?? {});
}

/** A device's access events newest first (by height, position, event index) after the cursor key. */
export async function accessEventsPage(driver: Driver, did: string, after: readonly [number, number, number] | null, limit: number): Promise<AccessEventRow[]> {
  const rows = await readRows(
    driver,
    `MATCH (:Device {did: $did})-[:ACCESS_EVENT]->(a:AccessEvent)
WHERE $after IS NULL OR [a.height, a.position, a.eventIndex] < $after
RETURN properties(a) AS a ORDER BY a.height DESC, a.position DESC, a.eventIndex DESC LIMIT $limit`,
    { did, after: after === null ? null : [...after], limit },
  );
  return rows.map((row) => accessEventRow(asMap(row['a']) ?? {}));
}

/** The projected head: the height the graph is complete up to, and that block's ledger time. */
export interface ProjectedHead {
  readonly height: number;
  /** The block's header time; 0 before the first block is projected. */
  readonly timeMs: number;
}

export async function projectedHead(driver: Driver): Promise<ProjectedHead> {
  const [row] = await readRows(driver, `MATCH (c:ProjectionCheckpoint {id: 'ledger'}) RETURN c.height AS height, c.headerJson AS headerJson`, {});
  if (row === undefined) throw new GraphShapeError('the graph has no projection checkpoint; migrations have not run');
  const height = required(numberOf(row['height']), 'ProjectionCheckpoint.height');
  const headerJson = stringOf(row['headerJson']);
  const header: unknown = headerJson === null ? null : JSON.parse(headerJson);
  const timeMs = header !== null && typeof header === 'object' && 'timeMs' in header ? header.timeMs : 0;
  return { height, timeMs: typeof timeMs === 'number' ? timeMs : 0 };
}

/** What canAccess needs as of one height: the device as it stood then, and its grants to the actor. */
export interface AccessState {
  readonly height: number;
  readonly ledgerTimeMs: number;
  /** The device record as the ledger held it at `height`; undefined when it was not registered yet. */
  readonly device: DeviceRecord | undefined;
  /** The device's owner now, whatever `height` is: who may read its private answers. */
  readonly currentOwner: string | undefined;
  /**
   * At most `grantsPerGranteeMax` grants made at or before `height`, oldest first, each as it stood at
   * `height` (a later revocation is not shown).
   */
  readonly grants: readonly GrantRow[];
}

/** `row` as it stood at `height`: a revocation made after it had not happened yet. */
function grantAsOf(row: GrantRow, height: number): GrantRow {
  // A revocation without a height cannot be dated, so it is taken to have happened already: the
  // answer never allows what the ledger may have refused.
  const revokedThen = row.revokeTxId !== null && (row.revokeHeight === null || row.revokeHeight <= height);
  return revokedThen ? row : { ...row, revokeTxId: null, revokeHeight: null, revokedBy: null };
}

/**
 * The device and its grants to `actor` as of `height` at ledger time `timeMs`, in one statement. The
 * owner at `height` is the ownership entry covering it. The ledger's own index keeps every grant in
 * force and drops spent ones first, so the grants in force at `height` are picked before the newest
 * spent ones: the answer allows exactly what the ledger allowed then.
 */
export async function accessStateAt(driver: Driver, did: string, actor: string, height: number, timeMs: number): Promise<AccessState> {
  const [row] = await readRows(
    driver,
    `OPTIONAL MATCH (d:Device {did: $did})
CALL {
  WITH d
  OPTIONAL MATCH (d)-[h:OWNED_BY]->(o:Organization)
  WHERE h.fromHeight <= $height AND (h.toHeight IS NULL OR h.toHeight > $height)
  RETURN o.id AS owner, h.ownerIndex AS ownerIndex ORDER BY h.ownerIndex DESC LIMIT 1
}
CALL {
  WITH d, owner
  OPTIONAL MATCH (d)-[:HAS_GRANT]->(g:Grant {grantee: $actor})
  WHERE g.createdHeight <= $height
  WITH g, coalesce(g.owner = owner AND (g.revokeTxId IS NULL OR g.revokeHeight > $height) AND g.expiresAtMs > $timeMs, false) AS inForce
  ORDER BY inForce DESC, g.createdHeight DESC, g.id DESC LIMIT $grantsMax
  RETURN collect(properties(g)) AS grants
}
RETURN properties(d) AS d, owner, ownerIndex, grants`,
    { did, actor, height, timeMs, grantsMax: grantsPerGranteeMax },
  );
  const p = asMap(row?.['d']);
  const device = p === undefined ? undefined : deviceRow(p);
  const registeredHeight = p === undefined ? null : numberOf(p['registeredHeight']);
  const owner = stringOf(row?.['owner']);
  const ownerIndex = numberOf(row?.['ownerIndex']);
  const registered = device !== undefined && registeredHeight !== null && registeredHeight <= height && owner !== null && ownerIndex !== null;
  const grants = (Array.isArray(row?.['grants']) ? row['grants'] : [])
    .map((entry) => grantAsOf(grantRow(asMap(entry) ?? {}), height))
    .sort((a, b) => a.createdHeight - b.createdHeight || (a.grantTxId < b.grantTxId ? -1 : a.grantTxId > b.grantTxId ? 1 : 0));
  return {
    height,
    ledgerTimeMs: timeMs,
    device: registered
      ? { did: device.did, owner, model: device.model, serial: device.serial, category: device.category, ownerCount: ownerIndex + 1, registeredTxId: device.registeredTxId }
      : undefined,
    currentOwner: device?.owner,
    grants,
  };
}

/** The grants as the ledger's access records, for a StateView. */
export function grantRecord(row: GrantRow): AccessGrantRecord {
  return {
    grantTxId: row.grantTxId,
    device: row.device,
    owner: row.owner,
    grantee: row.grantee,
    actions: row.actions as AccessGrantRecord['actions'],
    expiresAtMs: row.expiresAtMs,
    revokeTxId: row.revokeTxId,
  };
}
