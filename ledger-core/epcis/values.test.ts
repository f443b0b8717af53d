/**
 * Value normalisation for the event hash. Proves: EPC, class and pattern URIs become the Digital Link
 * URIs of the GS1 Tag Data Standard (with the check digit of GS1's mod-10 rule, checked against a
 * direct computation); Digital Link URIs are constrained (domain, query, path prefix, aliases, finest
 * qualifier, 14-digit GTIN) and other URIs left alone; timestamps are UTC at millisecond precision,
 * rounded at the fourth fraction digit with carries across days; numbers are written as the reference
 * implementation writes them; CBV words and URNs become Web URIs.
 */
import fc from 'fast-check';
import { constrainedDigitalLink, digitalLinkOfEpcUri, gs1CheckDigit, gs1DigitalLinkOf } from './digital-link.js';
import { dateTimeMs, hashNumber, hashNumericText, hashTimestamp, hashValue, vocabularyUri } from './values.js';

describe('EPC URIs as Digital Link', () => {
  it.each([
    ['urn:epc:id:sgtin:0614141.107346.2017', 'https://id.gs1.org/01/10614141073464/21/2017'],
    ['urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()', 'https://id.gs1.org/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29'],
    ['urn:epc:id:sscc:4012345.0000000333', 'https://id.gs1.org/00/040123450000003338'],
    ['urn:epc:id:sgln:4012345.00011.987', 'https://id.gs1.org/414/4012345000115/254/987'],
    ['urn:epc:id:sgln:4012345.00011.0', 'https://id.gs1.org/414/4012345000115'],
    ['urn:epc:id:grai:4012345.00022.334455', 'https://id.gs1.org/8003/04012345000221334455'],
    ['urn:epc:id:giai:4012345.ABC345', 'https://id.gs1.org/8004/4012345ABC345'],
    ['urn:epc:id:gsrn:4012345.0000006765', 'https://id.gs1.org/8018/401234500000067657'],
    ['urn:epc:id:gsrnp:4012345.0000000007', 'https://id.gs1.org/8017/401234500000000074'],
    ['urn:epc:id:gdti:987659999999..9', 'https://id.gs1.org/253/98765999999929'],
    ['urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234', 'https://id.gs1.org/8010/061414111111111111111-A%23%2F/8011/1234'],
    ['urn:epc:id:sgcn:4012345.99999.44', 'https://id.gs1.org/255/401234599999044'],
    ['urn:epc:id:ginc:0614141.xyz47%2F11', 'https://id.gs1.org/401/0614141xyz47%2F11'],
    ['urn:epc:id:gsin:4012345.222333444', 'https://id.gs1.org/402/40123452223334442'],
    ['urn:epc:id:itip:4012345.011111.01.02.987', 'https://id.gs1.org/8006/040123451111180102/21/987'],
    ['urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7\'SDB', "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7'SDB"],
    ['urn:epc:id:pgln:999999999999.', 'https://id.gs1.org/417/9999999999994'],
    ['urn:epc:class:lgtin:4012345.012345.Lot987', 'https://id.gs1.org/01/04012345123456/10/Lot987'],
    ['urn:epc:idpat:sgtin:4054739.099914.*', 'https://id.gs1.org/01/04054739999148'],
    ['urn:epc:idpat:grai:4012345.66666.*', 'https://id.gs1.org/8003/04012345666663'],
    ['urn:epc:idpat:itip:4012345.012345.01.02.*', 'https://id.gs1.org/8006/040123451234560102'],
  ])('%s', (uri, link) => {
    expect(digitalLinkOfEpcUri(uri)).toBe(link);
    expect(gs1DigitalLinkOf(uri)).toBe(link);
  });

  it.each([
    'urn:epc:id:sgtin:0614141.10734.2017', // 12 digits, not 13
    'urn:epc:id:sgtin:06141.1073466.2017', // company prefix shorter than 6
    'urn:epc:id:sgtin:0614141.107346.', // no serial
    'urn:epc:id:sgtin:0614141.107346.123456789012345678901', // serial over 20 characters
    'urn:epc:id:sscc:4012345.000000033', // 16 digits
    'urn:epc:id:unknown:4012345.1',
    'urn:epc:idpat:sgtin:4054739.099914.1',
    'urn:epcglobal:cbv:bt:4012345000009:ASN1099',
  ])('leaves %s alone', (uri) => {
    expect(gs1DigitalLinkOf(uri)).toBeUndefined();
  });

  it('computes the GS1 check digit: weights 3 and 1 from the right, to the next multiple of ten', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7,17}$/), (body) => {
        const digits = [...body].reverse().map(Number);
        const sum = digits.reduce((total, digit, index) => total + digit * (index % 2 === 0 ? 3 : 1), 0);
        const check = Number(gs1CheckDigit(body));
        expect((sum + check) % 10).toBe(0);
        expect(check).toBeLessThan(10);
      }),
    );
  });
});

describe('Digital Link URIs constrained', () => {
  it.each([
    ['https://id.gs1.de/01/04012345999990/21/XYZ-1234', 'https://id.gs1.org/01/04012345999990/21/XYZ-1234'],
    ['https://example.com/gtin/09780345418913/21/765tz?abc=211121', 'https://id.gs1.org/01/09780345418913/21/765tz'],
    ['https://id.gs1.org/gtin/09780345418913', 'https://id.gs1.org/01/09780345418913'],
    ['https://brand.example/products/x/01/9780345418913/10/L1/21/S1', 'https://id.gs1.org/01/09780345418913/21/S1'],
    ['https://id.gs1.org/01/09780345418913/22/2A/10/L1', 'https://id.gs1.org/01/09780345418913/10/L1'],
    ['http://id.example.com/414/4012345000054/7040/1ABC', 'https://id.gs1.org/414/4012345000054'],
    ['https://id.example.com/253/4012345000054987', 'https://id.gs1.org/253/4012345000054987'],
    ['https://id.example.com/8010/4012345ABC/8011/7#top', 'https://id.gs1.org/8010/4012345ABC/8011/7'],
  ])('%s', (uri, link) => {
    expect(constrainedDigitalLink(uri)).toBe(link);
  });

  it.each([
    'https://accreditation-council.example.org/certificate/ABC12345',
    'http://www.opengis.net/def/crs/EPSG/0/27700',
    'http://transaction.acme.com/po/12345678',
    'https://id.gs1.org/01/123', // not a GTIN length
    'https://id.gs1.org/01/09780345418913/21/S1/10/L1', // qualifiers out of order
    'https://id.gs1.org/01/09780345418913/99/x', // not a qualifier of 01
    'geo:47.506694,11.104301',
  ])('leaves %s alone', (uri) => {
    expect(gs1DigitalLinkOf(uri)).toBeUndefined();
    expect(hashValue(uri)).toBe(uri);
  });
});

describe('timestamps', () => {
  it.each([
    ['2022-02-16T20:33:31.116000-06:00', '2022-02-17T02:33:31.116Z'],
    ['2020-03-04T11:00:30+01:00', '2020-03-04T10:00:30.000Z'],
    ['2023-02-02T11:04:03.1415Z', '2023-02-02T11:04:03.142Z'],
    ['2023-02-02T11:04:03.1414999Z', '2023-02-02T11:04:03.141Z'],
    ['2023-12-31T23:59:59.9995Z', '2024-01-01T00:00:00.000Z'],
    ['2024-02-29T00:30:00+0100', '2024-02-28T23:30:00.000Z'],
    [' 2005-04-03T20:33:31Z ', '2005-04-03T20:33:31.000Z'],
  ])('%s is %s', (text, utc) => {
    expect(hashTimestamp(text)).toBe(utc);
    expect(dateTimeMs(text)).toBe(Date.parse(utc));
  });

  it.each(['2023-02-29T00:00:00Z', '2023-13-01T00:00:00Z', '2023-01-01T24:00:00Z', '2023-01-01T00:00:00', '2023-01-01', 'yesterday', '2023-01-01T00:00:00+25:00'])(
    'leaves %s unchanged and has no time for it',
    (text) => {
      expect(dateTimeMs(text)).toBeUndefined();
      expect(hashTimestamp(text)).toBe(text);
    },
  );

  it('agrees with Date for every whole-millisecond instant and offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9998, 11, 31) }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, offsetMinutes) => {
        const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const magnitude = Math.abs(offsetMinutes);
        const offset = `${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
        expect(dateTimeMs(local + offset)).toBe(ms);
        expect(hashTimestamp(local + offset)).toBe(new Date(ms).toISOString());
      }),
    );
  });
});

describe('numbers', () => {
  it.each([
    ['452.0', '452'],
    ['42.698334', '42.698334'],
    ['+5', '5'],
    ['-0.0', '0'],
    ['0.00001', '1e-05'],
    ['1.5e-7', '1.5e-07'],
    ['0.0001', '0.0001'],
    ['1e16', '10000000000000000'],
    ['1e22', '10000000000000000000000'],
    ['007', '7'],
    ['1_000', '1000'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['2023-10-09', '2023-10-09'],
    ['inf', 'inf'],
    ['nan', 'nan'],
    ['1e400', '1e400'],
    ['AB-12', 'AB-12'],
    ['', ''],
  ])('%s is written %s', (text, written) => {
    expect(hashNumericText(text)).toBe(written);
  });

  it('writes a number the way it reads back', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(Number(hashNumber(value))).toBe(value === 0 ? 0 : value);
      }),
    );
  });
});

describe('vocabulary', () => {
  it('expands bare words by field and CBV URNs everywhere, and leaves URIs', () => {
    expect(vocabularyUri('bizStep', 'shipping')).toBe('https://ref.gs1.org/cbv/BizStep-shipping');
    expect(vocabularyUri('bizStep', 'urn:epcglobal:cbv:bizstep:shipping')).toBe('https://ref.gs1.org/cbv/BizStep-shipping');
    expect(vocabularyUri('disposition', ' in_transit ')).toBe('https://ref.gs1.org/cbv/Disp-in_transit');
    expect(vocabularyUri('bizStep', 'https://example.com/steps/mixing')).toBe('https://example.com/steps/mixing');
    expect(vocabularyUri('measurementType', 'Temperature')).toBe('https://gs1.org/voc/Temperature');
    expect(vocabularyUri('component', 'latitude')).toBe('https://ref.gs1.org/cbv/Comp-latitude');
    expect(hashValue('urn:epcglobal:cbv:disp:in_transit')).toBe('https://ref.gs1.org/cbv/Disp-in_transit');
    expect(hashValue('urn:epcglobal:cbv:bt:4012345000009:ASN1099')).toBe('urn:epcglobal:cbv:bt:4012345000009:ASN1099');
  });
});
