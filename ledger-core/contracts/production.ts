/**
 * Production traceability (white paper §4.1): a supplier registers the material lots it ships
 * (`production.registerMaterialLot`); a producer makes a batch from registered lots
 * (`production.createBatch`), registers the products of a batch by serial
 * (`production.registerProduct`), records process steps worked at one of its stations on a product or
 * a lot (`production.recordStep`) and quality checks (`production.recordQualityCheck`).
 *
 * A process step is signed either by the organisation that made its subject (or its delegate), or by
 * the station device itself straight from the edge: a device's step is accepted only when the device
 * is registered, owned by the subject's maker, and its owner granted the device itself the `report`
 * action (the rule `device.report` applies). Quantities are whole numbers in the unit's smallest step,
 * so every node computes the same remaining quantities; a lot never gives more than it has left.
 *
 * Ids (lots, serials, steps, checks) are item ids (identifiers.ts), so GS1 identifiers are ids as they
 * stand; a lot id names either a material lot or a batch, never both.
 *
 * State (keys under `production/`, item ids percent-encoded as one key segment):
 *   production/lot/<lot>         → LotRecord (material lot or batch, with the quantity left)
 *   production/product/<serial>  → ProductRecord
 *   production/step/<id>         → StepRecord (what makes a step id unique)
 *   production/check/<id>        → CheckRecord (what makes a check id unique)
 */
import type { JsonValue } from '../chain/json-value.js';
import { canAccess } from './access.js';
import type { Contract, ContractCall, ContractEffects, ContractRejection, LedgerEvent, StateView } from './contract.js';
import { effectiveActor, isEd25519DidKey, type EffectiveActor } from './delegation.js';
import { findDevice } from './device.js';
import { isItemId, itemKeySegment } from './identifiers.js';
import { invariant, unreachable } from './invariant.js';
import { accepted, delegablePayloadFields, ok, refused, rejectionOf, type Checked } from './payload-checks.js';

export const productionContractName = 'production';

export const ProductionTransactionType = {
  registerMaterialLot: 'production.registerMaterialLot',
  createBatch: 'production.createBatch',
  registerProduct: 'production.registerProduct',
  recordStep: 'production.recordStep',
  recordQualityCheck: 'production.recordQualityCheck',
} as const;

export type ProductionTransactionType = (typeof ProductionTransactionType)[keyof typeof ProductionTransactionType];

const productionTypes: readonly string[] = Object.values(ProductionTransactionType);

export const ProductionRejectionCode = {
  /** The payload is not exactly the fields the operation takes, or a field is outside its syntax or bounds. */
  badPayload: 'BAD_PAYLOAD',
  /** A material lot or batch with this lot id exists already. */
  lotExists: 'LOT_EXISTS',
  /** No material lot or batch has this lot id. */
  lotUnknown: 'LOT_UNKNOWN',
  /** The lot named as a product's batch is a material lot. */
  notBatch: 'NOT_BATCH',
  /** An input asks for more than its lot has left. */
  overConsumption: 'OVER_CONSUMPTION',
  /** A product with this serial exists already. */
  productExists: 'PRODUCT_EXISTS',
  /** No product has this serial. */
  productUnknown: 'PRODUCT_UNKNOWN',
  /** A process step with this id exists already. */
  stepExists: 'STEP_EXISTS',
  /** A quality check with this id exists already. */
  checkExists: 'CHECK_EXISTS',
  /** The acting organisation did not make the batch, product or lot the call is about. */
  notProducer: 'NOT_PRODUCER',
  /** The station is not a registered device. */
  deviceUnknown: 'DEVICE_UNKNOWN',
  /** The station is owned by another organisation than the one that made the step's subject. */
  foreignStation: 'FOREIGN_STATION',
  /** A device signed a step recorded at another station. */
  notStation: 'NOT_STATION',
  /** The station's owner has not granted the station the `report` action (none, revoked, expired, a previous owner's). */
  notPermitted: 'NOT_PERMITTED',
} as const;

export type ProductionRejectionCode = (typeof ProductionRejectionCode)[keyof typeof ProductionRejectionCode];

/** Longest material, model and step name, in UTF-16 code units. */
export const productionNameLengthMax = 128;
/** Longest unit, in characters (ASCII only): `kg`, `g`, `pcs`, UN/CEFACT codes such as `KGM`. */
export const unitLengthMax = 16;
/** Most inputs one batch or step consumes. */
export const inputsMax = 32;
/** Most process parameters one step carries, and most measurements one check carries. */
export const parametersMax = 32;
/** Longest parameter or measurement name, in characters. */
export const parameterNameLengthMax = 64;
/** Longest string parameter value, in UTF-16 code units. */
export const parameterStringLengthMax = 256;

export type LotKind = 'material' | 'batch';

export type LotRecord = {
  readonly lot: string;
  readonly kind: LotKind;
  /** The organisation that registered it: the supplier of a material lot, the producer of a batch. */
  readonly maker: string;
  /** The material of a material lot, the model of a batch. */
  readonly description: string;
  readonly quantity: number;
  /** What is left to consume, 0 to `quantity`. */
  readonly remaining: number;
  readonly unit: string;
  readonly txId: string;
};

export type ProductRecord = {
  readonly serial: string;
  readonly model: string;
  readonly batch: string;
  readonly producer: string;
  readonly txId: string;
};

export type StepRecord = { readonly id: string; readonly producer: string; readonly txId: string };
export type CheckRecord = { readonly id: string; readonly producer: string; readonly txId: string };

/** What a step or check is about: a product by serial or a lot (material lot or batch) by lot id. */
export type ProductionSubject = { readonly kind: 'product'; readonly id: string } | { readonly kind: 'lot'; readonly id: string };

/** One consumption: how much of `lot` (in its unit) was used, and what it has left afterwards. */
export type Consumption = { readonly lot: string; readonly quantity: number; readonly unit: string; readonly remaining: number };

export function lotKey(lot: string): string {
  return `${productionContractName}/lot/${itemKeySegment(lot)}`;
}

export function productKey(serial: string): string {
  return `${productionContractName}/product/${itemKeySegment(serial)}`;
}

export function stepKey(id: string): string {
  return `${productionContractName}/step/${itemKeySegment(id)}`;
}

export function checkKey(id: string): string {
  return `${productionContractName}/check/${itemKeySegment(id)}`;
}

type Fields = { readonly [key: string]: JsonValue };

function storedObject(state: StateView, key: string): Fields | undefined {
  const stored = state.get(key);
  if (stored === undefined) return undefined;
  invariant(stored !== null && typeof stored === 'object' && !Array.isArray(stored), `${key} is not an object`);
  return stored as Fields;
}

/** The material lot or batch `lot`, or undefined. A stored record of another shape is a broken invariant and throws. */
export function findLot(state: StateView, lot: string): LotRecord | undefined {
  const where = lotKey(lot);
  const record = storedObject(state, where);
  if (record === undefined) return undefined;
  const { kind, maker, description, quantity, remaining, unit, txId } = record;
  invariant(record['lot'] === lot, `${where} holds another lot`);
  invariant(kind === 'material' || kind === 'batch', `${where} kind is not material or batch`);
  invariant(typeof maker === 'string' && typeof description === 'string' && typeof unit === 'string' && typeof txId === 'string', `${where} lacks a field`);
  invariant(isQuantity(quantity) && typeof remaining === 'number' && Number.isSafeInteger(remaining) && remaining >= 0 && remaining <= quantity, `${where} quantities are not counts`);
  return { lot, kind, maker, description, quantity, remaining, unit, txId };
}

/** The product with `serial`, or undefined. */
export function findProduct(state: StateView, serial: string): ProductRecord | undefined {
  const where = productKey(serial);
  const record = storedObject(state, where);
  if (record === undefined) return undefined;
  const { model, batch, producer, txId } = record;
  invariant(record['serial'] === serial, `${where} holds another serial`);
  invariant(typeof model === 'string' && typeof batch === 'string' && typeof producer === 'string' && typeof txId === 'string', `${where} lacks a field`);
  return { serial, model, batch, producer, txId };
}

/** The process step with `id`, or undefined. */
export function findStep(state: StateView, id: string): StepRecord | undefined {
  return findIdRecord(state, stepKey(id), id);
}

/** The quality check with `id`, or undefined. */
export function findCheck(state: StateView, id: string): CheckRecord | undefined {
  return findIdRecord(state, checkKey(id), id);
}

function findIdRecord(state: StateView, where: string, id: string): { id: string; producer: string; txId: string } | undefined {
  const record = storedObject(state, where);
  if (record === undefined) return undefined;
  const { producer, txId } = record;
  invariant(record['id'] === id, `${where} holds another id`);
  invariant(typeof producer === 'string' && typeof txId === 'string', `${where} lacks a field`);
  return { id, producer, txId };
}

// No control characters and no lone surrogates; names are shown to people and hashed as JSON.
const controlOrLoneSurrogatePattern = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unitPattern = new RegExp(`^[A-Za-z][A-Za-z0-9._/-]{0,${unitLengthMax - 1}}$`);
const parameterNamePattern = new RegExp(`^[A-Za-z][A-Za-z0-9_.-]{0,${parameterNameLengthMax - 1}}$`);

/** True when `value` is 1 to 128 code units, not blank at either end, without control characters. */
export function isProductionName(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= productionNameLengthMax && value.trim() === value && !controlOrLoneSurrogatePattern.test(value);
}

/** True when `value` is a whole number of at least 1 that every node represents exactly. */
export function isQuantity(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

export function isUnit(value: unknown): value is string {
  return typeof value === 'string' && unitPattern.test(value);
}

const payloadFields = {
  registerMaterialLot: ['lot', 'material', 'quantity', 'unit'],
  createBatch: ['lot', 'model', 'quantity', 'unit', 'inputs'],
  registerProduct: ['serial', 'model', 'batch'],
  recordStep: ['id', 'station', 'subject', 'name', 'parameters', 'operator', 'inputs'],
  recordQualityCheck: ['id', 'subject', 'result', 'measurements', 'inspector'],
} as const;

type MaterialLotChecked = { readonly lot: string; readonly material: string; readonly quantity: number; readonly unit: string; readonly actor: EffectiveActor };
type BatchChecked = {
  readonly lot: string;
  readonly model: string;
  readonly quantity: number;
  readonly unit: string;
  readonly consumed: readonly { readonly record: LotRecord; readonly quantity: number }[];
  readonly actor: EffectiveActor;
};
type ProductChecked = { readonly serial: string; readonly model: string; readonly batch: LotRecord; readonly actor: EffectiveActor };
type StepChecked = {
  readonly id: string;
  readonly station: string;
  readonly subject: ProductionSubject;
  readonly producer: string;
  readonly name: string;
  readonly parameters: Fields;
  readonly operator: string;
  readonly consumed: readonly { readonly record: LotRecord; readonly quantity: number }[];
  /** Who signed: the organisation (or its delegate, named by `delegationId`), or the station device under `grantTxId`. */
  readonly signedBy: { readonly kind: 'organization'; readonly delegationId: string | null } | { readonly kind: 'device'; readonly grantTxId: string };
};
type CheckChecked = {
  readonly id: string;
  readonly subject: ProductionSubject;
  readonly producer: string;
  readonly result: 'pass' | 'fail';
  readonly measurements: { readonly [name: string]: number };
  readonly inspector: string;
  readonly actor: EffectiveActor;
};

export const productionContract: Contract = {
  name: productionContractName,
  types: productionTypes,

  validate(call: ContractCall, state: StateView): ContractRejection | undefined {
    const type = transactionType(call.type);
    switch (type) {
      case ProductionTransactionType.registerMaterialLot:
        return rejectionOf(checkMaterialLot(call, state));
      case ProductionTransactionType.createBatch:
        return rejectionOf(checkBatch(call, state));
      case ProductionTransactionType.registerProduct:
        return rejectionOf(checkProduct(call, state));
      case ProductionTransactionType.recordStep:
        return rejectionOf(checkStep(call, state));
      case ProductionTransactionType.recordQualityCheck:
        return rejectionOf(checkQualityCheck(call, state));
      default:
        return unreachable(type);
    }
  },

  apply(call: ContractCall, state: StateView): ContractEffects {
    const type = transactionType(call.type);
    switch (type) {
      case ProductionTransactionType.registerMaterialLot:
        return applyMaterialLot(call, accepted(checkMaterialLot(call, state)));
      case ProductionTransactionType.createBatch:
        return applyBatch(call, accepted(checkBatch(call, state)));
      case ProductionTransactionType.registerProduct:
        return applyProduct(call, accepted(checkProduct(call, state)));
      case ProductionTransactionType.recordStep:
        return applyStep(call, accepted(checkStep(call, state)));
      case ProductionTransactionType.recordQualityCheck:
        return applyQualityCheck(call, accepted(checkQualityCheck(call, state)));
      default:
        return unreachable(type);
    }
  },
};

function transactionType(type: string): ProductionTransactionType {
  invariant(productionTypes.includes(type), `production contract called for ${type}`);
  return type as ProductionTransactionType;
}

function refuse<T>(code: keyof typeof ProductionRejectionCode, reason: string): Checked<T> {
  return refused({ code: ProductionRejectionCode[code], reason });
}

function fieldsOf(call: ContractCall, operation: keyof typeof payloadFields): Fields | undefined {
  return delegablePayloadFields(call.payload, payloadFields[operation]);
}

function badShape<T>(operation: keyof typeof payloadFields): Checked<T> {
  return refuse('badPayload', `production.${operation} takes exactly {${payloadFields[operation].join(', ')}} and optionally onBehalfOf`);
}

/** The `{lot, quantity}` list when well formed (at most `inputsMax`, no lot twice), else the reason. */
function inputList(value: JsonValue | undefined, minLength: number): { readonly lot: string; readonly quantity: number }[] | { readonly reason: string } {
  if (!Array.isArray(value) || value.length < minLength || value.length > inputsMax) return { reason: `inputs must list ${minLength} to ${inputsMax} {lot, quantity}` };
  const inputs: { lot: string; quantity: number }[] = [];
  for (const entry of value as readonly JsonValue[]) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.keys(entry).length !== 2) return { reason: 'each input is exactly {lot, quantity}' };
    const { lot, quantity } = entry as Fields;
    if (!isItemId(lot)) return { reason: 'an input lot must be an item id' };
    if (!isQuantity(quantity)) return { reason: 'an input quantity must be a whole number of at least 1' };
    if (inputs.some((input) => input.lot === lot)) return { reason: `inputs list ${lot} twice` };
    inputs.push({ lot, quantity });
  }
  return inputs;
}

/** The lots behind `inputs`, each with enough left; LOT_UNKNOWN or OVER_CONSUMPTION otherwise. */
function consumption(state: StateView, inputs: readonly { readonly lot: string; readonly quantity: number }[]): Checked<{ record: LotRecord; quantity: number }[]> {
  const consumed: { record: LotRecord; quantity: number }[] = [];
  for (const input of inputs) {
    const record = findLot(state, input.lot);
    if (record === undefined) return refuse('lotUnknown', `no lot has id ${input.lot}`);
    if (input.quantity > record.remaining) {
      return refuse('overConsumption', `lot ${input.lot} has ${record.remaining} ${record.unit} left, not ${input.quantity}`);
    }
    consumed.push({ record, quantity: input.quantity });
  }
  return ok(consumed);
}

function consumptionWrites(call: ContractCall, consumed: readonly { readonly record: LotRecord; readonly quantity: number }[]): { writes: [string, JsonValue][]; events: Consumption[] } {
  const writes: [string, JsonValue][] = [];
  const events: Consumption[] = [];
  for (const { record, quantity } of consumed) {
    const remaining = record.remaining - quantity;
    invariant(remaining >= 0, `apply would consume more of ${record.lot} than is left (tx ${call.context.txId})`);
    writes.push([lotKey(record.lot), { ...record, remaining }]);
    events.push({ lot: record.lot, quantity, unit: record.unit, remaining });
  }
  return { writes, events };
}

/** The subject `{serial}` or `{lot}` and the organisation that made it; BAD_PAYLOAD, PRODUCT_UNKNOWN or LOT_UNKNOWN otherwise. */
function subjectOf(state: StateView, value: JsonValue | undefined): Checked<{ subject: ProductionSubject; maker: string }> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length !== 1) return refuse('badPayload', 'subject must be exactly {serial} or {lot}');
  const { serial, lot } = value as Fields;
  if (serial !== undefined) {
    if (!isItemId(serial)) return refuse('badPayload', 'subject.serial must be an item id');
    const product = findProduct(state, serial);
    if (product === undefined) return refuse('productUnknown', `no product has serial ${serial}`);
    return ok({ subject: { kind: 'product', id: serial }, maker: product.producer });
  }
  if (lot === undefined) return refuse('badPayload', 'subject must be exactly {serial} or {lot}');
  if (!isItemId(lot)) return refuse('badPayload', 'subject.lot must be an item id');
  const record = findLot(state, lot);
  if (record === undefined) return refuse('lotUnknown', `no lot has id ${lot}`);
  return ok({ subject: { kind: 'lot', id: lot }, maker: record.maker });
}

function checkMaterialLot(call: ContractCall, state: StateView): Checked<MaterialLotChecked> {
  const fields = fieldsOf(call, 'registerMaterialLot');
  if (fields === undefined) return badShape('registerMaterialLot');
  const { lot, material, quantity, unit } = fields;
  if (!isItemId(lot)) return refuse('badPayload', 'lot must be an item id: 1 to 256 printable ASCII characters without spaces');
  if (!isProductionName(material)) return refuse('badPayload', `material must be 1 to ${productionNameLengthMax} characters, without control characters or blanks at either end`);
  if (!isQuantity(quantity)) return refuse('badPayload', 'quantity must be a whole number of at least 1 (in the unit\'s smallest step)');
  if (!isUnit(unit)) return refuse('badPayload', `unit must be 1 to ${unitLengthMax} letters, digits or "._/-", starting with a letter`);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (findLot(state, lot) !== undefined) return refuse('lotExists', `lot ${lot} is registered already`);
  return ok({ lot, material, quantity, unit, actor });
}

function applyMaterialLot(call: ContractCall, { lot, material, quantity, unit, actor }: MaterialLotChecked): ContractEffects {
  const supplier = actor.organization.id;
  const record: LotRecord = { lot, kind: 'material', maker: supplier, description: material, quantity, remaining: quantity, unit, txId: call.context.txId };
  return {
    writes: [[lotKey(lot), record]],
    events: [{ type: 'MaterialLotRegistered', lot, material, quantity, unit, supplier, delegationId: actor.delegationId }],
  };
}

function checkBatch(call: ContractCall, state: StateView): Checked<BatchChecked> {
  const fields = fieldsOf(call, 'createBatch');
  if (fields === undefined) return badShape('createBatch');
  const { lot, model, quantity, unit } = fields;
  if (!isItemId(lot)) return refuse('badPayload', 'lot must be an item id: 1 to 256 printable ASCII characters without spaces');
  if (!isProductionName(model)) return refuse('badPayload', `model must be 1 to ${productionNameLengthMax} characters, without control characters or blanks at either end`);
  if (!isQuantity(quantity)) return refuse('badPayload', 'quantity must be a whole number of at least 1 (in the unit\'s smallest step)');
  if (!isUnit(unit)) return refuse('badPayload', `unit must be 1 to ${unitLengthMax} letters, digits or "._/-", starting with a letter`);
  const inputs = inputList(fields['inputs'], 1);
  if (!Array.isArray(inputs)) return refuse('badPayload', inputs.reason);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  if (findLot(state, lot) !== undefined) return refuse('lotExists', `lot ${lot} is registered already`);
  const consumed = consumption(state, inputs);
  if (!consumed.ok) return refused(consumed.rejection);
  return ok({ lot, model, quantity, unit, consumed: consumed.value, actor });
}

function applyBatch(call: ContractCall, { lot, model, quantity, unit, consumed, actor }: BatchChecked): ContractEffects {
  const producer = actor.organization.id;
  const record: LotRecord = { lot, kind: 'batch', maker: producer, description: model, quantity, remaining: quantity, unit, txId: call.context.txId };
  const used = consumptionWrites(call, consumed);
  return {
    writes: [...used.writes, [lotKey(lot), record]],
    events: [{ type: 'BatchCreated', lot, model, quantity, unit, producer, inputs: used.events, delegationId: actor.delegationId }],
  };
}

function checkProduct(call: ContractCall, state: StateView): Checked<ProductChecked> {
  const fields = fieldsOf(call, 'registerProduct');
  if (fields === undefined) return badShape('registerProduct');
  const { serial, model, batch } = fields;
  if (!isItemId(serial)) return refuse('badPayload', 'serial must be an item id: 1 to 256 printable ASCII characters without spaces');
  if (!isProductionName(model)) return refuse('badPayload', `model must be 1 to ${productionNameLengthMax} characters, without control characters or blanks at either end`);
  if (!isItemId(batch)) return refuse('badPayload', 'batch must be an item id');
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const record = findLot(state, batch);
  if (record === undefined) return refuse('lotUnknown', `no lot has id ${batch}`);
  if (record.kind !== 'batch') return refuse('notBatch', `lot ${batch} is a material lot, not a production batch`);
  if (record.maker !== actor.organization.id) return refuse('notProducer', `batch ${batch} was made by ${record.maker}, not ${actor.organization.id}`);
  if (findProduct(state, serial) !== undefined) return refuse('productExists', `product ${serial} is registered already`);
  return ok({ serial, model, batch: record, actor });
}

function applyProduct(call: ContractCall, { serial, model, batch, actor }: ProductChecked): ContractEffects {
  const record: ProductRecord = { serial, model, batch: batch.lot, producer: batch.maker, txId: call.context.txId };
  return {
    writes: [[productKey(serial), record]],
    events: [{ type: 'ProductRegistered', serial, model, batch: batch.lot, producer: batch.maker, delegationId: actor.delegationId }],
  };
}

/** True when `value` is a flat object of at most `parametersMax` named numbers, strings (at most 256 characters) and booleans. */
export function isStepParameters(value: unknown): value is { readonly [name: string]: number | string | boolean } {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  if (entries.length > parametersMax) return false;
  return entries.every(
    ([name, entry]) =>
      parameterNamePattern.test(name) &&
      ((typeof entry === 'number' && Number.isFinite(entry)) ||
        typeof entry === 'boolean' ||
        (typeof entry === 'string' && entry.length <= parameterStringLengthMax && !controlOrLoneSurrogatePattern.test(entry))),
  );
}

/** True when `value` is an object of at most `parametersMax` names to finite numbers. */
export function isMeasurements(value: unknown): value is { readonly [name: string]: number } {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return entries.length <= parametersMax && entries.every(([name, entry]) => parameterNamePattern.test(name) && typeof entry === 'number' && Number.isFinite(entry));
}

function checkStep(call: ContractCall, state: StateView): Checked<StepChecked> {
  const fields = fieldsOf(call, 'recordStep');
  if (fields === undefined) return badShape('recordStep');
  const { id, station, name, operator } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be an item id');
  if (!isEd25519DidKey(station)) return refuse('badPayload', 'station must be the station device\'s Ed25519 did:key');
  if (!isProductionName(name)) return refuse('badPayload', `name must be 1 to ${productionNameLengthMax} characters, without control characters or blanks at either end`);
  const parameters = fields['parameters'];
  if (!isStepParameters(parameters)) {
    return refuse('badPayload', `parameters must be an object of at most ${parametersMax} names (letters, digits, "_.-") to numbers, strings of at most ${parameterStringLengthMax} characters, or booleans`);
  }
  if (!isItemId(operator)) return refuse('badPayload', 'operator must be an item id (a badge number, an employee id or a did:key)');
  const inputs = inputList(fields['inputs'], 0);
  if (!Array.isArray(inputs)) return refuse('badPayload', inputs.reason);
  const about = subjectOf(state, fields['subject']);
  if (!about.ok) return refused(about.rejection);
  const { subject, maker } = about.value;

  const { signer, ledgerTimeMs } = call.context;
  const signingDevice = fields['onBehalfOf'] === undefined ? findDevice(state, signer) : undefined;
  let signedBy: StepChecked['signedBy'];
  if (signingDevice !== undefined) {
    // A station signs its own steps from the edge, under its owner's `report` grant (as device.report).
    if (signer !== station) return refuse('notStation', `${signer} signs only the steps recorded at itself, not at ${station}`);
    if (signingDevice.owner !== maker) return refuse('foreignStation', `station ${station} is owned by ${signingDevice.owner}, not by ${maker}, who made the ${subject.kind} ${subject.id}`);
    const decision = canAccess(state, signer, signer, 'report', ledgerTimeMs);
    if (!decision.allowed || decision.grantTxId === undefined) {
      return refuse('notPermitted', `${signingDevice.owner} has not granted ${signer} the report action (${decision.reason})`);
    }
    signedBy = { kind: 'device', grantTxId: decision.grantTxId };
  } else {
    const actor = effectiveActor(state, call.context, call.payload, call.type);
    if ('code' in actor) return refused(actor);
    if (actor.organization.id !== maker) return refuse('notProducer', `the ${subject.kind} ${subject.id} was made by ${maker}, not ${actor.organization.id}`);
    const device = findDevice(state, station);
    if (device === undefined) return refuse('deviceUnknown', `station ${station} is not a registered device`);
    if (device.owner !== maker) return refuse('foreignStation', `station ${station} is owned by ${device.owner}, not by ${maker}`);
    signedBy = { kind: 'organization', delegationId: actor.delegationId };
  }
  if (findStep(state, id) !== undefined) return refuse('stepExists', `process step ${id} is recorded already`);
  const consumed = consumption(state, inputs);
  if (!consumed.ok) return refused(consumed.rejection);
  return ok({ id, station, subject, producer: maker, name, parameters, operator, consumed: consumed.value, signedBy });
}

function applyStep(call: ContractCall, checked: StepChecked): ContractEffects {
  const { id, station, subject, producer, name, parameters, operator, consumed, signedBy } = checked;
  const record: StepRecord = { id, producer, txId: call.context.txId };
  const used = consumptionWrites(call, consumed);
  const event: LedgerEvent = {
    type: 'ProcessStepRecorded',
    id,
    station,
    subjectKind: subject.kind,
    subject: subject.id,
    producer,
    name,
    parameters,
    operator,
    inputs: used.events,
    signedBy: signedBy.kind,
    grantTxId: signedBy.kind === 'device' ? signedBy.grantTxId : null,
    delegationId: signedBy.kind === 'organization' ? signedBy.delegationId : null,
  };
  return { writes: [...used.writes, [stepKey(id), record]], events: [event] };
}

function checkQualityCheck(call: ContractCall, state: StateView): Checked<CheckChecked> {
  const fields = fieldsOf(call, 'recordQualityCheck');
  if (fields === undefined) return badShape('recordQualityCheck');
  const { id, result, measurements, inspector } = fields;
  if (!isItemId(id)) return refuse('badPayload', 'id must be an item id');
  if (result !== 'pass' && result !== 'fail') return refuse('badPayload', 'result must be "pass" or "fail"');
  if (!isMeasurements(measurements)) return refuse('badPayload', `measurements must be an object of at most ${parametersMax} names (letters, digits, "_.-") to numbers`);
  if (!isItemId(inspector)) return refuse('badPayload', 'inspector must be an item id (a badge number, an employee id or a did:key)');
  const about = subjectOf(state, fields['subject']);
  if (!about.ok) return refused(about.rejection);
  const actor = effectiveActor(state, call.context, call.payload, call.type);
  if ('code' in actor) return refused(actor);
  const { subject, maker } = about.value;
  if (actor.organization.id !== maker) return refuse('notProducer', `the ${subject.kind} ${subject.id} was made by ${maker}, not ${actor.organization.id}`);
  if (findCheck(state, id) !== undefined) return refuse('checkExists', `quality check ${id} is recorded already`);
  return ok({ id, subject, producer: maker, result, measurements, inspector, actor });
}

function applyQualityCheck(call: ContractCall, { id, subject, producer, result, measurements, inspector, actor }: CheckChecked): ContractEffects {
  const record: CheckRecord = { id, producer, txId: call.context.txId };
  return {
    writes: [[checkKey(id), record]],
    events: [
      {
        type: 'QualityCheckRecorded',
        id,
        subjectKind: subject.kind,
        subject: subject.id,
        producer,
        result,
        measurements,
        inspector,
        delegationId: actor.delegationId,
      },
    ],
  };
}
