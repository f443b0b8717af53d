/**
 * Ed25519 under the pinned rule. Proves: the portable (noble), node:crypto and libsodium verifiers
 * each give Wycheproof's expected answer on every case of its Ed25519 file, and the same answers on
 * the twelve edge cases of "Taming the many EdDSAs" (where libraries famously disagree); without the
 * rule's pre-checks OpenSSL and noble would disagree there; the small-order table is exactly the
 * eight-torsion; signing matches RFC 8032's first test vector with both signers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils';
import { createPortableSigner, Ed25519KeyError, publicKeyFromPrivateKey, sign } from './ed25519.js';
import { createNodeCryptoSigner } from './ed25519-node.js';
import { publicKeyFault, signatureFault } from './ed25519-rule.js';
import { createAllVerifiers } from './ed25519-verifiers.js';
import { allPassed, runVectors } from './vector-report.js';

interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofFile {
  testGroups: Array<{ publicKey: { pk: string }; tests: WycheproofCase[] }>;
}

const wycheproofPath = path.resolve(__dirname, '../../../shared/vectors/ed25519/wycheproof_ed25519_test.json');
const wycheproof = JSON.parse(fs.readFileSync(wycheproofPath, 'utf8')) as WycheproofFile;
const wycheproofCases = wycheproof.testGroups.flatMap((group) => group.tests.map((test) => ({ ...test, pk: group.publicKey.pk })));

describe('Wycheproof', () => {
  it('has every case', () => {
    expect(wycheproofCases).toHaveLength(151);
    expect(wycheproofCases.some((test) => test.result === 'acceptable')).toBe(false);
  });

  for (const verifier of createAllVerifiers()) {
    it(`${verifier.implementation} gives the expected answer on every case`, () => {
      const report = runVectors(
        wycheproofCases,
        (test) => `tcId ${test.tcId} (${test.flags.join(',')} ${test.comment})`,
        (test) => {
          const accepted = verifier.verify(hexToBytes(test.sig), hexToBytes(test.msg), hexToBytes(test.pk));
          return accepted === (test.result === 'valid') ? undefined : `accepted=${accepted}, expected ${test.result}`;
        },
      );
      expect(report.text).toBe(allPassed(wycheproofCases.length));
    });
  }
});

// The twelve cases of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020), from
// github.com/novifinancial/ed25519-speccheck cases.txt (Apache-2.0). Index: 0-1 small-order A and R
// with S = 0 / S > 0; 2 small-order R; 3 mixed-order A and R, valid cofactorless; 4-5 valid only
// cofactored; 6-7 S >= L; 8-9 non-canonical R; 10-11 non-canonical A. Under the pinned rule (which is
// libsodium's; see the project's results table) only case 3 verifies.
const speccheckCases = [
  ['8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000'],
  ['9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04'],
  ['aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e'],
  ['9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009'],
  ['e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09'],
  ['e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405'],
  ['85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514'],
  ['85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22'],
  ['9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f'],
  ['9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908'],
  ['e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04'],
  ['39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04'],
].map(([message, publicKey, signature], index) => ({
  index,
  message: hexToBytes(message ?? ''),
  publicKey: hexToBytes(publicKey ?? ''),
  signature: hexToBytes(signature ?? ''),
}));

describe('edge cases from "Taming the many EdDSAs"', () => {
  for (const verifier of createAllVerifiers()) {
    it(`${verifier.implementation} accepts case 3 only`, () => {
      const report = runVectors(
        speccheckCases,
        (test) => `case ${test.index}`,
        (test) => {
          const accepted = verifier.verify(test.signature, test.message, test.publicKey);
          return accepted === (test.index === 3) ? undefined : `accepted=${accepted}`;
        },
      );
      expect(report.text).toBe(allPassed(speccheckCases.length));
    });
  }

  // Documents why the pre-checks exist: on their own, the two libraries disagree with each other.
  it('OpenSSL and noble alone disagree on them', () => {
    const spki = (publicKey: Uint8Array) =>
      createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]), format: 'der', type: 'spki' });
    const openssl = speccheckCases.map((test) => opensslVerify(null, test.message, spki(test.publicKey), test.signature));
    const noble = speccheckCases.map((test) => ed25519.verify(test.signature, test.message, test.publicKey));
    expect(openssl).not.toEqual(noble);
  });
});

describe('rule pre-checks', () => {
  const p = 2n ** 255n - 19n;
  const littleEndian = (value: bigint): Uint8Array => hexToBytes(value.toString(16).padStart(64, '0')).reverse();

  it('names exactly the eight-torsion as small order', () => {
    const smallOrderEncodings = [0n, 1n, p - 1n].map(littleEndian);
    const order8 = hexToBytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
    const order8Negated = littleEndian(p - BigInt(`0x${bytesToHex(order8.slice().reverse())}`));
    expect(bytesToHex(order8Negated)).toBe('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    for (const encoding of [...smallOrderEncodings, order8, order8Negated]) {
      const point = ed25519.Point.fromBytes(encoding, false);
      expect(point.isSmallOrder()).toBe(true);
      expect(publicKeyFault(encoding)).toBe('PUBLIC_KEY_SMALL_ORDER');
      // The sign-bit variant is refused too, including for x = 0, where it does not decode at all.
      const withSign = encoding.slice();
      withSign[31] = (withSign[31] ?? 0) | 0x80;
      expect(publicKeyFault(withSign)).toBe('PUBLIC_KEY_SMALL_ORDER');
    }
    expect(publicKeyFault(publicKeyFromPrivateKey(new Uint8Array(32)))).toBeUndefined();
  });

  it('refuses non-canonical y and accepts the largest canonical one', () => {
    expect(publicKeyFault(littleEndian(p))).toBe('PUBLIC_KEY_NOT_CANONICAL');
    expect(publicKeyFault(littleEndian(2n ** 255n - 1n))).toBe('PUBLIC_KEY_NOT_CANONICAL');
    expect(publicKeyFault(littleEndian(p - 2n))).toBeUndefined();
    expect(publicKeyFault(new Uint8Array(31))).toBe('PUBLIC_KEY_LENGTH');
  });

  it('refuses S >= L and accepts S = L - 1', () => {
    const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;
    const withS = (s: bigint) => Uint8Array.from([...littleEndian(5n), ...littleEndian(s)]);
    expect(signatureFault(withS(groupOrder - 1n))).toBeUndefined();
    expect(signatureFault(withS(groupOrder))).toBe('S_NOT_CANONICAL');
    expect(signatureFault(withS(2n ** 256n - 1n))).toBe('S_NOT_CANONICAL');
    expect(signatureFault(new Uint8Array(65))).toBe('SIGNATURE_LENGTH');
    expect(signatureFault(Uint8Array.from([...littleEndian(p), ...littleEndian(1n)]))).toBe('R_NOT_CANONICAL');
    expect(signatureFault(Uint8Array.from([...littleEndian(1n), ...littleEndian(1n)]))).toBe('R_SMALL_ORDER');
  });
});

describe('signing', () => {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  const privateKey = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const publicKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const signature = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('reproduces RFC 8032 test 1 with every signer', () => {
    expect(bytesToHex(publicKeyFromPrivateKey(privateKey))).toBe(publicKey);
    expect(bytesToHex(sign(new Uint8Array(0), privateKey))).toBe(signature);
    for (const signer of [createPortableSigner(privateKey), createNodeCryptoSigner(privateKey)]) {
      expect(bytesToHex(signer.publicKey)).toBe(publicKey);
      expect(bytesToHex(signer.sign(new Uint8Array(0)))).toBe(signature);
    }
    for (const verifier of createAllVerifiers()) {
      expect(verifier.verify(hexToBytes(signature), new Uint8Array(0), hexToBytes(publicKey))).toBe(true);
    }
  });

  it('refuses a private key of the wrong length with a typed error', () => {
    expect(() => sign(new Uint8Array(1), new Uint8Array(64))).toThrow(Ed25519KeyError);
    expect(() => createNodeCryptoSigner(new Uint8Array(31))).toThrow(Ed25519KeyError);
  });

  it('answers false, never throws, on inputs of the wrong length', () => {
    for (const verifier of createAllVerifiers()) {
      expect(verifier.verify(new Uint8Array(63), new Uint8Array(0), hexToBytes(publicKey))).toBe(false);
      expect(verifier.verify(hexToBytes(signature), new Uint8Array(0), new Uint8Array(33))).toBe(false);
    }
  });
});
