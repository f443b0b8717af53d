/** Command-line contract of the node process: flags, environment fallbacks, and one clear error per mistake. */
import { ArgsError, parseNodeArgs } from './args.js';

const full = ['--name', 'alpha', '--consortium-dir', '/c', '--data-dir', '/d', '--etcd', 'http://a:1,http://b:2', '--port', '7001', '--peers', 'bravo=http://127.0.0.1:7002/,charlie=http://127.0.0.1:7003'];

describe('parseNodeArgs', () => {
  it('reads every flag', () => {
    expect(parseNodeArgs(full, {})).toEqual({
      name: 'alpha',
      consortiumDir: '/c',
      dataDir: '/d',
      etcdEndpoints: ['http://a:1', 'http://b:2'],
      port: 7001,
      peers: [
        { name: 'bravo', url: 'http://127.0.0.1:7002' },
        { name: 'charlie', url: 'http://127.0.0.1:7003' },
      ],
    });
  });

  it('falls back to the environment', () => {
    const args = parseNodeArgs([], { LEDGER_NAME: 'a', LEDGER_CONSORTIUM_DIR: '/c', LEDGER_DATA_DIR: '/d', ETCD_ENDPOINTS: 'http://e:1', LEDGER_PORT: '0' });
    expect(args).toMatchObject({ name: 'a', port: 0, peers: [] });
  });

  it.each([
    [['--name'], 'needs a value'],
    [['--bogus', 'x'], 'unknown argument'],
    [[...full.slice(0, 8), '--port', '99999'], '--port must be'],
    [[...full.slice(0, 10), '--peers', 'bravo'], 'is not name=http'],
    [full.slice(2), '--name (or LEDGER_NAME) is required'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseNodeArgs(argv, {})).toThrow(ArgsError);
    expect(() => parseNodeArgs(argv, {})).toThrow(message);
  });
});
