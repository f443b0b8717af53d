/**
 * The checked-in supergraph is what the subgraph SDLs compose to today: composition succeeds, and the
 * file equals a fresh composition byte for byte, so the gateway never serves a stale graph.
 */
import * as fs from 'node:fs';
import { composeSupergraph, supergraphPath } from './compose.js';

describe('supergraph.graphql', () => {
  it('equals a fresh composition of the subgraph SDLs', () => {
    const fresh = composeSupergraph();
    const checkedIn = fs.existsSync(supergraphPath()) ? fs.readFileSync(supergraphPath(), 'utf8') : '';
    if (checkedIn !== fresh) throw new Error('graph-schema/supergraph.graphql is stale: run `npm run compose` and commit the result');
    expect(fresh).toContain('join__Graph');
  });
});
