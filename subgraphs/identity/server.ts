/** Starts the identity subgraph over a Neo4j driver. Requires a graph migrated by graph-schema. */
import type { KeyObject } from 'node:crypto';
import type { Driver } from 'neo4j-driver';
import { startSubgraphServer, type RunningSubgraph } from '../shared/server.js';
import type { WritePath } from './mutations.js';
import { identityContext, identitySchema, identitySubgraphName } from './schema.js';

/** Without `write` the subgraph serves reads only and its mutations answer LEDGER_UNAVAILABLE. */
export function startIdentitySubgraph(options: { driver: Driver; identityVerifyKey: KeyObject; port: number; write?: WritePath }): Promise<RunningSubgraph> {
  return startSubgraphServer({
    name: identitySubgraphName,
    schema: identitySchema(),
    identityVerifyKey: options.identityVerifyKey,
    port: options.port,
    contextFor: (identity) => identityContext(options.driver, identity, options.write),
  });
}
