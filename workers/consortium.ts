/** Loading the consortium (genesis and member keys) a worker verifies QCs against. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConsortium, type LoadedConsortium } from '@twinledger/ledger-core/node/bootstrap';

/** The consortium in `consortiumPath`: its folder, or its consortium.json with genesis.json beside it. */
export function loadConsortiumAt(consortiumPath: string): LoadedConsortium {
  const dir = fs.statSync(consortiumPath).isDirectory() ? consortiumPath : path.dirname(consortiumPath);
  return loadConsortium(dir);
}
