/** The projector's command line: the flags parse; missing, repeated, unknown flags and a bad Redis URL are refused. */
import { parseProjectorArgs, ProjectorArgsError } from './args.js';

describe('parseProjectorArgs', () => {
  it('parses the three required flags', () => {
    expect(parseProjectorArgs(['--ledger', 'http://a,http://b', '--neo4j', 'bolt://x', '--consortium', '/c'])).toEqual({
      ledgerUrls: ['http://a', 'http://b'],
      neo4jUri: 'bolt://x',
      consortiumPath: '/c',
      redisUrl: undefined,
    });
  });

  it('takes a Redis URL to announce projected heights on', () => {
    expect(parseProjectorArgs(['--ledger', 'http://a', '--neo4j', 'bolt://x', '--consortium', '/c', '--redis', 'redis://127.0.0.1:6379']).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it.each([
    [[]],
    [['--ledger', 'http://a']],
    [['--ledger']],
    [['--bogus', 'x']],
    [['--ledger', 'a', '--ledger', 'b', '--neo4j', 'n', '--consortium', 'c']],
    [['--ledger', 'a', '--neo4j', 'n', '--consortium', 'c', '--redis', 'http://r']],
  ])('refuses %j', (argv) => {
    expect(() => parseProjectorArgs(argv)).toThrow(ProjectorArgsError);
  });
});
