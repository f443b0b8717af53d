/**
 * The production subgraph's mutations. Each one checks its input (BAD_USER_INPUT before anything is
 * signed, with the contract's own syntax rules), signs the transaction with the caller organisation's
 * custodial key (or takes one signed by a station device and relayed by its owner's partner), submits it
 * through the commands queue and waits for the receipt and the projection (shared/commit.ts): a
 * rejected receipt is LEDGER_REJECTED with the contract's code. The entity is then read afresh and
 * answered with the receipt.
 */
import type { JsonValue } from '@twinledger/ledger-core/chain';
import {
  inputsMax,
  isEd25519DidKey,
  isItemId,
  isMeasurements,
  isProductionName,
  isQuantity,
  isStepParameters,
  isUnit,
  parametersMax,
  parameterStringLengthMax,
  productionNameLengthMax,
  ProductionTransactionType,
  unitLengthMax,
} from '@twinledger/ledger-core/contracts';
import { checkedSignedTransaction, receiptAnswer, requireWriter, signAndSubmit, submit, writePathOf, type ReceiptAnswer } from '../shared/commit.js';
import { badUserInput, forbidden } from '../shared/errors.js';
import { readRows, stringOf } from '../shared/neo4j.js';
import type { CheckRow, LotRow, ProductRow, StepRow } from './graph.js';
import type { ProductionContext } from './schema.js';
import { itemIdArgument } from '../shared/arguments.js';

interface LotQuantityInput {
  readonly lot: string;
  readonly quantity: number;
}

interface ItemInput {
  readonly serial?: string | null;
  readonly lot?: string | null;
}

export interface RegisterMaterialLotInput {
  readonly lot: string;
  readonly material: string;
  readonly quantity: number;
  readonly unit: string;
}

export interface CreateBatchInput {
  readonly lot: string;
  readonly model: string;
  readonly quantity: number;
  readonly unit: string;
  readonly inputs: readonly LotQuantityInput[];
}

export interface RegisterProductInput {
  readonly serial: string;
  readonly model: string;
  readonly batch: string;
}

export interface RecordProcessStepInput {
  readonly id: string;
  readonly station: string;
  readonly subject: ItemInput;
  readonly name: string;
  readonly parameters?: unknown;
  readonly operator: string;
  readonly inputs?: readonly LotQuantityInput[] | null;
}

export interface RecordQualityCheckInput {
  readonly id: string;
  readonly subject: ItemInput;
  readonly result: 'PASS' | 'FAIL';
  readonly measurements?: unknown;
  readonly inspector: string;
}

function name(value: string, what: string): string {
  if (!isProductionName(value)) throw badUserInput(`${what} must be 1 to ${productionNameLengthMax} characters, without control characters or blanks at either end`);
  return value;
}

function quantity(value: number, what: string): number {
  if (!isQuantity(value)) throw badUserInput(`${what} must be a whole number of at least 1, in the unit's smallest step`);
  return value;
}

function unit(value: string): string {
  if (!isUnit(value)) throw badUserInput(`unit must be 1 to ${unitLengthMax} letters, digits or "._/-", starting with a letter`);
  return value;
}

function inputList(value: readonly LotQuantityInput[] | null | undefined, minLength: number): { lot: string; quantity: number }[] {
  const inputs = value ?? [];
  if (inputs.length < minLength || inputs.length > inputsMax) throw badUserInput(`inputs must list ${minLength} to ${inputsMax} lots`);
  const lots = inputs.map((input) => itemIdArgument(input.lot, 'an input lot'));
  if (new Set(lots).size !== lots.length) throw badUserInput('inputs must name each lot once');
  return inputs.map((input) => ({ lot: input.lot, quantity: quantity(input.quantity, 'an input quantity') }));
}

function subject(value: ItemInput): { serial: string } | { lot: string } {
  const hasSerial = value.serial !== undefined && value.serial !== null;
  const hasLot = value.lot !== undefined && value.lot !== null;
  if (hasSerial === hasLot) throw badUserInput('subject must give exactly one of serial and lot');
  return hasSerial ? { serial: itemIdArgument(value.serial ?? '', 'subject.serial') } : { lot: itemIdArgument(value.lot ?? '', 'subject.lot') };
}

async function lotAfter(context: ProductionContext, lot: string): Promise<LotRow | null> {
  context.lots.clear(lot);
  return context.lots.load(lot);
}

async function registerMaterialLot(context: ProductionContext, input: RegisterMaterialLotInput): Promise<{ receipt: ReceiptAnswer; materialLot: LotRow | null }> {
  const payload = { lot: itemIdArgument(input.lot, 'lot'), material: name(input.material, 'material'), quantity: quantity(input.quantity, 'quantity'), unit: unit(input.unit) };
  const receipt = await signAndSubmit(context, ProductionTransactionType.registerMaterialLot, payload);
  return { receipt: receiptAnswer(receipt), materialLot: await lotAfter(context, payload.lot) };
}

async function createBatch(context: ProductionContext, input: CreateBatchInput): Promise<{ receipt: ReceiptAnswer; batch: LotRow | null }> {
  const payload = {
    lot: itemIdArgument(input.lot, 'lot'),
    model: name(input.model, 'model'),
    quantity: quantity(input.quantity, 'quantity'),
    unit: unit(input.unit),
    inputs: inputList(input.inputs, 1),
  };
  const receipt = await signAndSubmit(context, ProductionTransactionType.createBatch, payload);
  return { receipt: receiptAnswer(receipt), batch: await lotAfter(context, payload.lot) };
}

async function registerProduct(context: ProductionContext, input: RegisterProductInput): Promise<{ receipt: ReceiptAnswer; product: ProductRow | null }> {
  const payload = { serial: itemIdArgument(input.serial, 'serial'), model: name(input.model, 'model'), batch: itemIdArgument(input.batch, 'batch') };
  const receipt = await signAndSubmit(context, ProductionTransactionType.registerProduct, payload);
  context.products.clear(payload.serial);
  return { receipt: receiptAnswer(receipt), product: await context.products.load(payload.serial) };
}

function stepParameters(value: unknown): { readonly [name: string]: number | string | boolean } {
  const parameters = value ?? {};
  if (!isStepParameters(parameters)) {
    throw badUserInput(`parameters must be an object of at most ${parametersMax} names (letters, digits, "_.-") to numbers, strings of at most ${parameterStringLengthMax} characters, or booleans`);
  }
  return parameters;
}

async function recordProcessStep(context: ProductionContext, input: RecordProcessStepInput): Promise<{ receipt: ReceiptAnswer; processStep: StepRow | null }> {
  if (!isEd25519DidKey(input.station)) throw badUserInput('station must be the station device\'s Ed25519 did:key');
  const payload = {
    id: itemIdArgument(input.id, 'id'),
    station: input.station,
    subject: subject(input.subject),
    name: name(input.name, 'name'),
    parameters: stepParameters(input.parameters),
    operator: itemIdArgument(input.operator, 'operator'),
    inputs: inputList(input.inputs, 0),
  };
  const receipt = await signAndSubmit(context, ProductionTransactionType.recordStep, payload);
  return { receipt: receiptAnswer(receipt), processStep: await stepAfter(context, payload.id) };
}

async function stepAfter(context: ProductionContext, id: string): Promise<StepRow | null> {
  context.steps.clear(id);
  return context.steps.load(id);
}

async function recordQualityCheck(context: ProductionContext, input: RecordQualityCheckInput): Promise<{ receipt: ReceiptAnswer; qualityCheck: CheckRow | null }> {
  const measurements = input.measurements ?? {};
  if (!isMeasurements(measurements)) throw badUserInput(`measurements must be an object of at most ${parametersMax} names (letters, digits, "_.-") to numbers`);
  const payload = {
    id: itemIdArgument(input.id, 'id'),
    subject: subject(input.subject),
    result: input.result === 'PASS' ? 'pass' : 'fail',
    measurements,
    inspector: itemIdArgument(input.inspector, 'inspector'),
  };
  const receipt = await signAndSubmit(context, ProductionTransactionType.recordQualityCheck, payload);
  context.checks.clear(payload.id);
  return { receipt: receiptAnswer(receipt), qualityCheck: await context.checks.load(payload.id) };
}

/** The organisation that owns the device `did` by the projected graph, or null when no device has it. */
async function deviceOwner(context: ProductionContext, did: string): Promise<string | null> {
  const [row] = await readRows(context.driver, 'MATCH (d:Device {did: $did}) RETURN d.owner AS owner', { did });
  return stringOf(row?.['owner']);
}

async function submitDeviceSignedStep(context: ProductionContext, value: unknown): Promise<{ receipt: ReceiptAnswer; processStep: StepRow | null }> {
  const write = writePathOf(context);
  const signed = checkedSignedTransaction(value);
  if (signed.tx.type !== ProductionTransactionType.recordStep) throw badUserInput(`signedTransaction must be a ${ProductionTransactionType.recordStep} transaction, not ${signed.tx.type}`);
  const payload: JsonValue = signed.tx.payload;
  const id = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as { readonly [name: string]: JsonValue })['id'] : undefined;
  if (typeof id !== 'string' || !isItemId(id)) throw badUserInput('signedTransaction payload.id must be an item id');
  requireWriter(context.identity);
  // The device signs its own steps; a partner of the organisation that owns it relays them.
  const owner = await deviceOwner(context, signed.tx.signer);
  if (owner === null) throw forbidden(`the transaction is signed by ${signed.tx.signer}, which is not a registered device`);
  if (owner !== context.identity.organizationId) throw forbidden(`device ${signed.tx.signer} is owned by another organisation; only its owner's partners relay its steps`);
  const receipt = await submit(context, write, signed);
  return { receipt: receiptAnswer(receipt), processStep: await stepAfter(context, id) };
}

export const productionMutationResolvers = {
  registerMaterialLot: (_: unknown, args: { input: RegisterMaterialLotInput }, context: ProductionContext) => registerMaterialLot(context, args.input),
  createBatch: (_: unknown, args: { input: CreateBatchInput }, context: ProductionContext) => createBatch(context, args.input),
  registerProduct: (_: unknown, args: { input: RegisterProductInput }, context: ProductionContext) => registerProduct(context, args.input),
  recordProcessStep: (_: unknown, args: { input: RecordProcessStepInput }, context: ProductionContext) => recordProcessStep(context, args.input),
  recordQualityCheck: (_: unknown, args: { input: RecordQualityCheckInput }, context: ProductionContext) => recordQualityCheck(context, args.input),
  submitDeviceSignedStep: (_: unknown, args: { signedTransaction: unknown }, context: ProductionContext) => submitDeviceSignedStep(context, args.signedTransaction),
};
