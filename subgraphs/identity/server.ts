/** Starts the identity subgraph over a Neo4j driver. Requires a graph migrated by graph-schema. */
import type { KeyObject } from 'node:crypto';
import type { LedgerClient } from '@twinledger/ledger-core/client';
import type { Driver } from 'neo4j-driver';
import { startSubgraphServer, type RunningSubgraph } from '../shared/server.js';
import { ledgerBlockTimes } from './block-times.js';
import type { WritePath } from './mutations.js';
import { identityContext, identitySchema, identitySubgraphName } from './schema.js';

/**
 * Without `write` the subgraph serves reads only and its mutations answer LEDGER_UNAVAILABLE. `client`
 * reads the ledger times of past blocks, which `canAccess` at a height below the projected head needs.
 */
export function startIdentitySubgraph(options: { driver: Driver; client: Pick<LedgerClient, 'block'>; identityVerifyKey: KeyObject; port: number; write?: WritePath }): Promise<RunningSubgraph> {
  const blockTimeMs = ledgerBlockTimes(options.client);
  return startSubgraphServer({
    name: identitySubgraphName,
    schema: identitySchema(),
    identityVerifyKey: options.identityVerifyKey,
    port: options.port,
    contextFor: (identity) => identityContext(options.driver, identity, options.write, blockTimeMs),
  });
}
