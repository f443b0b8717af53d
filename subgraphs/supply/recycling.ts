/**
 * The recycling part of the supply subgraph (SDL: graph-schema/sdl/supply/20-recycling.graphql):
 * resolver maps the supply subgraph merges into its own. They need only `driver`, `identity` and
 * `write` from the request context (a `CommitContext`); the per-request DataLoaders they batch through
 * are kept beside the context object, so the supply subgraph's context needs no recycling fields.
 *
 * Visibility: an item (with its handovers and sale) is read by its holders past and present and by the
 * parties of its rule, a rule by its parties; analysts and regulators read across organisations;
 * anyone else is refused with FORBIDDEN, so "none" and "not yours" stay distinct.
 */
import DataLoader from 'dataloader';
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import type { CommitContext } from '../shared/commit.js';
import { badUserInput, forbidden } from '../shared/errors.js';
import { decodeCursor, pageOf, pageSize, type Page } from '../shared/pagination.js';
import {
  handoversOf,
  holdingsOf,
  itemProvenance,
  itemsById,
  ruleProvenance,
  rulesById,
  salesByTxId,
  visibleItemIds,
  visibleRuleIds,
  type HandoverRow,
  type HoldingRow,
  type ItemRow,
  type PayoutRow,
  type RuleParty,
  type RuleRow,
  type SaleRow,
  type TouchingTransaction,
} from './recycling-graph.js';
import { recyclingMutationResolvers } from './recycling-mutations.js';
import { itemIdArgument } from '../shared/arguments.js';

const readAcrossRoles: ReadonlySet<string> = new Set(['analyst', 'regulator']);

// Decimal digits without leading zeros, as the contract takes amounts (ledger-core/contracts/recycling.ts).
const minorUnitsPattern = /^(?:0|[1-9][0-9]{0,29})$/;

function checkedMinorUnits(value: unknown): string {
  if (typeof value === 'bigint' && value >= 0n) return checkedMinorUnits(value.toString());
  if (typeof value !== 'string' || !minorUnitsPattern.test(value)) throw badUserInput('MinorUnits expected: a whole number of at least 0, as at most 30 decimal digits');
  return value;
}

/**
 * Amounts in minor units as decimal strings, in and out: a JSON number would round amounts past 2^53,
 * and the shared BigInt scalar stops there, so amounts have a scalar of their own.
 */
export const minorUnitsScalar = new GraphQLScalarType<string, string>({
  name: 'MinorUnits',
  description: 'A whole number of minor currency units as decimal digits.',
  serialize: checkedMinorUnits,
  parseValue: checkedMinorUnits,
  parseLiteral: (node: ValueNode) => checkedMinorUnits(node.kind === Kind.STRING || node.kind === Kind.INT ? node.value : undefined),
});

interface RecyclingLoaders {
  readonly rules: DataLoader<string, RuleRow | null>;
  readonly items: DataLoader<string, ItemRow | null>;
  readonly sales: DataLoader<string, SaleRow | null>;
  readonly holdings: DataLoader<string, HoldingRow[]>;
  readonly handovers: DataLoader<string, HandoverRow[]>;
  readonly itemProvenance: DataLoader<string, TouchingTransaction[]>;
  readonly ruleProvenance: DataLoader<string, TouchingTransaction[]>;
}

// One set of loaders per request context object: nothing cached outlives the request.
const loadersByContext = new WeakMap<object, RecyclingLoaders>();

function loadersOf(context: CommitContext): RecyclingLoaders {
  const existing = loadersByContext.get(context);
  if (existing !== undefined) return existing;
  const { driver } = context;
  const options = { maxBatchSize: 100 };
  const loaders: RecyclingLoaders = {
    rules: new DataLoader((ids: readonly string[]) => rulesById(driver, ids), options),
    items: new DataLoader((ids: readonly string[]) => itemsById(driver, ids), options),
    sales: new DataLoader((txIds: readonly string[]) => salesByTxId(driver, txIds), options),
    holdings: new DataLoader((ids: readonly string[]) => holdingsOf(driver, ids), options),
    handovers: new DataLoader((ids: readonly string[]) => handoversOf(driver, ids), options),
    itemProvenance: new DataLoader((ids: readonly string[]) => itemProvenance(driver, ids), options),
    ruleProvenance: new DataLoader((ids: readonly string[]) => ruleProvenance(driver, ids), options),
  };
  loadersByContext.set(context, loaders);
  return loaders;
}

function readsAcross(context: CommitContext): boolean {
  return readAcrossRoles.has(context.identity.role);
}

/** True when the caller may read the item: a holder past or present, a party of its rule, or a reader across organisations. */
export function mayReadItem(identity: CommitContext['identity'], item: Pick<ItemRow, 'holders' | 'ruleParties'>): boolean {
  return readAcrossRoles.has(identity.role) || item.holders.includes(identity.organizationId) || item.ruleParties.includes(identity.organizationId);
}

/** True when the caller may read the rule: one of its parties, or a reader across organisations. */
export function mayReadRule(identity: CommitContext['identity'], rule: Pick<RuleRow, 'parties'>): boolean {
  return readAcrossRoles.has(identity.role) || rule.parties.some((party) => party.organization === identity.organizationId);
}

async function readableItem(context: CommitContext, id: string): Promise<ItemRow | null> {
  const item = await loadersOf(context).items.load(itemIdArgument(id, 'id'));
  if (item === null) return null;
  if (!mayReadItem(context.identity, item)) throw forbidden(`recovered item ${id} is private to its holders and the parties of its rule`);
  return item;
}

async function readableRule(context: CommitContext, id: string): Promise<RuleRow | null> {
  const rule = await loadersOf(context).rules.load(itemIdArgument(id, 'id'));
  if (rule === null) return null;
  if (!mayReadRule(context.identity, rule)) throw forbidden(`revenue rule ${id} is private to its parties`);
  return rule;
}

async function itemsConnection(context: CommitContext, args: { first?: number | null; after?: string | null }): Promise<Page<ItemRow>> {
  const size = pageSize(args.first);
  const after = args.after === undefined || args.after === null ? null : String(decodeCursor(args.after, ['s'])[0]);
  const ids = await visibleItemIds(context.driver, readsAcross(context) ? null : context.identity.organizationId, after, size + 1);
  const loaded = await loadersOf(context).items.loadMany(ids);
  const rows = loaded.filter((row): row is ItemRow => row !== null && !(row instanceof Error));
  return pageOf(rows, size, (row) => [row.id]);
}

async function rulesConnection(context: CommitContext, args: { first?: number | null; after?: string | null }): Promise<Page<RuleRow>> {
  const size = pageSize(args.first);
  const after = args.after === undefined || args.after === null ? null : String(decodeCursor(args.after, ['s'])[0]);
  const ids = await visibleRuleIds(context.driver, readsAcross(context) ? null : context.identity.organizationId, after, size + 1);
  const loaded = await loadersOf(context).rules.loadMany(ids);
  const rows = loaded.filter((row): row is RuleRow => row !== null && !(row instanceof Error));
  return pageOf(rows, size, (row) => [row.id]);
}

const organization = (id: string) => ({ id });
const references = (entries: readonly TouchingTransaction[]) => entries.map((entry) => ({ txId: entry.txId }));
const upper = (value: string | null) => (value === null ? null : value.toUpperCase());

/** The recycling resolvers, merged by the supply subgraph into its own maps. */
export const recyclingResolvers = {
  MinorUnits: minorUnitsScalar,
  Query: {
    recoveredItem: (_: unknown, args: { id: string }, context: CommitContext) => readableItem(context, args.id),
    recoveredItems: (_: unknown, args: { first?: number | null; after?: string | null }, context: CommitContext) => itemsConnection(context, args),
    revenueRule: (_: unknown, args: { id: string }, context: CommitContext) => readableRule(context, args.id),
    revenueRules: (_: unknown, args: { first?: number | null; after?: string | null }, context: CommitContext) => rulesConnection(context, args),
  },
  Mutation: recyclingMutationResolvers,
  RevenueRule: {
    proposer: (rule: RuleRow) => organization(rule.proposer),
    provenance: async (rule: RuleRow, _: unknown, context: CommitContext) => references(await loadersOf(context).ruleProvenance.load(rule.id)),
  },
  RevenueRuleParty: {
    organization: (party: RuleParty) => organization(party.organization),
  },
  RecoveredItem: {
    collector: (item: ItemRow) => organization(item.collector),
    holder: (item: ItemRow) => organization(item.holder),
    status: (item: ItemRow) => item.status.toUpperCase(),
    // The rule is read through the item: whoever may read the item (a holder who sells it) sees how its proceeds split.
    rule: (item: ItemRow, _: unknown, context: CommitContext) => (item.rule === null ? null : loadersOf(context).rules.load(item.rule)),
    product: (item: ItemRow) => (item.productSerial === null ? null : { serial: item.productSerial }),
    recoveredAt: (item: ItemRow) => item.recoveredAtMs,
    holders: (item: ItemRow, _: unknown, context: CommitContext) => loadersOf(context).holdings.load(item.id),
    handovers: (item: ItemRow, _: unknown, context: CommitContext) => loadersOf(context).handovers.load(item.id),
    sale: (item: ItemRow, _: unknown, context: CommitContext) => (item.saleTxId === null ? null : loadersOf(context).sales.load(item.saleTxId)),
    provenance: async (item: ItemRow, _: unknown, context: CommitContext) => references(await loadersOf(context).itemProvenance.load(item.id)),
  },
  RecyclingHolding: {
    holder: (holding: HoldingRow) => organization(holding.holder),
    purpose: (holding: HoldingRow) => upper(holding.purpose),
    since: (holding: HoldingRow) => holding.sinceMs,
    until: (holding: HoldingRow) => holding.untilMs,
  },
  RecyclingHandover: {
    from: (handover: HandoverRow) => organization(handover.from),
    to: (handover: HandoverRow) => organization(handover.to),
    purpose: (handover: HandoverRow) => handover.purpose.toUpperCase(),
    status: (handover: HandoverRow) => handover.status.toUpperCase(),
  },
  RecyclingSale: {
    seller: (sale: SaleRow) => organization(sale.seller),
    rule: (sale: SaleRow, _: unknown, context: CommitContext) => (sale.rule === null ? null : loadersOf(context).rules.load(sale.rule)),
    at: (sale: SaleRow) => sale.atMs,
    // A sale is one transaction: the one that recorded it.
    provenance: (sale: SaleRow) => [{ txId: sale.txId }],
  },
  RecyclingPayout: {
    organization: (payout: PayoutRow) => organization(payout.organization),
  },
};
