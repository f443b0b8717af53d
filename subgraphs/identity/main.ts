/** `node subgraphs/dist/identity/main.js --port <n> --neo4j <uri> --ledger <urls> --consortium <dir> --identity-key <pem>` */
import { runSubgraphMain } from '../shared/main.js';
import { startIdentitySubgraph } from './server.js';

void runSubgraphMain('identity', (resources, port) => startIdentitySubgraph({ driver: resources.driver, identityVerifyKey: resources.identityVerifyKey, port }));
