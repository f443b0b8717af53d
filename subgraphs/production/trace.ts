/**
 * The trace and recall queries of the production subgraph: `traceBackward`, `traceForward` and
 * `recall`, each one Cypher read (trace-cypher.ts) narrowed by trace-rows.ts. They need only the
 * request's `driver` and `identity`, so any subgraph context carrying those serves them.
 *
 * Who may ask: analysts and regulators about any item (they read across organisations); a partner or
 * admin only about an item its organisation is a party to, checked by one seek of the start item before
 * the trace runs. For a trace a party is the item's maker (producer, supplier) or the shipper,
 * consignee or custodian of a shipment carrying it: the parties in the chain around it. A recall lists
 * every customer and holder downstream, so only the lot's maker, the one that answers for it, may ask
 * for it besides analysts and regulators. Everyone else gets FORBIDDEN.
 */
import type { Identity } from '@twinledger/gateway';
import type { Driver } from 'neo4j-driver';
import { badUserInput, forbidden, subgraphError, SubgraphErrorCode } from '../shared/errors.js';
import { readRows } from '../shared/neo4j.js';
import { decodeCursor, encodeCursor, pageSize } from '../shared/pagination.js';
import {
  backwardTraceCypher,
  forwardTraceCypher,
  partyCypher,
  recallCypher,
  TraceInputError,
  traceOffsetMax,
  type PartyScope,
  type TraceStart,
  type TraceStatement,
} from './trace-cypher.js';
import {
  lotProvenanceOf,
  recallCustomersOf,
  recallProductsOf,
  totalCountOf,
  tracePathsOf,
  type ProvenanceReference,
  type RecallCustomer,
  type RecallProduct,
  type TracePath,
} from './trace-rows.js';

/** What the trace resolvers need from the request context. */
export interface TraceContext {
  readonly driver: Driver;
  readonly identity: Identity;
}

/** Depth of a trace when the query leaves it out, in relationships. */
export const traceDepthDefault = 6;

/** Roles that read traces across organisations. */
const traceAcrossRoles: ReadonlySet<string> = new Set(['analyst', 'regulator']);

interface Connection<T> {
  readonly edges: readonly { readonly cursor: string; readonly node: T }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly totalCount: number;
}

interface PageArgs {
  readonly depth?: number | null;
  readonly first?: number | null;
  readonly after?: string | null;
}

export interface RecallReport {
  readonly lot: string;
  readonly depth: number;
  readonly provenance: readonly ProvenanceReference[];
  readonly products: Connection<RecallProduct>;
  readonly customers: readonly RecallCustomer[];
}

/** The position after the cursor's: cursors are positions in the trace's stable order. */
function offsetAfter(after: string | null | undefined): number {
  if (after === undefined || after === null) return 0;
  const position = Number(decodeCursor(after, ['n'])[0]);
  if (position < 0 || position >= traceOffsetMax) throw badUserInput('malformed cursor');
  return position + 1;
}

function connectionOf<T>(nodes: readonly T[], offset: number, size: number, totalCount: number): Connection<T> {
  const shown = nodes.slice(0, size);
  const edges = shown.map((node, index) => ({ cursor: encodeCursor([offset + index]), node }));
  return { edges, pageInfo: { hasNextPage: offset + shown.length < totalCount, endCursor: edges[edges.length - 1]?.cursor ?? null }, totalCount };
}

/** An Organization entity reference, which the identity subgraph resolves. */
function organizationReference(id: string | null): { id: string } | null {
  return id === null ? null : { id };
}

/** Builds a statement, turning an argument outside its bounds into BAD_USER_INPUT. */
function built(build: () => TraceStatement): TraceStatement {
  try {
    return build();
  } catch (error: unknown) {
    if (error instanceof TraceInputError) throw badUserInput(error.message);
    throw error;
  }
}

function describe(start: TraceStart): string {
  return start.kind === 'product' ? `product ${start.serial}` : `lot ${start.lot}`;
}

/** Throws NOT_FOUND when the start does not exist, FORBIDDEN when the caller may not trace it. */
async function requireTraceable(context: TraceContext, start: TraceStart, scope: PartyScope): Promise<void> {
  const across = traceAcrossRoles.has(context.identity.role);
  const statement = built(() => partyCypher(start, context.identity.organizationId, scope));
  const rows = await readRows(context.driver, statement.text, statement.parameters);
  if (rows.length === 0) throw subgraphError(SubgraphErrorCode.notFound, `no ${describe(start)} is recorded`);
  if (across) return;
  if (rows[0]?.party !== true) {
    throw forbidden(
      scope === 'maker'
        ? `a recall of ${describe(start)} is for analysts, regulators and its maker`
        : `a trace of ${describe(start)} is for analysts, regulators and the organisations that made, shipped, received, hold or observed it`,
    );
  }
}

function startOf(args: { serial?: string | null; lot?: string | null }): TraceStart {
  const hasSerial = args.serial !== undefined && args.serial !== null;
  const hasLot = args.lot !== undefined && args.lot !== null;
  if (hasSerial === hasLot) throw badUserInput('give exactly one of serial and lot');
  return hasSerial ? { kind: 'product', serial: args.serial as string } : { kind: 'lot', lot: args.lot as string };
}

async function tracePaths(context: TraceContext, start: TraceStart, args: PageArgs, statementFor: (depth: number, offset: number, limit: number) => TraceStatement): Promise<Connection<TracePath>> {
  const size = pageSize(args.first);
  const offset = offsetAfter(args.after);
  const statement = built(() => statementFor(args.depth ?? traceDepthDefault, offset, size));
  await requireTraceable(context, start, 'chain');
  const rows = await readRows(context.driver, statement.text, statement.parameters);
  const row = rows[0];
  if (row === undefined) throw subgraphError(SubgraphErrorCode.notFound, `no ${describe(start)} is recorded`);
  return connectionOf(tracePathsOf(row.page), offset, size, totalCountOf(row.totalCount));
}

async function recallReport(context: TraceContext, lot: string, args: PageArgs): Promise<RecallReport> {
  const size = pageSize(args.first);
  const offset = offsetAfter(args.after);
  const depth = args.depth ?? traceDepthDefault;
  const statement = built(() => recallCypher(lot, depth, { offset, limit: size }));
  await requireTraceable(context, { kind: 'lot', lot }, 'maker');
  const rows = await readRows(context.driver, statement.text, statement.parameters);
  const row = rows[0];
  if (row === undefined) throw subgraphError(SubgraphErrorCode.notFound, `no lot ${lot} is recorded`);
  return {
    lot,
    depth,
    provenance: lotProvenanceOf(row.lot),
    products: connectionOf(recallProductsOf(row.products), offset, size, totalCountOf(row.totalCount)),
    customers: recallCustomersOf(row.consignments),
  };
}

/** Resolver maps for graph-schema/sdl/production/20-trace.graphql, merged into the production subgraph's. */
export const traceResolvers = {
  Query: {
    traceBackward: (_: unknown, args: PageArgs & { serial?: string | null; lot?: string | null }, context: TraceContext) => {
      const start = startOf(args);
      return tracePaths(context, start, args, (depth, offset, limit) => backwardTraceCypher(start, depth, { offset, limit }));
    },
    traceForward: (_: unknown, args: PageArgs & { lot: string }, context: TraceContext) =>
      tracePaths(context, { kind: 'lot', lot: args.lot }, args, (depth, offset, limit) => forwardTraceCypher(args.lot, depth, { offset, limit })),
    recall: (_: unknown, args: PageArgs & { lot: string }, context: TraceContext) => recallReport(context, args.lot, args),
  },
  RecallProduct: {
    producer: (product: RecallProduct) => organizationReference(product.producerId),
    holder: (product: RecallProduct) => organizationReference(product.holderId),
  },
  RecallCustomer: {
    organization: (customer: RecallCustomer) => ({ id: customer.organizationId }),
  },
};
