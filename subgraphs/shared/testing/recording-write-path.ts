/**
 * Test doubles for the subgraphs' unit tests of mutations: a write path that records what would be
 * signed and submitted and answers with a receipt the test chooses, and a driver that fails any read,
 * so a test proves a mutation never touched the graph before it signed.
 */
import type { SignedTransaction } from '@twinledger/ledger-core/chain';
import type { Receipt, TransactionSigner } from '@twinledger/ledger-core/client';
import { CustodyError, CustodyErrorCode } from '@twinledger/workers';
import type { Driver } from 'neo4j-driver';
import type { WritePath } from '../commit.js';

/** A driver any use of which throws: for tests where the graph must not be read. */
export const unusedDriver = new Proxy(
  {},
  {
    get() {
      throw new Error('the graph must not be read in this test');
    },
  },
) as Driver;

/** What a recording write path saw, in order. */
export interface RecordedWrites {
  readonly signed: SignedTransaction[];
  /** The organisations whose custodial key was asked for. */
  readonly signersAsked: string[];
  /** Most submissions in flight at once. */
  inFlightMax: number;
}

export function emptyRecord(): RecordedWrites {
  return { signed: [], signersAsked: [], inFlightMax: 0 };
}

/** Answers a submission: `index` is its place among the submissions, from 0. */
export type SubmitAnswer = (signed: SignedTransaction, index: number) => Promise<Receipt>;

/**
 * A write path that signs with `signer` for every organisation (or, with `custodyHasKey` false, holds no
 * key and refuses as custody does), records each submission in `recorded` and answers it with `answer`.
 */
export function recordingWritePath(signer: TransactionSigner, answer: SubmitAnswer, recorded: RecordedWrites, options: { custodyHasKey?: boolean } = {}): WritePath {
  const custodyHasKey = options.custodyHasKey ?? true;
  let inFlight = 0;
  return {
    custody: {
      has: () => custodyHasKey,
      importKey: () => Promise.reject(new Error('no import expected')),
      signerFor: async (organizationId: string) => {
        recorded.signersAsked.push(organizationId);
        if (!custodyHasKey) throw new CustodyError(CustodyErrorCode.keyMissing, `no key for ${organizationId}`);
        return signer;
      },
    },
    commands: {
      submit: async (signed) => {
        const index = recorded.signed.length;
        recorded.signed.push(signed);
        inFlight += 1;
        recorded.inFlightMax = Math.max(recorded.inFlightMax, inFlight);
        try {
          return await answer(signed, index);
        } finally {
          inFlight -= 1;
        }
      },
      close: async () => undefined,
    },
    members: [],
    receiptWaitMs: 1_000,
    projectionWaitMs: 1_000,
  };
}
