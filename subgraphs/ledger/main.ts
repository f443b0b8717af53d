/** `node subgraphs/dist/ledger/main.js --port <n> --neo4j <uri> --ledger <urls> --consortium <dir> --identity-key <pem>` */
import { runSubgraphMain } from '../shared/main.js';
import { startLedgerSubgraph } from './server.js';

void runSubgraphMain('ledger', (resources, port) => startLedgerSubgraph({ ...resources, port }));
