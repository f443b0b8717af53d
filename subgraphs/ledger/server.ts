/** Starts the ledger subgraph over a Neo4j driver (for provenance) and a ledger client (for everything else). */
import type { KeyObject } from 'node:crypto';
import type { LedgerClient } from '@twinledger/ledger-core/client';
import type { Driver } from 'neo4j-driver';
import { startSubgraphServer, type RunningSubgraph } from '../shared/server.js';
import { ledgerContext, ledgerSchema, ledgerSubgraphName } from './schema.js';

export function startLedgerSubgraph(options: { driver: Driver; client: LedgerClient; identityVerifyKey: KeyObject; port: number }): Promise<RunningSubgraph> {
  return startSubgraphServer({
    name: ledgerSubgraphName,
    schema: ledgerSchema(),
    identityVerifyKey: options.identityVerifyKey,
    port: options.port,
    contextFor: (identity) => ledgerContext(options.driver, options.client, identity),
  });
}
