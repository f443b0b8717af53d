/**
 * `node subgraphs/dist/epcis/main.js --port <n> --neo4j <uri> --ledger <urls> --consortium <dir> --identity-key <pem>
 *  [--redis <url> --custody <dir>]`: the EPCIS capture and query service, behind the gateway's `/epcis/*`
 * route. With `--redis` and `--custody` it captures; without them it answers queries only.
 */
import { runSubgraphMain } from '../shared/main.js';
import { openWritePath } from '../shared/write-setup.js';
import { epcisServiceName, startEpcisServer } from './server.js';

void runSubgraphMain(epcisServiceName, async (resources, port) => {
  const { redisUrl, custodyDir, consortiumDir } = resources.args;
  const write = redisUrl === undefined || custodyDir === undefined ? undefined : await openWritePath({ redisUrl, custodyDir, consortiumDir });
  const running = await startEpcisServer({ driver: resources.driver, identityVerifyKey: resources.identityVerifyKey, write, port });
  return {
    url: running.url,
    port: running.port,
    async stop() {
      await running.stop();
      await write?.close();
    },
  };
});
