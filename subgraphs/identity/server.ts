/** Starts the identity subgraph over a Neo4j driver. Requires a graph migrated by graph-schema. */
import type { KeyObject } from 'node:crypto';
import type { Driver } from 'neo4j-driver';
import { startSubgraphServer, type RunningSubgraph } from '../shared/server.js';
import { identityContext, identitySchema, identitySubgraphName } from './schema.js';

export function startIdentitySubgraph(options: { driver: Driver; identityVerifyKey: KeyObject; port: number }): Promise<RunningSubgraph> {
  return startSubgraphServer({
    name: identitySubgraphName,
    schema: identitySchema(),
    identityVerifyKey: options.identityVerifyKey,
    port: options.port,
    contextFor: (identity) => identityContext(options.driver, identity),
  });
}
