/**
 * The identity subgraph's resolvers over the projected graph. Queries are one Cypher read each;
 * entities resolved by reference and nested owners batch through per-request DataLoaders. `canAccess`
 * runs the ledger's own pure `canAccess` over a StateView rebuilt from the projected history as of the
 * height asked about (the latest projected one by default), at that block's ledger time.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { subgraphSdl } from '@twinledger/graph-schema';
import type { Identity } from '@twinledger/gateway';
import type { JsonValue } from '@twinledger/ledger-core/chain';
import { accessIndexKey, accessGrantKey, canAccess, deviceKey, type StateView } from '@twinledger/ledger-core/contracts';
import DataLoader from 'dataloader';
import { parse, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import type { Driver } from 'neo4j-driver';
import { badUserInput, subgraphError, SubgraphErrorCode } from '../shared/errors.js';
import { decodeCursor, pageOf, pageSize, type Page } from '../shared/pagination.js';
import { bigIntScalar, dateTimeScalar, didScalar, hexScalar, jsonScalar } from '../shared/scalars.js';
import { selectsOnly } from '../shared/selection.js';
import type { SubgraphContext } from '../shared/server.js';
import { requirePrivateRead } from '../shared/visibility.js';
import {
  accessEventsPage,
  accessStateAt,
  devicesByDid,
  devicesPage,
  grantRecord,
  grantsPage,
  organizationsById,
  ownershipHistories,
  projectedHead,
  transferOffer,
  type AccessEventRow,
  type DeviceRow,
  type GrantRow,
  type OrganizationRow,
  type OwnershipRow,
  type TransferOfferRow,
} from './graph.js';
import type { BlockTimeSource } from './block-times.js';
import { identityMutationResolvers, type WritePath } from './mutations.js';

export const identitySubgraphName = 'identity';

export interface IdentityContext extends SubgraphContext {
  readonly driver: Driver;
  /** Where mutations write; undefined when the subgraph serves reads only. */
  readonly write: WritePath | undefined;
  readonly organizations: DataLoader<string, OrganizationRow | null>;
  readonly devices: DataLoader<string, DeviceRow | null>;
  readonly histories: DataLoader<string, OwnershipRow[]>;
  /** Ledger times of past blocks; undefined when the subgraph runs without ledger nodes. */
  readonly blockTimeMs: BlockTimeSource | undefined;
}

/** The per-request context: fresh loaders, so nothing cached outlives one request (block times are immutable and shared). */
export function identityContext(driver: Driver, identity: Identity, write?: WritePath, blockTimeMs?: BlockTimeSource): IdentityContext {
  return {
    identity,
    driver,
    write,
    blockTimeMs,
    organizations: new DataLoader((ids: readonly string[]) => organizationsById(driver, ids), { maxBatchSize: 100 }),
    devices: new DataLoader((dids: readonly string[]) => devicesByDid(driver, dids), { maxBatchSize: 100 }),
    histories: new DataLoader((dids: readonly string[]) => ownershipHistories(driver, dids), { maxBatchSize: 100 }),
  };
}

interface PageArgs {
  readonly first?: number | null;
  readonly after?: string | null;
}

const organizationKeyFields: ReadonlySet<string> = new Set(['id']);

/**
 * The organisation `id`, read from the graph unless the selection asks for nothing but its id (as a
 * mutation answering `owner { id }` does): then the reference answers without a second query. Also the
 * answer for an organisation the graph only names (a member from genesis that no block has changed yet).
 */
async function organizationOrReference(context: IdentityContext, id: string, info: Pick<GraphQLResolveInfo, 'fieldNodes'>): Promise<OrganizationRow> {
  const reference: OrganizationRow = { id, name: null, did: null, status: null, txId: '', height: 0 };
  if (selectsOnly(info.fieldNodes, organizationKeyFields)) return reference;
  return (await context.organizations.load(id)) ?? reference;
}

async function devicesConnection(context: IdentityContext, owner: string | null, args: PageArgs): Promise<Page<DeviceRow>> {
  const size = pageSize(args.first);
  const after = args.after === undefined || args.after === null ? null : String(decodeCursor(args.after, ['s'])[0]);
  const rows = await devicesPage(context.driver, owner, after, size + 1);
  for (const row of rows) context.devices.prime(row.did, row);
  return pageOf(rows, size, (row) => [row.did]);
}

async function deviceForPrivateRead(context: IdentityContext, did: string, what: string): Promise<DeviceRow> {
  const device = await context.devices.load(did);
  if (device === null) throw subgraphError(SubgraphErrorCode.notFound, `no device has did ${did}`);
  requirePrivateRead(context.identity, device.owner, what);
  return device;
}

interface DecisionResult {
  readonly allowed: boolean;
  readonly reason: string;
  readonly grant: GrantRow | null;
  readonly revocation: GrantRow | null;
  readonly height: number;
}

/** The height an answer is read at, and that block's ledger time. */
async function answerHeight(context: IdentityContext, atHeight: number | null | undefined): Promise<{ height: number; timeMs: number }> {
  const head = await projectedHead(context.driver);
  if (atHeight === undefined || atHeight === null || atHeight === head.height) return head;
  if (atHeight < 1 || atHeight > head.height) {
    throw badUserInput(`atHeight must be 1 to the projected height (${head.height}); ${atHeight} is not served`);
  }
  if (context.blockTimeMs === undefined) throw subgraphError(SubgraphErrorCode.ledgerUnavailable, 'this identity subgraph runs without ledger nodes, so it answers at the projected height only');
  try {
    return { height: atHeight, timeMs: await context.blockTimeMs(atHeight) };
  } catch (error: unknown) {
    throw subgraphError(SubgraphErrorCode.ledgerUnavailable, `the ledger time of block ${atHeight} is not available: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function decideAccess(context: IdentityContext, args: { device: string; actor: string; action: string; atHeight?: number | null }): Promise<DecisionResult> {
  if (args.actor.length === 0 || args.actor.length > 256) throw badUserInput('actor must be 1 to 256 characters');
  const { height, timeMs } = await answerHeight(context, args.atHeight);
  const state = await accessStateAt(context.driver, args.device, args.actor, height, timeMs);
  // A partner asks about its own access or about devices it owns now; analysts and regulators ask
  // about any. The owner now decides, at every height, so a device's past is as private as its present.
  if (state.currentOwner !== undefined && args.actor !== context.identity.organizationId) requirePrivateRead(context.identity, state.currentOwner, 'access to this device');
  const grantsById = new Map(state.grants.map((grant) => [grant.grantTxId, grant]));
  const indexed = state.grants.map((grant) => grant.grantTxId);
  const view: StateView = {
    get(key: string): JsonValue | undefined {
      if (state.device !== undefined && key === deviceKey(args.device)) return { ...state.device };
      if (key === accessIndexKey(args.device, args.actor)) return indexed.length === 0 ? undefined : indexed;
      const grant = state.grants.find((candidate) => key === accessGrantKey(candidate.grantTxId));
      return grant === undefined ? undefined : { ...grantRecord(grant), actions: [...grant.actions] };
    },
  };
  const decision = canAccess(view, args.device, args.actor, args.action, state.ledgerTimeMs);
  const grant = decision.grantTxId === undefined ? null : (grantsById.get(decision.grantTxId) ?? null);
  return { allowed: decision.allowed, reason: decision.reason, grant, revocation: decision.revokeTxId === undefined ? null : grant, height: state.height };
}

const resolvers = {
  DID: didScalar,
  JSON: jsonScalar,
  Hex: hexScalar,
  BigInt: bigIntScalar,
  DateTime: dateTimeScalar,
  Query: {
    organization: (_: unknown, args: { id: string }, context: IdentityContext) => context.organizations.load(args.id),
    device: (_: unknown, args: { did: string }, context: IdentityContext) => context.devices.load(args.did),
    devices: (_: unknown, args: PageArgs & { owner?: string | null }, context: IdentityContext) => devicesConnection(context, args.owner ?? null, args),
    canAccess: (_: unknown, args: { device: string; actor: string; action: string; atHeight?: number | null }, context: IdentityContext) => decideAccess(context, args),
    accessLog: async (_: unknown, args: PageArgs & { device: string }, context: IdentityContext): Promise<Page<AccessEventRow>> => {
      await deviceForPrivateRead(context, args.device, 'the access log');
      const size = pageSize(args.first);
      const after = args.after === undefined || args.after === null ? null : decodeCursor(args.after, ['n', 'n', 'n']);
      const key = after === null ? null : ([Number(after[0]), Number(after[1]), Number(after[2])] as const);
      const rows = await accessEventsPage(context.driver, args.device, key, size + 1);
      return pageOf(rows, size, (row) => [row.height, row.position, row.eventIndex]);
    },
  },
  Mutation: identityMutationResolvers,
  Organization: {
    __resolveReference: (reference: { id: string }, context: IdentityContext) => context.organizations.load(reference.id),
    status: (organization: OrganizationRow) => (organization.status === null ? null : organization.status.toUpperCase()),
    devices: (organization: OrganizationRow, args: PageArgs, context: IdentityContext) => devicesConnection(context, organization.id, args),
  },
  Device: {
    __resolveReference: (reference: { did: string }, context: IdentityContext) => context.devices.load(reference.did),
    publicKey: (device: DeviceRow) => device.did,
    owner: (device: DeviceRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, device.owner, info),
    registeredAt: (device: DeviceRow) => device.registeredAtMs,
    ownershipHistory: (device: DeviceRow, _: unknown, context: IdentityContext) => context.histories.load(device.did),
    openTransferOffer: async (device: DeviceRow, _: unknown, context: IdentityContext): Promise<TransferOfferRow | null> => {
      requirePrivateRead(context.identity, device.owner, 'the open transfer offer');
      return device.openOfferTxId === null ? null : transferOffer(context.driver, device.openOfferTxId);
    },
    grants: async (device: DeviceRow, args: PageArgs, context: IdentityContext): Promise<Page<GrantRow>> => {
      requirePrivateRead(context.identity, device.owner, 'grants');
      const size = pageSize(args.first);
      const after = args.after === undefined || args.after === null ? null : decodeCursor(args.after, ['n', 's']);
      const rows = await grantsPage(context.driver, device.did, after === null ? null : { height: Number(after[0]), id: String(after[1]) }, size + 1);
      return pageOf(rows, size, (row) => [row.createdHeight, row.grantTxId]);
    },
  },
  Ownership: {
    owner: (entry: OwnershipRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, entry.owner, info),
    since: (entry: OwnershipRow) => entry.sinceMs,
    until: (entry: OwnershipRow) => entry.untilMs,
  },
  TransferOffer: {
    from: (offer: TransferOfferRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, offer.from, info),
    to: (offer: TransferOfferRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, offer.to, info),
    expiresAt: (offer: TransferOfferRow) => offer.expiresAtMs,
    status: (offer: TransferOfferRow) => offer.status.toUpperCase(),
  },
  Grant: {
    txId: (grant: GrantRow) => grant.grantTxId,
    height: (grant: GrantRow) => grant.createdHeight,
    grantor: (grant: GrantRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, grant.owner, info),
    granteeKind: (grant: GrantRow) => grant.granteeKind.toUpperCase(),
    expiresAt: (grant: GrantRow) => grant.expiresAtMs,
    revoked: (grant: GrantRow) => grant.revokeTxId !== null,
    revocation: (grant: GrantRow) => (grant.revokeTxId === null ? null : grant),
  },
  Revocation: {
    txId: (grant: GrantRow) => grant.revokeTxId,
    height: (grant: GrantRow) => grant.revokeHeight,
    revokedBy: (grant: GrantRow, _: unknown, context: IdentityContext, info: GraphQLResolveInfo) => organizationOrReference(context, grant.revokedBy ?? grant.owner, info),
  },
  AccessEvent: {
    at: (event: AccessEventRow) => event.atMs,
    ledgerGrantTxId: (event: AccessEventRow) => event.grantTxId,
    ledgerRevokeTxId: (event: AccessEventRow) => event.revokeTxId,
  },
};

/** The identity subgraph's executable schema. */
export function identitySchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(subgraphSdl('identity')), resolvers }]);
}

