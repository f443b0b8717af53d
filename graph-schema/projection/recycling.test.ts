/**
 * Recycling handlers as data: every event becomes statements stamped with its transaction and height,
 * the same event gives the same statements; a proposed rule writes one PARTY per party with only the
 * proposer accepted; an acceptance is stamped on its party; a recovery opens the first HELD_BY entry and
 * links the rule and the product the ledger named; a handover closes the previous holder's entry and
 * opens the next; a replaced or withdrawn offer is marked; a sale pays each party its part as a decimal
 * string; malformed events (parts that do not add up, an unknown purpose, an offer that is not its own
 * transaction, an acceptance count that contradicts `inForce`) are refused with BAD_EVENT_FIELD.
 */
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { projectEvent, ProjectionErrorCode, type ProjectionContext } from './index.js';
import { codeOf } from './testing/refusals.js';

const context: ProjectionContext = { txId: 'ab'.repeat(32), height: 12, position: 0, eventIndex: 0, ledgerTimeMs: 1_700_000_000_000, blockHash: 'cd'.repeat(32) };
const item = 'urn:epc:id:sgtin:0614141.107346.2018';
const earlierOffer = '01'.repeat(32);

const parties = [
  { organization: 'alpha', shareBasisPoints: 3_334 },
  { organization: 'beta', shareBasisPoints: 3_333 },
  { organization: 'gamma', shareBasisPoints: 3_333 },
];
const proposed: LedgerEvent = { type: 'RecyclingRuleProposed', rule: 'rule-1', proposer: 'alpha', parties, inForce: false, delegationId: null };
const accepted: LedgerEvent = { type: 'RecyclingRuleAccepted', rule: 'rule-1', organization: 'gamma', partyIndex: 2, acceptedCount: 3, partyCount: 3, inForce: true, delegationId: null };
const recovered: LedgerEvent = {
  type: 'RecyclingItemRecovered',
  item,
  description: 'Hydraulic press',
  weightGrams: 1_250_000,
  rule: 'rule-1',
  product: item,
  collector: 'alpha',
  delegationId: null,
};
const offered: LedgerEvent = {
  type: 'RecyclingHandoverOffered',
  item,
  from: 'alpha',
  to: 'beta',
  purpose: 'reuse',
  offerTxId: context.txId,
  replacesOfferTxId: earlierOffer,
  delegationId: null,
};
const handedOver: LedgerEvent = { type: 'RecyclingHandoverAccepted', item, from: 'alpha', to: 'beta', purpose: 'reuse', offerTxId: earlierOffer, holderIndex: 1, delegationId: null };
const sold: LedgerEvent = {
  type: 'RecyclingSaleRecorded',
  item,
  seller: 'gamma',
  amountMinor: '10001',
  currency: 'EUR',
  rule: 'rule-1',
  parts: [
    { organization: 'alpha', shareBasisPoints: 3_334, amountMinor: '3335' },
    { organization: 'beta', shareBasisPoints: 3_333, amountMinor: '3333' },
    { organization: 'gamma', shareBasisPoints: 3_333, amountMinor: '3333' },
  ],
  withdrawnOfferTxId: earlierOffer,
  delegationId: 'ef'.repeat(32),
};

describe('recycling projection', () => {
  it('stamps every statement and is deterministic', () => {
    for (const event of [proposed, accepted, recovered, offered, handedOver, sold]) {
      const statements = projectEvent(event, context);
      expect(statements.length).toBeGreaterThan(0);
      expect(projectEvent(event, context)).toEqual(statements);
      for (const statement of statements) {
        expect(statement.parameters).toMatchObject({ txId: context.txId, height: 12 });
        expect(statement.text).toContain('$txId');
      }
    }
  });

  it('writes one PARTY per party in the rule order, only the proposer accepted', () => {
    const [statement] = projectEvent(proposed, context);
    expect(statement?.text).toContain('MERGE (r:RevenueRule {id: $rule})');
    expect(statement?.text).toContain('CREATE (r)-[:PARTY {');
    expect(statement?.parameters['parties']).toEqual([
      { organization: 'alpha', partyIndex: 0, shareBasisPoints: 3_334, accepted: true, acceptedTxId: context.txId, acceptedHeight: 12 },
      { organization: 'beta', partyIndex: 1, shareBasisPoints: 3_333, accepted: false, acceptedTxId: null, acceptedHeight: null },
      { organization: 'gamma', partyIndex: 2, shareBasisPoints: 3_333, accepted: false, acceptedTxId: null, acceptedHeight: null },
    ]);
  });

  it('stamps an acceptance on its party and puts the rule in force with the last one', () => {
    const [statement] = projectEvent(accepted, context);
    expect(statement?.text).toContain('MATCH (r)-[p:PARTY {partyIndex: $partyIndex}]->(:Organization {id: $organization})');
    expect(statement?.text).toContain('p.acceptedTxId = $txId');
    expect(statement?.parameters).toMatchObject({ rule: 'rule-1', organization: 'gamma', partyIndex: 2, inForce: true });
  });

  it('opens the first HELD_BY entry on recovery and links the rule and the product', () => {
    const [item0, rule, product] = projectEvent(recovered, context);
    expect(item0?.text).toContain('holderIndex: 0, fromHeight: $height');
    expect(item0?.parameters).toMatchObject({ item, collector: 'alpha', weightGrams: 1_250_000 });
    expect(rule?.text).toContain('CREATE (i)-[:UNDER_RULE');
    expect(product?.text).toContain('MERGE (p:Product {serial: $product})');
    expect(product?.text).toContain('CREATE (i)-[:RECOVERS');
    expect(projectEvent({ ...recovered, rule: null, product: null }, context)).toHaveLength(1);
  });

  it('marks a replaced offer before opening the new one', () => {
    const [replaced, open] = projectEvent(offered, context);
    expect(replaced?.text).toContain("r.status = 'replaced'");
    expect(replaced?.parameters).toMatchObject({ replacesOfferTxId: earlierOffer });
    expect(open?.text).toContain('CREATE (i)-[:HANDOVER');
    expect(open?.parameters).toMatchObject({ offerTxId: context.txId, to: 'beta', purpose: 'reuse' });
  });

  it('closes the previous holder entry and opens the next on handover', () => {
    const [close, open] = projectEvent(handedOver, context);
    expect(close?.text).toContain('SET h.toHeight = $height, h.endedTxId = $txId');
    expect(close?.parameters).toMatchObject({ previousHolderIndex: 0, holderIndex: 1, from: 'alpha', to: 'beta' });
    expect(open?.text).toContain("h.status = 'accepted'");
    expect(open?.text).toContain('purpose: $purpose');
  });

  it('withdraws the open offer and pays each party its part as a decimal string', () => {
    const [withdrawn, sale, rule] = projectEvent(sold, context);
    expect(withdrawn?.text).toContain("w.status = 'withdrawn'");
    expect(sale?.text).toContain('CREATE (s:Sale {id: $txId');
    expect(sale?.text).toContain('CREATE (s)-[:PAID {');
    expect(sale?.parameters['parts']).toEqual([
      { organization: 'alpha', partyIndex: 0, shareBasisPoints: 3_334, amountMinor: '3335' },
      { organization: 'beta', partyIndex: 1, shareBasisPoints: 3_333, amountMinor: '3333' },
      { organization: 'gamma', partyIndex: 2, shareBasisPoints: 3_333, amountMinor: '3333' },
    ]);
    expect(sale?.parameters).toMatchObject({ amountMinor: '10001', currency: 'EUR', seller: 'gamma' });
    expect(rule?.text).toContain('CREATE (s)-[:UNDER_RULE');
    expect(projectEvent({ ...sold, rule: null, withdrawnOfferTxId: null }, context)).toHaveLength(1);
  });

  it('keeps amounts past 2^63 exact', () => {
    const big = '123456789012345678901234567890';
    const [sale] = projectEvent({ ...sold, amountMinor: big, parts: [{ organization: 'alpha', shareBasisPoints: 10_000, amountMinor: big }], withdrawnOfferTxId: null }, context);
    expect(sale?.parameters).toMatchObject({ amountMinor: big });
  });

  it('refuses malformed fields with BAD_EVENT_FIELD', () => {
    const bad: LedgerEvent[] = [
      { ...proposed, parties: [] },
      { ...proposed, proposer: 'delta' },
      { ...proposed, parties: [{ organization: 'alpha', shareBasisPoints: 0 }] },
      { ...accepted, inForce: false },
      { ...accepted, acceptedCount: 4 },
      { ...recovered, weightGrams: 0 },
      { ...recovered, product: 'another-serial' },
      { ...recovered, delegationId: undefined } as unknown as LedgerEvent,
      { ...offered, offerTxId: earlierOffer },
      { ...offered, purpose: 'landfill' },
      { ...handedOver, holderIndex: 0 },
      { ...sold, amountMinor: '10002' },
      { ...sold, amountMinor: 10_001 },
      { ...sold, parts: [{ organization: 'alpha', shareBasisPoints: 10_000, amountMinor: 10_001 }] },
    ];
    expect(bad.map((event) => codeOf(() => projectEvent(event, context)))).toEqual(bad.map(() => ProjectionErrorCode.badEventField));
  });
});
