/**
 * `node subgraphs/dist/supply/main.js --port <n> --neo4j <uri> --ledger <urls> --consortium <dir> --identity-key <pem>
 *  [--redis <url> --custody <dir>]`: with `--redis` and `--custody` it serves mutations too.
 */
import { runSubgraphMain } from '../shared/main.js';
import { openWritePath } from '../shared/write-setup.js';
import { startSupplySubgraph } from './server.js';

void runSubgraphMain('supply', async (resources, port) => {
  const { redisUrl, custodyDir, consortiumDir } = resources.args;
  const write = redisUrl === undefined || custodyDir === undefined ? undefined : await openWritePath({ redisUrl, custodyDir, consortiumDir });
  const running = await startSupplySubgraph({ driver: resources.driver, identityVerifyKey: resources.identityVerifyKey, port, write });
  return {
    url: running.url,
    port: running.port,
    async stop() {
      await running.stop();
      await write?.close();
    },
  };
});
