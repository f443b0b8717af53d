/**
 * Recycling with revenue sharing end to end through the gateway's HTTP port, on a platform of this
 * test's own. The three member organisations' partners hold API keys: alpha collects, beta reuses,
 * gamma recycles; an outsider partner and a regulator hold keys too. A rule is proposed by alpha and
 * accepted by beta and gamma; an item is recovered under it; a sale before gamma accepted is
 * LEDGER_REJECTED (RULE_NOT_IN_FORCE) and changes nothing; the item is handed over twice, each time
 * offered by the holder and accepted by the receiver; gamma sells it for 100.01 EUR and the payouts are
 * 33.35 + 33.33 + 33.33, adding up exactly. An amount past 2^53 travels as digits and comes back
 * unchanged. Visibility: holders past and present and the rule's parties read the item, the regulator
 * reads across, the outsider is FORBIDDEN and lists no items or rules. Every transaction behind the item and the rule is in its
 * provenance, and each proof verifies with the CLI offline against the consortium file.
 */
import { randomBytes } from 'node:crypto';
import { errorCode, postGraphql, startPlatformWithApiKeys, verifyBundlesOffline, type GraphqlAnswer, type PlatformWithApiKeys } from '../harness/platform-client.js';

jest.setTimeout(300_000);

/** The default consortium's member organisations (tools/services/ledger.ts); the platform holds their keys. */
const collector = 'alpha-industries';
const reuser = 'beta-logistics';
const recycler = 'gamma-finance';
const outsider = 'delta-outsider';
const requestTimeoutMs = 90_000;

let started: PlatformWithApiKeys;

function graphql(organizationOrRole: string, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlAnswer> {
  return postGraphql(started.gatewayUrl, started.apiKeyOf(organizationOrRole), query, variables, requestTimeoutMs);
}

/** The answer's data field `name`, failing with the errors when there are any. */
function dataOf<T>(answer: GraphqlAnswer, name: string): T {
  expect(answer.errors).toBeUndefined();
  return answer.data?.[name] as T;
}

function verifyOffline(bundles: readonly unknown[]): Promise<number[]> {
  return verifyBundlesOffline(bundles, started.platform.endpoints.consortiumDir ?? '', started.dataDir);
}

const ruleFields = 'id inForce inForceTxId proposer { id } parties { organization { id } shareBasisPoints accepted acceptedTxId }';
const itemFields = `id status holder { id } collector { id } rule { id inForce }
  holders { holder { id } holderIndex purpose toHeight endedTxId }
  handovers { offerTxId from { id } to { id } purpose status acceptedTxId }
  sale { txId amountMinor currency seller { id } payouts { organization { id } shareBasisPoints amountMinor } }`;
const receiptFields = 'receipt { txId height status }';

const proposeRule = `mutation($input: ProposeRevenueRuleInput!) { proposeRevenueRule(input: $input) { ${receiptFields} revenueRule { ${ruleFields} } } }`;
const acceptRule = `mutation($id: String!) { acceptRevenueRule(id: $id) { ${receiptFields} revenueRule { ${ruleFields} } } }`;
const recoverItem = `mutation($input: RecoverItemInput!) { recoverItem(input: $input) { ${receiptFields} recoveredItem { ${itemFields} } } }`;
const offerHandover = `mutation($input: OfferRecyclingHandoverInput!) { offerRecyclingHandover(input: $input) { ${receiptFields} recoveredItem { ${itemFields} } } }`;
const acceptHandover = `mutation($item: String!, $offerTxId: Hex!) { acceptRecyclingHandover(item: $item, offerTxId: $offerTxId) { ${receiptFields} recoveredItem { ${itemFields} } } }`;
const recordSale = `mutation($input: RecordRecyclingSaleInput!) { recordRecyclingSale(input: $input) { ${receiptFields} sale { txId amountMinor payouts { organization { id } amountMinor } } recoveredItem { ${itemFields} } } }`;
const itemQuery = `query($id: String!) { recoveredItem(id: $id) { ${itemFields} } }`;
const ruleQuery = `query($id: String!) { revenueRule(id: $id) { ${ruleFields} } }`;

interface Receipt {
  readonly txId: string;
  readonly height: string;
  readonly status: string;
}
interface Rule {
  readonly inForce: boolean;
  readonly inForceTxId: string | null;
  readonly parties: ReadonlyArray<{ organization: { id: string }; shareBasisPoints: number; accepted: boolean; acceptedTxId: string | null }>;
}
interface Item {
  readonly id: string;
  readonly status: string;
  readonly holder: { id: string };
  readonly holders: ReadonlyArray<{ holder: { id: string }; holderIndex: number; purpose: string | null; toHeight: string | null; endedTxId: string | null }>;
  readonly handovers: ReadonlyArray<{ offerTxId: string; from: { id: string }; to: { id: string }; purpose: string; status: string; acceptedTxId: string | null }>;
  readonly sale: { txId: string; amountMinor: string; currency: string; seller: { id: string }; payouts: ReadonlyArray<{ organization: { id: string }; shareBasisPoints: number; amountMinor: string }> } | null;
}

beforeAll(async () => {
  started = await startPlatformWithApiKeys('twinledger-recycling-', [
    { name: collector, organizationId: collector, role: 'partner', label: `test key of ${collector}` },
    { name: reuser, organizationId: reuser, role: 'partner', label: `test key of ${reuser}` },
    { name: recycler, organizationId: recycler, role: 'partner', label: `test key of ${recycler}` },
    { name: outsider, organizationId: outsider, role: 'partner', label: `test key of ${outsider}` },
    { name: 'regulator', organizationId: 'market-authority', role: 'regulator', label: 'test key of a regulator' },
  ]);
});

afterAll(async () => {
  await started?.stop();
});

test('a rule agreed by three parties, an item handed over twice, a sale split exactly; each answer proven offline', async () => {
  const ruleId = `rule-${randomBytes(4).toString('hex')}`;
  const itemId = `urn:epc:id:sgtin:0614141.107346.${randomBytes(4).readUInt32BE(0)}`;
  const parties = [
    { organization: collector, shareBasisPoints: 3_334 },
    { organization: reuser, shareBasisPoints: 3_333 },
    { organization: recycler, shareBasisPoints: 3_333 },
  ];

  // Proposed by alpha, which accepts by proposing; not in force until beta and gamma accept.
  const proposed = dataOf<{ receipt: Receipt; revenueRule: Rule }>(await graphql(collector, proposeRule, { input: { id: ruleId, parties } }), 'proposeRevenueRule');
  expect(proposed.receipt.status).toBe('ACCEPTED');
  expect(proposed.revenueRule.inForce).toBe(false);
  expect(proposed.revenueRule.parties.map((party) => [party.organization.id, party.shareBasisPoints, party.accepted])).toEqual([
    [collector, 3_334, true],
    [reuser, 3_333, false],
    [recycler, 3_333, false],
  ]);
  const betaAccepted = dataOf<{ receipt: Receipt; revenueRule: Rule }>(await graphql(reuser, acceptRule, { id: ruleId }), 'acceptRevenueRule');
  expect(betaAccepted.revenueRule.inForce).toBe(false);

  const recovered = dataOf<{ receipt: Receipt; recoveredItem: Item }>(
    await graphql(collector, recoverItem, { input: { id: itemId, description: 'Hydraulic press, end of life', weightGrams: '1250000', rule: ruleId } }),
    'recoverItem',
  );
  expect(recovered.recoveredItem).toMatchObject({ id: itemId, status: 'HELD', holder: { id: collector } });

  // A sale before the rule is in force is ordered and refused by the contract; nothing changes.
  const early = await graphql(collector, recordSale, { input: { item: itemId, amountMinor: '10001', currency: 'EUR' } });
  expect(errorCode(early)).toBe('LEDGER_REJECTED');
  expect(early.errors?.[0]?.extensions).toMatchObject({ ledgerCode: 'RULE_NOT_IN_FORCE', txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  expect(dataOf<Item>(await graphql(collector, itemQuery, { id: itemId }), 'recoveredItem')).toMatchObject({ status: 'HELD', sale: null });

  const gammaAccepted = dataOf<{ receipt: Receipt; revenueRule: Rule }>(await graphql(recycler, acceptRule, { id: ruleId }), 'acceptRevenueRule');
  expect(gammaAccepted.revenueRule).toMatchObject({ inForce: true, inForceTxId: gammaAccepted.receipt.txId });

  // Malformed input is refused before anything is signed.
  const malformed = await graphql(collector, recordSale, { input: { item: itemId, amountMinor: '10001', currency: 'eur' } });
  expect(errorCode(malformed)).toBe('BAD_USER_INPUT');

  // First handover, for reuse: offered by alpha, the holder; only beta, the receiver, accepts.
  const offer1 = dataOf<{ receipt: Receipt; recoveredItem: Item }>(await graphql(collector, offerHandover, { input: { item: itemId, to: reuser, purpose: 'REUSE' } }), 'offerRecyclingHandover');
  expect(offer1.recoveredItem.handovers).toEqual([{ offerTxId: offer1.receipt.txId, from: { id: collector }, to: { id: reuser }, purpose: 'REUSE', status: 'OPEN', acceptedTxId: null }]);
  const wrongReceiver = await graphql(recycler, acceptHandover, { item: itemId, offerTxId: offer1.receipt.txId });
  expect(wrongReceiver.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'NOT_PERMITTED' });
  const accept1 = dataOf<{ receipt: Receipt; recoveredItem: Item }>(await graphql(reuser, acceptHandover, { item: itemId, offerTxId: offer1.receipt.txId }), 'acceptRecyclingHandover');
  expect(accept1.recoveredItem.holder).toEqual({ id: reuser });

  // Second handover, for recycling: alpha no longer holds it; beta does.
  const notHolder = await graphql(collector, offerHandover, { input: { item: itemId, to: recycler, purpose: 'RECYCLING' } });
  expect(notHolder.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'NOT_HOLDER' });
  const offer2 = dataOf<{ receipt: Receipt }>(await graphql(reuser, offerHandover, { input: { item: itemId, to: recycler, purpose: 'RECYCLING' } }), 'offerRecyclingHandover');
  const accept2 = dataOf<{ receipt: Receipt; recoveredItem: Item }>(await graphql(recycler, acceptHandover, { item: itemId, offerTxId: offer2.receipt.txId }), 'acceptRecyclingHandover');
  expect(accept2.recoveredItem.holders.map((holding) => [holding.holder.id, holding.holderIndex, holding.purpose, holding.endedTxId])).toEqual([
    [collector, 0, null, accept1.receipt.txId],
    [reuser, 1, 'REUSE', accept2.receipt.txId],
    [recycler, 2, 'RECYCLING', null],
  ]);
  expect(accept2.recoveredItem.handovers.map((handover) => [handover.offerTxId, handover.status, handover.acceptedTxId])).toEqual([
    [offer1.receipt.txId, 'ACCEPTED', accept1.receipt.txId],
    [offer2.receipt.txId, 'ACCEPTED', accept2.receipt.txId],
  ]);

  // 100.01 EUR split 3334/3333/3333: the leftover cent goes to the largest remainder; the parts add up exactly.
  const sold = dataOf<{ receipt: Receipt; sale: Item['sale']; recoveredItem: Item }>(await graphql(recycler, recordSale, { input: { item: itemId, amountMinor: '10001', currency: 'EUR' } }), 'recordRecyclingSale');
  expect(sold.sale?.payouts.map((payout) => [payout.organization.id, payout.amountMinor])).toEqual([
    [collector, '3335'],
    [reuser, '3333'],
    [recycler, '3333'],
  ]);
  expect(sold.sale?.payouts.reduce((sum, payout) => sum + BigInt(payout.amountMinor), 0n)).toBe(10_001n);
  expect(sold.recoveredItem).toMatchObject({ status: 'SOLD', sale: { txId: sold.receipt.txId, amountMinor: '10001', currency: 'EUR', seller: { id: recycler } } });

  // Visibility: a past holder and the regulator read the item, the outsider may not; only parties read the rule.
  expect(dataOf<Item>(await graphql(collector, itemQuery, { id: itemId }), 'recoveredItem').status).toBe('SOLD');
  expect(dataOf<Item>(await graphql('regulator', itemQuery, { id: itemId }), 'recoveredItem').holder).toEqual({ id: recycler });
  expect(errorCode(await graphql(outsider, itemQuery, { id: itemId }))).toBe('FORBIDDEN');
  expect(errorCode(await graphql(outsider, ruleQuery, { id: ruleId }))).toBe('FORBIDDEN');
  expect(dataOf<Rule>(await graphql(reuser, ruleQuery, { id: ruleId }), 'revenueRule').inForce).toBe(true);
  const listed = dataOf<{ edges: Array<{ node: { id: string } }> }>(await graphql(reuser, 'query { recoveredItems(first: 100) { edges { node { id } } } }'), 'recoveredItems');
  expect(listed.edges.map((edge) => edge.node.id)).toContain(itemId);
  const outsiderList = dataOf<{ edges: unknown[] }>(await graphql(outsider, 'query { recoveredItems { edges { node { id } } } }'), 'recoveredItems');
  expect(outsiderList.edges).toEqual([]);
  const rules = dataOf<{ edges: Array<{ node: { id: string } }> }>(await graphql(recycler, 'query { revenueRules(first: 100) { edges { node { id } } } }'), 'revenueRules');
  expect(rules.edges.map((edge) => edge.node.id)).toContain(ruleId);
  expect(dataOf<{ edges: unknown[] }>(await graphql(outsider, 'query { revenueRules { edges { node { id } } } }'), 'revenueRules').edges).toEqual([]);

  // Every transaction behind the item and the rule is in its provenance, with a proof that verifies offline.
  const itemProvenance = dataOf<{ provenance: Array<{ txId: string; type: string; proofBundle: unknown }> }>(
    await graphql(recycler, `query($id: String!) { recoveredItem(id: $id) { provenance { txId type proofBundle } } }`, { id: itemId }),
    'recoveredItem',
  ).provenance;
  const itemTxIds = [recovered, offer1, accept1, offer2, accept2, sold].map((answer) => answer.receipt.txId);
  expect(itemProvenance.map((entry) => entry.txId)).toEqual(itemTxIds);
  expect(itemProvenance.map((entry) => entry.type)).toEqual([
    'recycling.recover',
    'recycling.offerHandover',
    'recycling.acceptHandover',
    'recycling.offerHandover',
    'recycling.acceptHandover',
    'recycling.recordSale',
  ]);
  const ruleProvenance = dataOf<{ provenance: Array<{ txId: string; proofBundle: unknown }> }>(
    await graphql(reuser, `query($id: String!) { revenueRule(id: $id) { provenance { txId proofBundle } } }`, { id: ruleId }),
    'revenueRule',
  ).provenance;
  expect(ruleProvenance.map((entry) => entry.txId)).toEqual([proposed, betaAccepted, gammaAccepted].map((answer) => answer.receipt.txId));
  const bundles = [...itemProvenance, ...ruleProvenance].map((entry) => entry.proofBundle);
  expect(await verifyOffline(bundles)).toEqual(bundles.map(() => 0));
});

test('an item without a rule pays its holder, and an amount past 2^53 comes back digit for digit', async () => {
  const itemId = `scrap-${randomBytes(4).toString('hex')}`;
  dataOf(await graphql(collector, recoverItem, { input: { id: itemId, description: 'Copper scrap', weightGrams: '5000000' } }), 'recoverItem');
  const amountMinor = (2n ** 80n + 7n).toString();
  const sold = dataOf<{ sale: Item['sale'] }>(await graphql(collector, recordSale, { input: { item: itemId, amountMinor, currency: 'USD' } }), 'recordRecyclingSale');
  expect(sold.sale).toMatchObject({ amountMinor, payouts: [{ organization: { id: collector }, amountMinor }] });
  const again = await graphql(collector, recordSale, { input: { item: itemId, amountMinor: '1', currency: 'USD' } });
  expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'LEDGER_REJECTED', ledgerCode: 'ITEM_SOLD' });
});
