/**
 * Block headers. Proves: a well-formed header passes `checkBlockHeader` unchanged; each field that is
 * missing, of the wrong type or outside its range is refused with BLOCK_HEADER_FIELD and a message
 * naming that field, as are unknown fields and values that are not objects; and `blockHash` is the
 * SHA-256 of the header's canonical JSON, pinned for one fixed header to a value computed outside this
 * code (the canonical text below, hashed with `echo -n '<text>' | sha256sum`), so it cannot drift with
 * property order or with a change to the encoder.
 */
import { BlockHeaderError, blockHash, checkBlockHeader, genesisPrevHash, type BlockHeader } from './block.js';
import { canonicalize } from './canonical.js';
import { allPassed, runVectors } from './vector-report.js';

const header: BlockHeader = {
  v: 1,
  height: 7,
  prevHash: '11'.repeat(32),
  timeMs: 1_767_225_600_000,
  revisionFirst: 101,
  revisionLast: 140,
  txCount: 3,
  treeSize: 42,
  rootHash: '22'.repeat(32),
};
const canonicalText =
  '{"height":7,"prevHash":"1111111111111111111111111111111111111111111111111111111111111111","revisionFirst":101,' +
  '"revisionLast":140,"rootHash":"2222222222222222222222222222222222222222222222222222222222222222",' +
  '"timeMs":1767225600000,"treeSize":42,"txCount":3,"v":1}';
// sha256sum of canonicalText, computed in a shell.
const pinnedHash = 'f16a1f63a6039c02929d42d5a06de77c2a8532d8fb7be2d4e6e46d71f399dc14';

describe('checkBlockHeader', () => {
  it('accepts a well-formed header, and block 1 with the genesis predecessor and no leaves', () => {
    expect(checkBlockHeader({ ...header })).toEqual(header);
    const first = { ...header, height: 1, prevHash: genesisPrevHash, txCount: 0, treeSize: 0, revisionFirst: 1, revisionLast: 1, timeMs: 0 };
    expect(checkBlockHeader(first)).toEqual(first);
  });

  const without = (field: keyof BlockHeader): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...header };
    delete copy[field];
    return copy;
  };
  // [case name, value, field the message must name]
  const cases: Array<[string, unknown, string]> = [
    ['null', null, '(header)'],
    ['an array', [header], '(header)'],
    ['a string', JSON.stringify(header), '(header)'],
    ['an unknown field', { ...header, proposer: 'acme' }, 'proposer'],
    ['v missing', without('v'), 'v'],
    ['v 2', { ...header, v: 2 }, 'v'],
    ['v as text', { ...header, v: '1' }, 'v'],
    ['height 0', { ...header, height: 0 }, 'height'],
    ['height fractional', { ...header, height: 7.5 }, 'height'],
    ['height beyond 2^53 - 1', { ...header, height: 2 ** 53 }, 'height'],
    ['height missing', without('height'), 'height'],
    ['prevHash short', { ...header, prevHash: '11'.repeat(31) }, 'prevHash'],
    ['prevHash uppercase', { ...header, prevHash: 'AB'.repeat(32) }, 'prevHash'],
    ['prevHash not hex', { ...header, prevHash: 'zz'.repeat(32) }, 'prevHash'],
    ['timeMs negative', { ...header, timeMs: -1 }, 'timeMs'],
    ['timeMs as text', { ...header, timeMs: '1767225600000' }, 'timeMs'],
    ['revisionFirst 0', { ...header, revisionFirst: 0 }, 'revisionFirst'],
    ['revisionLast below revisionFirst', { ...header, revisionLast: 100 }, 'revisionLast'],
    ['revisionLast missing', without('revisionLast'), 'revisionLast'],
    ['txCount negative', { ...header, txCount: -1 }, 'txCount'],
    ['txCount infinite', { ...header, txCount: Infinity }, 'txCount'],
    ['treeSize below txCount', { ...header, treeSize: 2 }, 'treeSize'],
    ['treeSize fractional', { ...header, treeSize: 42.5 }, 'treeSize'],
    ['rootHash long', { ...header, rootHash: '22'.repeat(33) }, 'rootHash'],
    ['rootHash as bytes', { ...header, rootHash: new Array(32).fill(0x22) }, 'rootHash'],
    ['rootHash missing', without('rootHash'), 'rootHash'],
  ];

  it('refuses each bad field, naming it', () => {
    const report = runVectors(
      cases,
      ([name]) => name,
      ([, value, field]) => {
        try {
          checkBlockHeader(value);
          return 'was accepted';
        } catch (error: unknown) {
          if (!(error instanceof BlockHeaderError)) return `threw ${String(error)}`;
          if (error.code !== 'BLOCK_HEADER_FIELD') return `code ${error.code}`;
          return error.message === `block header field ${field} is missing or invalid` ? undefined : `message "${error.message}" does not name ${field}`;
        }
      },
    );
    expect(report.text).toBe(allPassed(cases.length));
  });
});

describe('blockHash', () => {
  it('is the SHA-256 of the canonical JSON, pinned', () => {
    expect(canonicalize(header)).toBe(canonicalText);
    expect(blockHash(header)).toBe(pinnedHash);
  });

  it('does not depend on property order', () => {
    const reversed = Object.fromEntries(Object.entries(header).reverse()) as unknown as BlockHeader;
    expect(blockHash(reversed)).toBe(pinnedHash);
  });

  it('changes with every field', () => {
    const variants: BlockHeader[] = [
      { ...header, height: 8 },
      { ...header, prevHash: '12'.repeat(32) },
      { ...header, timeMs: header.timeMs + 1 },
      { ...header, revisionFirst: 102 },
      { ...header, revisionLast: 141 },
      { ...header, txCount: 4 },
      { ...header, treeSize: 43 },
      { ...header, rootHash: '23'.repeat(32) },
    ];
    const hashes = new Set(variants.map(blockHash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(pinnedHash)).toBe(false);
  });
});
