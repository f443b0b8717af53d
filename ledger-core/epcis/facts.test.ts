/**
 * Captured-event facts. Proves: the time, step, disposition (as CBV Web URIs), places and action of
 * an event; instance ids from every EPC list and the parent, classes from every quantity list, each
 * once; a transformation's inputs and outputs and an aggregation's parent and children kept apart;
 * ids as captured (not rewritten to Digital Link); and fields of the wrong shape refused by name.
 */
import type { JsonObject } from '../chain/json-value.js';
import { EpcisEventError } from './errors.js';
import { capturedEventFacts } from './facts.js';

const transformation: JsonObject = {
  type: 'TransformationEvent',
  eventTime: '2020-01-14T00:00:00.000+01:00',
  eventTimeZoneOffset: '+01:00',
  inputEPCList: ['urn:epc:id:sgtin:4012345.011111.987', 'urn:epc:id:sgtin:4012345.011111.987'],
  outputEPCList: ['urn:epc:id:sgtin:4012345.033333.AGHFG'],
  inputQuantityList: [{ epcClass: 'urn:epc:class:lgtin:4012345.022222.87545GHGH', quantity: 2, uom: 'KGM' }],
  outputQuantityList: [{ epcClass: 'urn:epc:idpat:sgtin:4012345.044444.*', quantity: 452 }],
  bizStep: 'commissioning',
  readPoint: { id: 'urn:epc:id:sgln:4012345.00000.0' },
};

describe('capturedEventFacts', () => {
  it('reads a transformation: inputs and outputs by instance and class', () => {
    expect(capturedEventFacts(transformation)).toEqual({
      eventType: 'TransformationEvent',
      eventTimeMs: Date.parse('2020-01-13T23:00:00.000Z'),
      eventTime: '2020-01-13T23:00:00.000Z',
      eventTimeZoneOffset: '+01:00',
      bizStep: 'https://ref.gs1.org/cbv/BizStep-commissioning',
      disposition: null,
      bizLocation: null,
      readPoint: 'urn:epc:id:sgln:4012345.00000.0',
      action: null,
      epcs: ['urn:epc:id:sgtin:4012345.011111.987', 'urn:epc:id:sgtin:4012345.033333.AGHFG'],
      epcClasses: ['urn:epc:class:lgtin:4012345.022222.87545GHGH', 'urn:epc:idpat:sgtin:4012345.044444.*'],
      parentId: null,
      childEpcs: [],
      childClasses: [],
      inputEpcs: ['urn:epc:id:sgtin:4012345.011111.987'],
      inputClasses: ['urn:epc:class:lgtin:4012345.022222.87545GHGH'],
      outputEpcs: ['urn:epc:id:sgtin:4012345.033333.AGHFG'],
      outputClasses: ['urn:epc:idpat:sgtin:4012345.044444.*'],
    });
  });

  it('reads an aggregation: parent and children, all of them among the EPCs', () => {
    const facts = capturedEventFacts({
      type: 'AggregationEvent',
      eventTime: '2013-06-08T14:58:56.591Z',
      eventTimeZoneOffset: '+02:00',
      parentID: 'urn:epc:id:sscc:0614141.1234567890',
      childEPCs: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
      childQuantityList: [{ epcClass: 'urn:epc:idpat:sgtin:4012345.098765.*', quantity: 10 }],
      action: 'ADD',
      bizStep: 'urn:epcglobal:cbv:bizstep:packing',
      disposition: 'https://ref.gs1.org/cbv/Disp-in_progress',
      bizLocation: { id: 'urn:epc:id:sgln:0614141.00888.0' },
    });
    expect(facts).toMatchObject({
      action: 'ADD',
      parentId: 'urn:epc:id:sscc:0614141.1234567890',
      childEpcs: ['urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
      childClasses: ['urn:epc:idpat:sgtin:4012345.098765.*'],
      epcs: ['urn:epc:id:sscc:0614141.1234567890', 'urn:epc:id:sgtin:0614141.107346.2017', 'urn:epc:id:sgtin:0614141.107346.2018'],
      epcClasses: ['urn:epc:idpat:sgtin:4012345.098765.*'],
      bizStep: 'https://ref.gs1.org/cbv/BizStep-packing',
      disposition: 'https://ref.gs1.org/cbv/Disp-in_progress',
      bizLocation: 'urn:epc:id:sgln:0614141.00888.0',
    });
  });

  it.each([
    [{ epcList: 'urn:epc:id:sgtin:4012345.011111.987' }, /epcList must be a list of identifiers/],
    [{ epcList: [''] }, /epcList must be a list of identifiers/],
    [{ quantityList: [{ quantity: 2 }] }, /quantityList\[0\]\.epcClass must be a non-empty string/],
    [{ readPoint: 'urn:epc:id:sgln:4012345.00000.0' }, /readPoint\.id must be a non-empty string/],
    [{ bizStep: 7 }, /bizStep must be a non-empty string/],
    [{ eventTime: 'now' }, /eventTime must be an ISO 8601 date-time/],
    [{ type: 'Event' }, /not an EPCIS 2\.0 event type/],
  ])('refuses %j', (change, message) => {
    expect(() => capturedEventFacts({ ...transformation, ...change } as JsonObject)).toThrow(EpcisEventError);
    expect(() => capturedEventFacts({ ...transformation, ...change } as JsonObject)).toThrow(message);
  });
});
