import * as fs from 'node:fs';
import * as path from 'node:path';
import Redis from 'ioredis';
import { startChild, type ChildHandle } from './child.js';
import { ServiceStartError } from './errors.js';
import { freePort } from './ports.js';

export interface RedisService {
  readonly url: string;
  readonly child: ChildHandle;
}

/**
 * Starts Debian's redis-server on a free loopback port with append-only persistence under
 * `<dataDir>/redis`, fsync'd every second (BullMQ's jobs survive a restart; a crash loses at most ~1 s).
 */
export async function startRedis(dataDir: string, logDir: string): Promise<RedisService> {
  const redisDir = path.join(dataDir, 'redis');
  fs.mkdirSync(redisDir, { recursive: true });
  const port = await freePort();
  const child = await startChild({
    name: 'redis',
    command: 'redis-server',
    args: [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', redisDir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', '',
      // BullMQ requires that Redis never evicts its keys.
      '--maxmemory-policy', 'noeviction',
    ],
    logFile: path.join(logDir, 'redis.log'),
    readyLine: /Ready to accept connections/,
  });
  const url = `redis://127.0.0.1:${port}`;
  try {
    await checkRedisHealth(url);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, child };
}

/** PING with the client BullMQ uses; throws ServiceStartError when Redis does not answer PONG. */
export async function checkRedisHealth(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await client.connect();
    const answer = await client.ping();
    if (answer !== 'PONG') throw new ServiceStartError(`redis at ${url} answered ${answer} to PING`);
  } catch (error) {
    if (error instanceof ServiceStartError) throw error;
    throw new ServiceStartError(`redis at ${url} is not reachable: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
}
