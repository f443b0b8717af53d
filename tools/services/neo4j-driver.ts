/**
 * How a Twinledger process opens its Neo4j driver: credentials from the environment and sockets with
 * TCP_NODELAY. The driver (5.28) writes a request in several pieces over a socket that keeps Nagle's
 * algorithm on, so the second piece waits for the server's delayed ACK, about 40 ms on Linux: every
 * projection write, read-your-writes probe and trace query paid it now and then (the 6-hop trace p99
 * went from 50 ms to 7 ms without it; BENCHMARKS.md, Trace). The driver offers no socket option, so
 * the process's `net.connect` sets it on each new socket; every other client the processes use
 * (Redis, etcd, HTTP) already asks for TCP_NODELAY, so nothing else changes.
 */
import net from 'node:net';
import neo4j, { type Config, type Driver, type QueryResult } from 'neo4j-driver';
import { neo4jAuthFromEnv } from './neo4j.js';

let noDelayInstalled = false;

/** Makes every socket this process opens with `net.connect` use TCP_NODELAY. Idempotent. */
export function installNoDelaySockets(): void {
  if (noDelayInstalled) return;
  noDelayInstalled = true;
  const original = net.connect;
  net.connect = function connectWithNoDelay(this: unknown, ...args: Parameters<typeof net.connect>): net.Socket {
    const socket = (original as (...parameters: Parameters<typeof net.connect>) => net.Socket).apply(this, args);
    socket.setNoDelay(true);
    return socket;
  } as typeof net.connect;
}

/** A driver for `uri` with NEO4J_USER / NEO4J_PASSWORD from `env` and TCP_NODELAY sockets. */
export function openNeo4jDriver(uri: string, config: Config = {}, env: NodeJS.ProcessEnv = process.env): Driver {
  installNoDelaySockets();
  return neo4j.driver(uri, neo4jAuthFromEnv(env), config);
}

/**
 * Runs one read-only statement as an auto-commit transaction and returns its result. It sends one
 * request where `executeQuery` sends three (BEGIN, RUN and PULL, COMMIT), which measured about 40 %
 * less CPU per read in the process and in Neo4j (BENCHMARKS.md, GraphQL). The session shares
 * `executeQuery`'s bookmark manager, so a read after a wait made through either sees what the wait saw.
 */
export async function readAutoCommit(driver: Driver, cypher: string, parameters: Record<string, unknown> = {}): Promise<QueryResult> {
  const session = driver.session({ defaultAccessMode: neo4j.session.READ, bookmarkManager: driver.executeQueryBookmarkManager });
  try {
    return await session.run(cypher, parameters);
  } finally {
    await session.close();
  }
}
