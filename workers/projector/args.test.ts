/** The projector's command line: the three flags parse; missing, repeated and unknown flags are refused. */
import { parseProjectorArgs, ProjectorArgsError } from './args.js';

describe('parseProjectorArgs', () => {
  it('parses the three flags', () => {
    expect(parseProjectorArgs(['--ledger', 'http://a,http://b', '--neo4j', 'bolt://x', '--consortium', '/c'])).toEqual({
      ledgerUrls: ['http://a', 'http://b'],
      neo4jUri: 'bolt://x',
      consortiumPath: '/c',
    });
  });

  it.each([[[]], [['--ledger', 'http://a']], [['--ledger']], [['--bogus', 'x']], [['--ledger', 'a', '--ledger', 'b', '--neo4j', 'n', '--consortium', 'c']]])(
    'refuses %j',
    (argv) => {
      expect(() => parseProjectorArgs(argv)).toThrow(ProjectorArgsError);
    },
  );
});
