/**
 * The ledger subgraph: blocks, transactions, receipts, checkpoints and node status from the ledger
 * nodes, and `provenance` on Device and Organization: the transactions the projected graph names for
 * the entity (its txId stamps), each with a proof bundle fetched from a ledger node. Provenance rows
 * batch through a DataLoader per request; bundles are fetched once per transaction per request.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { subgraphSdl } from '@twinledger/graph-schema';
import type { Identity } from '@twinledger/gateway';
import { LedgerRequestError, type BlockAnswer, type LedgerClient } from '@twinledger/ledger-core/client';
import { transactionId, type JsonValue, type ProofBundle, type SignedTransaction } from '@twinledger/ledger-core/chain';
import DataLoader from 'dataloader';
import { parse, type GraphQLSchema } from 'graphql';
import type { Driver } from 'neo4j-driver';
import { badUserInput, subgraphError, SubgraphErrorCode } from '../shared/errors.js';
import { numberOf, readRows, stringOf } from '../shared/neo4j.js';
import { bigIntScalar, dateTimeScalar, didScalar, hexScalar, jsonScalar } from '../shared/scalars.js';
import type { SubgraphContext } from '../shared/server.js';

export const ledgerSubgraphName = 'ledger';
/** Most provenance entries one entity answers with: each costs a proof fetch. */
export const provenanceEntriesMax = 20;

interface TouchingTransaction {
  readonly txId: string;
  readonly height: number;
}

export interface LedgerContext extends SubgraphContext {
  readonly client: LedgerClient;
  readonly deviceTransactions: DataLoader<string, TouchingTransaction[]>;
  readonly organizationTransactions: DataLoader<string, TouchingTransaction[]>;
  readonly proofBundles: DataLoader<string, ProofBundle>;
}

// Every node and relationship the projection writes for a device or organisation carries the
// transaction that made it; these unions gather them, oldest first.
const deviceTransactionsCypher = `UNWIND $keys AS key
MATCH (d:Device {did: key})
CALL {
  WITH d RETURN d.createdTxId AS txId, d.createdHeight AS height
  UNION WITH d MATCH (d)-[h:OWNED_BY]->() RETURN h.txId AS txId, h.height AS height
  UNION WITH d MATCH (d)-[:HAS_OFFER]->(t) RETURN t.createdTxId AS txId, t.createdHeight AS height
  UNION WITH d MATCH (d)-[:HAS_GRANT]->(g) RETURN g.createdTxId AS txId, g.createdHeight AS height
  UNION WITH d MATCH (d)-[:HAS_GRANT]->(g) WHERE g.revokeTxId IS NOT NULL RETURN g.revokeTxId AS txId, g.revokeHeight AS height
  UNION WITH d MATCH (d)-[:ACCESS_EVENT|REPORTED]->(e) RETURN e.createdTxId AS txId, e.createdHeight AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

const organizationTransactionsCypher = `UNWIND $keys AS key
MATCH (o:Organization {id: key})
CALL {
  WITH o WITH o WHERE o.requestedHeight IS NOT NULL RETURN o.createdTxId AS txId, o.createdHeight AS height
  UNION WITH o MATCH ()-[a:APPROVED]->(o) RETURN a.txId AS txId, a.height AS height
  UNION WITH o WITH o WHERE o.activatedHeight = o.height RETURN o.txId AS txId, o.height AS height
  UNION WITH o MATCH (o)-[r:DELEGATED]->() RETURN r.txId AS txId, r.height AS height
}
WITH key, txId, height ORDER BY height, txId
RETURN key, collect({txId: txId, height: height})[..$max] AS entries`;

async function touchingTransactions(driver: Driver, cypher: string, keys: readonly string[]): Promise<TouchingTransaction[][]> {
  const rows = await readRows(driver, cypher, { keys: [...keys], max: provenanceEntriesMax });
  const byKey = new Map<string, TouchingTransaction[]>();
  for (const row of rows) {
    const entries = Array.isArray(row['entries']) ? row['entries'] : [];
    const list: TouchingTransaction[] = [];
    for (const entry of entries) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
      const map = entry as { readonly [name: string]: JsonValue };
      const txId = stringOf(map['txId']);
      const height = numberOf(map['height']);
      if (txId !== null && height !== null) list.push({ txId, height });
    }
    byKey.set(String(row['key']), list);
  }
  return keys.map((key) => byKey.get(key) ?? []);
}

/** The per-request context: fresh loaders over the graph and the ledger client. */
export function ledgerContext(driver: Driver, client: LedgerClient, identity: Identity): LedgerContext {
  return {
    identity,
    client,
    deviceTransactions: new DataLoader((keys: readonly string[]) => touchingTransactions(driver, deviceTransactionsCypher, keys), { maxBatchSize: 100 }),
    organizationTransactions: new DataLoader((keys: readonly string[]) => touchingTransactions(driver, organizationTransactionsCypher, keys), { maxBatchSize: 100 }),
    proofBundles: new DataLoader(
      (txIds: readonly string[]) => Promise.all(txIds.map((txId) => client.fetchProofBundle(txId).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))))),
      { maxBatchSize: provenanceEntriesMax },
    ),
  };
}

function ledgerFailure(error: unknown): Error {
  if (error instanceof LedgerRequestError && error.code === 'NOT_FOUND') return subgraphError(SubgraphErrorCode.notFound, error.message);
  return subgraphError(SubgraphErrorCode.ledgerUnavailable, error instanceof Error ? error.message : 'no ledger node answered');
}

interface ProvenanceAnswer {
  readonly txId: string;
  readonly height: number;
  readonly type: string;
  readonly proofBundle: ProofBundle;
}

async function provenanceEntry(context: LedgerContext, txId: string, height?: number): Promise<ProvenanceAnswer> {
  let bundle: ProofBundle;
  try {
    bundle = await context.proofBundles.load(txId);
  } catch (error: unknown) {
    throw ledgerFailure(error);
  }
  // The bundle's first header is the block holding the leaf.
  const leafHeight = height ?? bundle.headers[0]?.height;
  if (leafHeight === undefined) throw subgraphError(SubgraphErrorCode.ledgerUnavailable, `the proof of ${txId} has no block header`);
  return { txId, height: leafHeight, type: bundle.leaf.tx.tx.type, proofBundle: bundle };
}

async function provenance(context: LedgerContext, loader: DataLoader<string, TouchingTransaction[]>, key: string, first: number | null | undefined) {
  const size = first ?? provenanceEntriesMax;
  if (!Number.isSafeInteger(size) || size < 1 || size > provenanceEntriesMax) throw badUserInput(`first must be 1 to ${provenanceEntriesMax}`);
  const touching = (await loader.load(key)).slice(0, size);
  return Promise.all(touching.map((entry) => provenanceEntry(context, entry.txId, entry.height)));
}

const transactionIdPattern = /^[0-9a-f]{64}$/;

interface TransactionView {
  readonly signed: SignedTransaction;
  readonly outcome: BlockAnswer['record']['entries'][number]['outcome'];
  readonly height: number;
  readonly blockHash: string;
}

function transactionsOf(block: BlockAnswer): TransactionView[] {
  return block.record.entries.map((entry) => ({ signed: entry.tx, outcome: entry.outcome, height: block.record.header.height, blockHash: block.hash }));
}

async function blockAt(context: LedgerContext, height: number): Promise<BlockAnswer | null> {
  try {
    return await context.client.block(height);
  } catch (error: unknown) {
    if (error instanceof LedgerRequestError && error.code === 'NOT_FOUND') return null;
    throw ledgerFailure(error);
  }
}

const resolvers = {
  DID: didScalar,
  Hex: hexScalar,
  BigInt: bigIntScalar,
  DateTime: dateTimeScalar,
  JSON: jsonScalar,
  Query: {
    block: (_: unknown, args: { height: number }, context: LedgerContext) => {
      if (args.height < 1) throw badUserInput('height starts at 1');
      return blockAt(context, args.height);
    },
    transaction: async (_: unknown, args: { id: string }, context: LedgerContext): Promise<TransactionView | null> => {
      if (args.id.length !== 64) throw badUserInput('a transaction id is 64 hex digits');
      let receipt;
      try {
        receipt = await context.client.receipt(args.id);
      } catch (error: unknown) {
        if (error instanceof LedgerRequestError && error.code === 'NOT_FOUND') return null;
        throw ledgerFailure(error);
      }
      if (receipt.status === 'pending') return null;
      const block = await blockAt(context, receipt.height);
      return block === null ? null : (transactionsOf(block)[receipt.position] ?? null);
    },
    checkpoint: async (_: unknown, __: unknown, context: LedgerContext) => {
      try {
        return await context.client.checkpointLatest();
      } catch (error: unknown) {
        throw ledgerFailure(error);
      }
    },
    ledgerStatus: async (_: unknown, __: unknown, context: LedgerContext) =>
      (await context.client.status()).map((result) =>
        result.ok
          ? { url: result.url, reachable: true, node: result.status.node, height: result.status.height, qcHeight: result.status.qcHeight, treeSize: result.status.treeSize, blockHash: result.status.blockHash }
          : { url: result.url, reachable: false, error: result.error.message },
      ),
  },
  ProvenanceEntry: {
    __resolveReference: (reference: { txId: string }, context: LedgerContext) => {
      if (!transactionIdPattern.test(reference.txId)) throw badUserInput('a provenance reference names a transaction id: 64 lowercase hex digits');
      return provenanceEntry(context, reference.txId);
    },
  },
  Device: {
    __resolveReference: (reference: { did: string }) => reference,
    provenance: (device: { did: string }, args: { first?: number | null }, context: LedgerContext) => provenance(context, context.deviceTransactions, device.did, args.first),
  },
  Organization: {
    __resolveReference: (reference: { id: string }) => reference,
    provenance: (organization: { id: string }, args: { first?: number | null }, context: LedgerContext) =>
      provenance(context, context.organizationTransactions, organization.id, args.first),
  },
  Block: {
    height: (block: BlockAnswer) => block.record.header.height,
    hash: (block: BlockAnswer) => block.hash,
    prevHash: (block: BlockAnswer) => block.record.header.prevHash,
    time: (block: BlockAnswer) => block.record.header.timeMs,
    txCount: (block: BlockAnswer) => block.record.header.txCount,
    treeSize: (block: BlockAnswer) => block.record.header.treeSize,
    rootHash: (block: BlockAnswer) => block.record.header.rootHash,
    qc: (block: BlockAnswer) => block.qc,
    transactions: (block: BlockAnswer) => transactionsOf(block),
  },
  Transaction: {
    id: (view: TransactionView) => transactionId(view.signed.tx),
    type: (view: TransactionView) => view.signed.tx.type,
    signer: (view: TransactionView) => view.signed.tx.signer,
    time: (view: TransactionView) => view.signed.tx.time,
    payload: (view: TransactionView) => view.signed.tx.payload,
    receipt: (view: TransactionView) => ({
      txId: transactionId(view.signed.tx),
      height: view.height,
      status: view.outcome.status === 'accepted' ? 'ACCEPTED' : 'REJECTED',
      code: view.outcome.status === 'rejected' ? view.outcome.code : null,
      reason: view.outcome.status === 'rejected' ? view.outcome.reason : null,
      blockHash: view.blockHash,
    }),
  },
};

/** The ledger subgraph's executable schema. */
export function ledgerSchema(): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(subgraphSdl('ledger')), resolvers }]);
}
