/**
 * The recycling mutations. Each one checks its input (BAD_USER_INPUT before anything is signed) and the
 * caller's role (partners and admins act for their own organisation), signs the transaction with the
 * organisation's custodial key, submits it and waits for the receipt and the projection
 * (subgraphs/shared/commit.ts). What depends on the ledger state (who holds an item, whether a rule is
 * in force, which offer is open) is the contract's to decide, so its refusal arrives as LEDGER_REJECTED
 * with the contract's code rather than as a second, possibly stale, opinion read from the graph.
 */
import type { JsonObject } from '@twinledger/ledger-core/chain';
import {
  isCurrencyCode,
  isMinorUnits,
  isRecoveredItemDescription,
  recyclingRulePartiesMax,
  RecyclingTransactionType,
  shareBasisPointsTotal,
} from '@twinledger/ledger-core/contracts';
import { receiptAnswer, requireWriter, signAndSubmit, type CommitContext, type ReceiptAnswer } from '../shared/commit.js';
import { badUserInput } from '../shared/errors.js';
import { itemsById, rulesById, salesByTxId, type ItemRow, type RuleRow, type SaleRow } from './recycling-graph.js';
import { itemIdArgument, organizationIdArgument } from '../shared/arguments.js';

const transactionIdPattern = /^[0-9a-f]{64}$/;

/** The GraphQL purpose enum as the contract spells it. */
const purposeOf = { REUSE: 'reuse', RECYCLING: 'recycling' } as const;

async function ruleAfter(context: CommitContext, id: string): Promise<RuleRow | null> {
  const [rule] = await rulesById(context.driver, [id]);
  return rule ?? null;
}

async function itemAfter(context: CommitContext, id: string): Promise<ItemRow | null> {
  const [item] = await itemsById(context.driver, [id]);
  return item ?? null;
}

export interface ProposeRuleInput {
  readonly id: string;
  readonly parties: readonly { readonly organization: string; readonly shareBasisPoints: number }[];
}

async function proposeRevenueRule(context: CommitContext, input: ProposeRuleInput): Promise<{ receipt: ReceiptAnswer; revenueRule: RuleRow | null }> {
  requireWriter(context.identity);
  const id = itemIdArgument(input.id, 'id');
  if (input.parties.length < 1 || input.parties.length > recyclingRulePartiesMax) throw badUserInput(`parties must list 1 to ${recyclingRulePartiesMax} organisations`);
  const seen = new Set<string>();
  let total = 0;
  for (const party of input.parties) {
    organizationIdArgument(party.organization, 'parties.organization');
    if (seen.has(party.organization)) throw badUserInput(`${party.organization} is listed twice among the parties`);
    seen.add(party.organization);
    if (!Number.isSafeInteger(party.shareBasisPoints) || party.shareBasisPoints < 1 || party.shareBasisPoints > shareBasisPointsTotal) {
      throw badUserInput(`shareBasisPoints must be 1 to ${shareBasisPointsTotal}`);
    }
    total += party.shareBasisPoints;
  }
  if (total !== shareBasisPointsTotal) throw badUserInput(`the parties' shares add up to ${total} basis points, not ${shareBasisPointsTotal}`);
  if (!seen.has(context.identity.organizationId)) throw badUserInput(`the proposer ${context.identity.organizationId} must be one of the parties`);
  const parties = input.parties.map((party) => ({ organization: party.organization, shareBasisPoints: party.shareBasisPoints }));
  const receipt = await signAndSubmit(context, RecyclingTransactionType.proposeRule, { id, parties });
  return { receipt: receiptAnswer(receipt), revenueRule: await ruleAfter(context, id) };
}

async function acceptRevenueRule(context: CommitContext, id: string): Promise<{ receipt: ReceiptAnswer; revenueRule: RuleRow | null }> {
  requireWriter(context.identity);
  itemIdArgument(id, 'id');
  const receipt = await signAndSubmit(context, RecyclingTransactionType.acceptRule, { id });
  return { receipt: receiptAnswer(receipt), revenueRule: await ruleAfter(context, id) };
}

export interface RecoverItemInput {
  readonly id: string;
  readonly description: string;
  readonly weightGrams: number;
  readonly rule?: string | null;
}

async function recoverItem(context: CommitContext, input: RecoverItemInput): Promise<{ receipt: ReceiptAnswer; recoveredItem: ItemRow | null }> {
  requireWriter(context.identity);
  const item = itemIdArgument(input.id, 'id');
  if (!isRecoveredItemDescription(input.description)) throw badUserInput('description must be 1 to 256 characters, without control characters or blanks at either end');
  if (!Number.isSafeInteger(input.weightGrams) || input.weightGrams < 1) throw badUserInput('weightGrams must be a whole number of at least 1');
  const rule = input.rule === undefined || input.rule === null ? null : itemIdArgument(input.rule, 'rule');
  // The contract takes `rule` only when there is one: absent, not null.
  const base = { item, description: input.description, weightGrams: input.weightGrams };
  const payload: JsonObject = rule === null ? base : { ...base, rule };
  const receipt = await signAndSubmit(context, RecyclingTransactionType.recover, payload);
  return { receipt: receiptAnswer(receipt), recoveredItem: await itemAfter(context, item) };
}

export interface OfferHandoverInput {
  readonly item: string;
  readonly to: string;
  readonly purpose: keyof typeof purposeOf;
}

async function offerHandover(context: CommitContext, input: OfferHandoverInput): Promise<{ receipt: ReceiptAnswer; recoveredItem: ItemRow | null }> {
  requireWriter(context.identity);
  const item = itemIdArgument(input.item, 'item');
  const to = organizationIdArgument(input.to, 'to');
  const purpose = purposeOf[input.purpose];
  if (purpose === undefined) throw badUserInput('purpose must be REUSE or RECYCLING');
  const receipt = await signAndSubmit(context, RecyclingTransactionType.offerHandover, { item, to, purpose });
  return { receipt: receiptAnswer(receipt), recoveredItem: await itemAfter(context, item) };
}

async function acceptHandover(context: CommitContext, args: { item: string; offerTxId: string }): Promise<{ receipt: ReceiptAnswer; recoveredItem: ItemRow | null }> {
  requireWriter(context.identity);
  const item = itemIdArgument(args.item, 'item');
  if (!transactionIdPattern.test(args.offerTxId)) throw badUserInput('offerTxId must be a transaction id: 64 lowercase hex digits');
  const receipt = await signAndSubmit(context, RecyclingTransactionType.acceptHandover, { item, offerTxId: args.offerTxId });
  return { receipt: receiptAnswer(receipt), recoveredItem: await itemAfter(context, item) };
}

export interface RecordSaleInput {
  readonly item: string;
  readonly amountMinor: string;
  readonly currency: string;
}

async function recordSale(context: CommitContext, input: RecordSaleInput): Promise<{ receipt: ReceiptAnswer; sale: SaleRow | null; recoveredItem: ItemRow | null }> {
  requireWriter(context.identity);
  const item = itemIdArgument(input.item, 'item');
  if (!isMinorUnits(input.amountMinor) || input.amountMinor === '0') throw badUserInput('amountMinor must be a whole number of minor units of at least 1, as decimal digits');
  if (!isCurrencyCode(input.currency)) throw badUserInput('currency must be an ISO 4217 code: three capital letters');
  const receipt = await signAndSubmit(context, RecyclingTransactionType.recordSale, { item, amountMinor: input.amountMinor, currency: input.currency });
  const [sale] = await salesByTxId(context.driver, [receipt.txId]);
  return { receipt: receiptAnswer(receipt), sale: sale ?? null, recoveredItem: await itemAfter(context, item) };
}

/** The recycling fields of the supply subgraph's Mutation type. */
export const recyclingMutationResolvers = {
  proposeRevenueRule: (_: unknown, args: { input: ProposeRuleInput }, context: CommitContext) => proposeRevenueRule(context, args.input),
  acceptRevenueRule: (_: unknown, args: { id: string }, context: CommitContext) => acceptRevenueRule(context, args.id),
  recoverItem: (_: unknown, args: { input: RecoverItemInput }, context: CommitContext) => recoverItem(context, args.input),
  offerRecyclingHandover: (_: unknown, args: { input: OfferHandoverInput }, context: CommitContext) => offerHandover(context, args.input),
  acceptRecyclingHandover: (_: unknown, args: { item: string; offerTxId: string }, context: CommitContext) => acceptHandover(context, args),
  recordRecyclingSale: (_: unknown, args: { input: RecordSaleInput }, context: CommitContext) => recordSale(context, args.input),
};
