/**
 * The identity subgraph's mutations. Each one: checks its input (BAD_USER_INPUT before anything is
 * signed) and the caller (partners and admins act for their own organisation only, FORBIDDEN
 * otherwise), builds the transaction and signs it with the organisation's custodial key (or takes one
 * signed by a device or by a partner that keeps its own key), submits it through the commands queue
 * and waits for the receipt. A rejected receipt is LEDGER_REJECTED with the contract's code; an
 * accepted one is followed by a wait for the projection to reach its block (read-your-writes), then
 * the entity is read from the graph and returned with the receipt.
 */
import { randomBytes } from 'node:crypto';
import { formatSignerKey, type JsonValue } from '@twinledger/ledger-core/chain';
import { buildTransaction } from '@twinledger/ledger-core/client';
import {
  AccessTransactionType,
  DeviceTransactionType,
  OrganizationTransactionType,
  deviceCategoryLengthMax,
  deviceModelLengthMax,
  deviceSerialLengthMax,
  grantLifetimeMsMax,
  isEd25519DidKey,
  isOrganizationId,
  isOrganizationName,
  transferOfferLifetimeMsMax,
} from '@twinledger/ledger-core/contracts';
import { checkedSignedTransaction, receiptAnswer, requireWriter, signAndSubmit, signAsCaller, submit, writePathOf, type ReceiptAnswer, type WritePath } from '../shared/commit.js';
import { badUserInput, forbidden, subgraphError, SubgraphErrorCode } from '../shared/errors.js';
import { grantByTxId, transferOffer, type DeviceRow, type GrantRow, type OrganizationRow } from './graph.js';
import type { IdentityContext } from './schema.js';

export { projectionWaitMsDefault, receiptWaitMsDefault, type WritePath } from '../shared/commit.js';

const modelPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${deviceModelLengthMax - 1}}$`);
const serialPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${deviceSerialLengthMax - 1}}$`);
const categoryPattern = new RegExp(`^[a-z][a-z0-9-]{0,${deviceCategoryLengthMax - 1}}$`);

function timeMs(value: number, what: string, lifetimeMsMax: number): number {
  const now = Date.now();
  if (!(value > now)) throw badUserInput(`${what} must be in the future`);
  if (value > now + lifetimeMsMax) throw badUserInput(`${what} must be at most ${lifetimeMsMax} ms from now`);
  return value;
}

function deviceDid(value: string, what: string): string {
  if (!isEd25519DidKey(value)) throw badUserInput(`${what} must be an Ed25519 did:key`);
  return value;
}

async function ownedDevice(context: IdentityContext, did: string): Promise<DeviceRow> {
  const device = await context.devices.load(did);
  if (device === null) throw subgraphError(SubgraphErrorCode.notFound, `no device has did ${did}`);
  if (device.owner !== context.identity.organizationId) throw forbidden(`device ${did} is owned by another organisation; only its owner may do this`);
  return device;
}

/** The device as read after the write (a fresh read: the request's loader may hold the state before it). */
async function deviceAfter(context: IdentityContext, did: string): Promise<DeviceRow | null> {
  context.devices.clear(did);
  return context.devices.load(did);
}

async function organizationAfter(context: IdentityContext, id: string): Promise<OrganizationRow | null> {
  context.organizations.clear(id);
  return context.organizations.load(id);
}

/** The did the caller's organisation signs with: projected, else its genesis entry. */
async function organizationDid(context: IdentityContext, write: WritePath): Promise<string | undefined> {
  const id = context.identity.organizationId;
  const row = await context.organizations.load(id);
  return row?.did ?? write.members.find((member) => member.organizationId === id)?.organizationDid;
}

interface RegisterOrganizationInput {
  readonly id: string;
  readonly name: string;
  readonly did?: string | null;
}

async function registerOrganization(context: IdentityContext, input: RegisterOrganizationInput): Promise<{ receipt: ReceiptAnswer; organization: OrganizationRow | null }> {
  const write = writePathOf(context);
  requireWriter(context.identity);
  if (!isOrganizationId(input.id)) throw badUserInput('id must be 2 to 64 lowercase letters, digits and inner hyphens, starting with a letter');
  if (!isOrganizationName(input.name)) throw badUserInput('name must be 1 to 128 characters, without control characters or blanks at either end');
  if ((await context.organizations.load(input.id)) !== null) throw subgraphError(SubgraphErrorCode.conflict, `organisation ${input.id} exists already`);
  // A retried request finds the key made by the first attempt; otherwise a fresh key is sealed first.
  if (!write.custody.has(input.id)) {
    if (input.did !== undefined && input.did !== null) {
      throw badUserInput('did names a key the platform does not hold: an organisation with its own key signs organization.register itself and sends it with submitSignedTransaction');
    }
    const seed = randomBytes(32);
    await write.custody.importKey(input.id, formatSignerKey(input.id, seed));
    seed.fill(0);
  }
  const signer = await write.custody.signerFor(input.id);
  if (input.did !== undefined && input.did !== null && input.did !== signer.did) throw badUserInput(`did does not match the key held for ${input.id}`);
  const receipt = await submit(context, write, buildTransaction({ type: OrganizationTransactionType.register, payload: { id: input.id, name: input.name } }, signer).signed);
  return { receipt: receiptAnswer(receipt), organization: await organizationAfter(context, input.id) };
}

async function approveOrganization(context: IdentityContext, id: string): Promise<{ receipt: ReceiptAnswer; organization: OrganizationRow | null }> {
  if (!isOrganizationId(id)) throw badUserInput('id must be an organisation id');
  if ((await context.organizations.load(id)) === null) throw subgraphError(SubgraphErrorCode.notFound, `no organisation has id ${id}`);
  const receipt = await signAndSubmit(context, OrganizationTransactionType.approve, { id });
  return { receipt: receiptAnswer(receipt), organization: await organizationAfter(context, id) };
}

interface RegisterDeviceInput {
  readonly did: string;
  readonly model: string;
  readonly serial: string;
  readonly category: string;
}

/** Devices one `registerDevices` request may name: one connection page, which the gateway's cost limit already prices. */
export const registerDevicesInputsMax = 100;

/** The `device.register` payload of `input`; BAD_USER_INPUT naming the field, after `at` (the input's place in a list). */
function deviceRegistration(input: RegisterDeviceInput, at: string): { did: string; model: string; serial: string; category: string } {
  const did = deviceDid(input.did, `${at}did`);
  if (!modelPattern.test(input.model)) throw badUserInput(`${at}model must be 1 to ${deviceModelLengthMax} letters, digits or "._:-", starting with a letter or digit`);
  if (!serialPattern.test(input.serial)) throw badUserInput(`${at}serial must be 1 to ${deviceSerialLengthMax} letters, digits or "._:-", starting with a letter or digit`);
  if (!categoryPattern.test(input.category)) throw badUserInput(`${at}category must be 1 to ${deviceCategoryLengthMax} lowercase letters, digits and hyphens, starting with a letter`);
  return { did, model: input.model, serial: input.serial, category: input.category };
}

async function registerDevice(context: IdentityContext, input: RegisterDeviceInput): Promise<{ receipt: ReceiptAnswer; device: DeviceRow | null }> {
  const payload = deviceRegistration(input, '');
  const receipt = await signAndSubmit(context, DeviceTransactionType.register, payload);
  return { receipt: receiptAnswer(receipt), device: await deviceAfter(context, payload.did) };
}

/**
 * Every input is checked and every transaction signed before the first is submitted, so a refusal
 * leaves nothing queued. The answer is a list of promises: each device settles on its own, and one
 * refused by the ledger is an error at its index, not a failure of the request.
 */
async function registerDevices(context: IdentityContext, inputs: readonly RegisterDeviceInput[]): Promise<Promise<{ receipt: ReceiptAnswer; device: DeviceRow | null }>[]> {
  if (inputs.length === 0) throw badUserInput('inputs must name at least one device');
  if (inputs.length > registerDevicesInputsMax) throw badUserInput(`inputs may name at most ${registerDevicesInputsMax} devices; send the rest in further requests`);
  const payloads = inputs.map((input, index) => deviceRegistration(input, `inputs[${index}].`));
  const indexByDid = new Map<string, number>();
  payloads.forEach(({ did }, index) => {
    const first = indexByDid.get(did);
    if (first !== undefined) throw badUserInput(`inputs[${index}].did repeats inputs[${first}].did: a device is registered once`);
    indexByDid.set(did, index);
  });
  const { write, transactions } = await signAsCaller(context, DeviceTransactionType.register, payloads);
  return transactions.map(async ({ payload, signed }) => {
    const receipt = await submit(context, write, signed);
    return { receipt: receiptAnswer(receipt), device: await deviceAfter(context, payload.did) };
  });
}

async function offerDeviceTransfer(context: IdentityContext, args: { did: string; to: string; expiresAt: number }): Promise<{ receipt: ReceiptAnswer; device: DeviceRow | null }> {
  const did = deviceDid(args.did, 'did');
  if (!isOrganizationId(args.to)) throw badUserInput('to must be an organisation id');
  const expiresAtMs = timeMs(args.expiresAt, 'expiresAt', transferOfferLifetimeMsMax);
  requireWriter(context.identity);
  await ownedDevice(context, did);
  const receipt = await signAndSubmit(context, DeviceTransactionType.transferOffer, { did, to: args.to, expiresAtMs });
  return { receipt: receiptAnswer(receipt), device: await deviceAfter(context, did) };
}

async function acceptDeviceTransfer(context: IdentityContext, args: { did: string; offerTxId: string }): Promise<{ receipt: ReceiptAnswer; device: DeviceRow | null }> {
  const did = deviceDid(args.did, 'did');
  if (!/^[0-9a-f]{64}$/.test(args.offerTxId)) throw badUserInput('offerTxId must be a transaction id (64 lowercase hex)');
  requireWriter(context.identity);
  const offer = await transferOffer(context.driver, args.offerTxId);
  if (offer === null) throw subgraphError(SubgraphErrorCode.notFound, `no transfer offer was made by transaction ${args.offerTxId}`);
  if (offer.to !== context.identity.organizationId) throw forbidden(`offer ${args.offerTxId} is made to another organisation`);
  const receipt = await signAndSubmit(context, DeviceTransactionType.transferAccept, { did, offerTxId: args.offerTxId });
  return { receipt: receiptAnswer(receipt), device: await deviceAfter(context, did) };
}

interface GrantAccessInput {
  readonly device: string;
  readonly grantee: string;
  readonly actions: readonly string[];
  readonly expiresAt: number;
}

async function grantAccess(context: IdentityContext, input: GrantAccessInput): Promise<{ receipt: ReceiptAnswer; grant: GrantRow | null }> {
  const did = deviceDid(input.device, 'device');
  if (!isOrganizationId(input.grantee) && !isEd25519DidKey(input.grantee)) throw badUserInput('grantee must be an organisation id or an Ed25519 did:key');
  if (input.actions.length === 0) throw badUserInput('actions must name at least one action');
  if (new Set(input.actions).size !== input.actions.length) throw badUserInput('actions must not repeat an action');
  const expiresAtMs = timeMs(input.expiresAt, 'expiresAt', grantLifetimeMsMax);
  requireWriter(context.identity);
  await ownedDevice(context, did);
  const receipt = await signAndSubmit(context, AccessTransactionType.grant, { device: did, grantee: input.grantee, actions: [...input.actions], expiresAtMs });
  return { receipt: receiptAnswer(receipt), grant: await grantByTxId(context.driver, receipt.txId) };
}

async function revokeAccess(context: IdentityContext, grantId: string): Promise<{ receipt: ReceiptAnswer; grant: GrantRow | null }> {
  if (!/^[0-9a-f]{64}$/.test(grantId)) throw badUserInput('grantId must be a transaction id (64 lowercase hex)');
  requireWriter(context.identity);
  const grant = await grantByTxId(context.driver, grantId);
  if (grant === null) throw subgraphError(SubgraphErrorCode.notFound, `no grant was made by transaction ${grantId}`);
  await ownedDevice(context, grant.device);
  const receipt = await signAndSubmit(context, AccessTransactionType.revoke, { grantId });
  return { receipt: receiptAnswer(receipt), grant: await grantByTxId(context.driver, grantId) };
}

async function recordAccessEvent(context: IdentityContext, value: unknown): Promise<{ receipt: ReceiptAnswer; device: DeviceRow | null }> {
  const write = writePathOf(context);
  const signed = checkedSignedTransaction(value);
  if (signed.tx.type !== AccessTransactionType.event) throw badUserInput(`signedTransaction must be an ${AccessTransactionType.event} transaction, not ${signed.tx.type}`);
  requireWriter(context.identity);
  // The device signs its own records; its owner's partner relays them.
  await ownedDevice(context, signed.tx.signer);
  const receipt = await submit(context, write, signed);
  return { receipt: receiptAnswer(receipt), device: await deviceAfter(context, signed.tx.signer) };
}

async function submitSignedTransaction(context: IdentityContext, value: unknown): Promise<{ receipt: ReceiptAnswer }> {
  const write = writePathOf(context);
  const signed = checkedSignedTransaction(value);
  requireWriter(context.identity);
  const own = context.identity.organizationId;
  const payload: JsonValue = signed.tx.payload;
  const onBehalfOf = isJsonObject(payload) ? payload['onBehalfOf'] : undefined;
  const signerIsOwn = signed.tx.signer === (await organizationDid(context, write));
  const signerIsOwnDevice = (await context.devices.load(signed.tx.signer))?.owner === own;
  // A new organisation's own request to join is signed by the key it is registering.
  const isJoinRequest = signed.tx.type === OrganizationTransactionType.register;
  if (!signerIsOwn && onBehalfOf !== own && !signerIsOwnDevice && !isJoinRequest) {
    throw forbidden(`the transaction is signed by ${signed.tx.signer}, which signs neither for organisation ${own} nor under its delegation`);
  }
  return { receipt: receiptAnswer(await submit(context, write, signed)) };
}

function isJsonObject(value: JsonValue): value is { readonly [name: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const identityMutationResolvers = {
  registerOrganization: (_: unknown, args: { input: RegisterOrganizationInput }, context: IdentityContext) => registerOrganization(context, args.input),
  approveOrganization: (_: unknown, args: { id: string }, context: IdentityContext) => approveOrganization(context, args.id),
  registerDevice: (_: unknown, args: { input: RegisterDeviceInput }, context: IdentityContext) => registerDevice(context, args.input),
  registerDevices: (_: unknown, args: { inputs: readonly RegisterDeviceInput[] }, context: IdentityContext) => registerDevices(context, args.inputs),
  offerDeviceTransfer: (_: unknown, args: { did: string; to: string; expiresAt: number }, context: IdentityContext) => offerDeviceTransfer(context, args),
  acceptDeviceTransfer: (_: unknown, args: { did: string; offerTxId: string }, context: IdentityContext) => acceptDeviceTransfer(context, args),
  grantAccess: (_: unknown, args: { input: GrantAccessInput }, context: IdentityContext) => grantAccess(context, args.input),
  revokeAccess: (_: unknown, args: { grantId: string }, context: IdentityContext) => revokeAccess(context, args.grantId),
  recordAccessEvent: (_: unknown, args: { signedTransaction: unknown }, context: IdentityContext) => recordAccessEvent(context, args.signedTransaction),
  submitSignedTransaction: (_: unknown, args: { signedTransaction: unknown }, context: IdentityContext) => submitSignedTransaction(context, args.signedTransaction),
};
