/** Starts the production subgraph over a Neo4j driver. Requires a graph migrated by graph-schema. */
import type { KeyObject } from 'node:crypto';
import type { Driver } from 'neo4j-driver';
import type { WritePath } from '../shared/commit.js';
import { startSubgraphServer, type RunningSubgraph } from '../shared/server.js';
import { productionContext, productionSchema, productionSubgraphName } from './schema.js';

/** Without `write` the subgraph serves reads only and its mutations answer LEDGER_UNAVAILABLE. */
export function startProductionSubgraph(options: { driver: Driver; identityVerifyKey: KeyObject; port: number; write?: WritePath }): Promise<RunningSubgraph> {
  return startSubgraphServer({
    name: productionSubgraphName,
    schema: productionSchema(),
    identityVerifyKey: options.identityVerifyKey,
    port: options.port,
    contextFor: (identity) => productionContext(options.driver, identity, options.write),
  });
}
