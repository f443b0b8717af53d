/**
 * Scenario: after installNoDelaySockets, a socket made the way the neo4j driver makes its sockets
 * (`net.connect(port, host, onConnect)` through the module's default export) is set to TCP_NODELAY,
 * and installing twice wraps `net.connect` once.
 */
import net from 'node:net';
import { installNoDelaySockets } from './neo4j-driver.js';

test('sockets from net.connect get TCP_NODELAY, and the hook is installed once', async () => {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  const setNoDelay = jest.spyOn(net.Socket.prototype, 'setNoDelay');
  try {
    const before = net.connect(address.port, '127.0.0.1');
    before.on('error', () => undefined);
    expect(setNoDelay).not.toHaveBeenCalled();
    before.destroy();

    installNoDelaySockets();
    const wrapped = net.connect;
    installNoDelaySockets();
    expect(net.connect).toBe(wrapped);

    const socket = await new Promise<net.Socket>((resolve) => {
      const connecting: net.Socket = net.connect(address.port, '127.0.0.1', () => resolve(connecting));
    });
    expect(setNoDelay).toHaveBeenCalledTimes(1);
    expect(setNoDelay).toHaveBeenCalledWith(true);
    socket.destroy();
  } finally {
    setNoDelay.mockRestore();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
