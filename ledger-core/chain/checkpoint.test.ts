/**
 * Checkpoints. Proves: the C2SP tlog-checkpoint example body parses as a generic checkpoint and is
 * refused as a Twinledger one (it has no block line); a Twinledger checkpoint formats to the exact
 * pinned text, round-trips, and signed by the note reference key PeterNeumann gives a pinned note
 * that verifies; every malformed line is refused with its code; random checkpoints round-trip.
 */
import fc from 'fast-check';
import { base64 } from '@scure/base';
import {
  CheckpointError,
  formatCheckpoint,
  formatCheckpointBody,
  parseCheckpoint,
  parseCheckpointBody,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type CheckpointErrorCode,
} from './checkpoint.js';
import { parseSignerKey, parseVerifierKey } from './signed-note.js';
import { allPassed, runVectors } from './vector-report.js';

// From c2sp.org/tlog-checkpoint.
const c2spExampleBody = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

const checkpoint: Checkpoint = {
  origin: 'twinledger.example/consortium',
  treeSize: 1234,
  rootHash: Uint8Array.from({ length: 32 }, (_, index) => index),
  blockHeight: 56,
  blockHash: Uint8Array.from({ length: 32 }, (_, index) => 255 - index),
};
const checkpointText =
  'twinledger.example/consortium\n1234\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n' +
  'twinledger-block 56 fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0\n';

it('parses the C2SP example as a generic checkpoint, not as a Twinledger one', () => {
  const body = parseCheckpointBody(c2spExampleBody);
  expect(body).toMatchObject({ origin: 'example.com/behind-the-sofa', treeSize: 20852163, extensionLines: [] });
  expect(base64.encode(body.rootHash)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  expect(formatCheckpointBody(body)).toBe(c2spExampleBody);
  expect(() => parseCheckpoint(c2spExampleBody)).toThrow(expect.objectContaining({ code: 'CHECKPOINT_BAD_BLOCK_LINE' }));
});

it('formats, parses and signs a Twinledger checkpoint', () => {
  expect(formatCheckpoint(checkpoint)).toBe(checkpointText);
  expect(parseCheckpoint(checkpointText)).toEqual(checkpoint);
  const signer = parseSignerKey('PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz');
  const note = signCheckpoint(checkpoint, [signer]);
  expect(note).toBe(
    `${checkpointText}\n\u2014 PeterNeumann x08go99iD4n5MOSZAjJbmKVsX63sUxx1FFJCMfGIESjEK6vDYOY9SixS5R1qOgMxtFcHVtL2pRs8c4Au5zcZmWOH/gw=\n`,
  );
  const verified = verifyCheckpoint(note, [parseVerifierKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')]);
  expect(verified).toMatchObject({ ok: true, checkpoint });
  expect(verifyCheckpoint(note.replace('\n1234\n', '\n1235\n'), verified.ok ? verified.verifiedBy : [])).toMatchObject({
    ok: false,
    code: 'NOTE_BAD_SIGNATURE',
  });
});

it('refuses every malformed checkpoint with its code', () => {
  const [origin, size, root, block] = checkpointText.split('\n');
  const lines = (...parts: Array<string | undefined>) => parts.map((part) => `${part ?? ''}\n`).join('');
  const cases: Array<[string, string, CheckpointErrorCode]> = [
    ['no final newline', checkpointText.slice(0, -1), 'CHECKPOINT_MALFORMED'],
    ['two lines', lines(origin, size), 'CHECKPOINT_MALFORMED'],
    ['empty origin', lines('', size, root, block), 'CHECKPOINT_BAD_ORIGIN'],
    ['origin with a space', lines('twin ledger', size, root, block), 'CHECKPOINT_BAD_ORIGIN'],
    ['origin with a plus', lines('twin+ledger', size, root, block), 'CHECKPOINT_BAD_ORIGIN'],
    ['tree size with a leading zero', lines(origin, '01234', root, block), 'CHECKPOINT_BAD_TREE_SIZE'],
    ['negative tree size', lines(origin, '-1', root, block), 'CHECKPOINT_BAD_TREE_SIZE'],
    ['tree size past 2^53', lines(origin, '9007199254740992', root, block), 'CHECKPOINT_BAD_TREE_SIZE'],
    ['tree size in hex', lines(origin, '0x10', root, block), 'CHECKPOINT_BAD_TREE_SIZE'],
    ['root hash unpadded', lines(origin, size, root?.replace('=', ''), block), 'CHECKPOINT_BAD_ROOT_HASH'],
    ['root hash in base64url', lines(origin, size, 'CsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=', block), 'CHECKPOINT_BAD_ROOT_HASH'],
    ['root hash of 31 bytes', lines(origin, size, base64.encode(new Uint8Array(31)), block), 'CHECKPOINT_BAD_ROOT_HASH'],
    ['root hash with non-zero padding bits', lines(origin, size, root?.replace('8=', '9='), block), 'CHECKPOINT_BAD_ROOT_HASH'],
    ['empty extension line', lines(origin, size, root, '', block), 'CHECKPOINT_MALFORMED'],
    ['no block line', lines(origin, size, root), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['two block lines', lines(origin, size, root, block, block), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['block hash in upper case', lines(origin, size, root, block?.toUpperCase().replace('TWINLEDGER-BLOCK', 'twinledger-block')), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['block hash too short', lines(origin, size, root, block?.slice(0, -2)), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['block height with a leading zero', lines(origin, size, root, block?.replace(' 56 ', ' 056 ')), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['other keyword', lines(origin, size, root, block?.replace('twinledger-block', 'block')), 'CHECKPOINT_BAD_BLOCK_LINE'],
    ['two spaces', lines(origin, size, root, block?.replace(' 56 ', '  56 ')), 'CHECKPOINT_BAD_BLOCK_LINE'],
  ];
  const report = runVectors(
    cases,
    ([name]) => name,
    ([, text, code]) => {
      try {
        parseCheckpoint(text);
        return 'was accepted';
      } catch (error: unknown) {
        if (!(error instanceof CheckpointError)) return `threw ${String(error)}`;
        return error.code === code ? undefined : `code ${error.code}, expected ${code}`;
      }
    },
  );
  expect(report.text).toBe(allPassed(cases.length));
});

it('round-trips random checkpoints', () => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const count = fc.nat({ max: Number.MAX_SAFE_INTEGER });
  const origin = fc.stringMatching(/^[a-z0-9./-]{1,40}$/);
  fc.assert(
    fc.property(fc.record({ origin, treeSize: count, rootHash: hash, blockHeight: count, blockHash: hash }), (value) => {
      expect(parseCheckpoint(formatCheckpoint(value))).toEqual(value);
    }),
    { numRuns: 500 },
  );
});
