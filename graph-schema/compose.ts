/**
 * Composes the subgraph SDLs into the supergraph the gateway serves, with `@apollo/composition`.
 * `npm run compose` writes `graph-schema/supergraph.graphql` (checked in); `supergraph.test.ts` fails
 * when that file differs from a fresh composition. Subgraph URLs here are placeholders: the gateway is
 * given the real ones (`--subgraph name=url`), so the checked-in file does not depend on a deployment.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { graphSchemaPackageDir, subgraphNames, subgraphSdl } from './sdl/index.js';

export class CompositionFailedError extends Error {
  override readonly name = 'CompositionFailedError';
  constructor(readonly messages: readonly string[]) {
    super(`supergraph composition failed:\n${messages.map((message) => `  - ${message}`).join('\n')}`);
  }
}

/** The placeholder URL composed for subgraph `name`. */
export function placeholderSubgraphUrl(name: string): string {
  return `http://${name}.subgraph.invalid/graphql`;
}

/** Where the checked-in supergraph lives. */
export function supergraphPath(): string {
  return path.join(graphSchemaPackageDir(), 'supergraph.graphql');
}

/** The composed supergraph SDL. Throws CompositionFailedError naming every composition error. */
export function composeSupergraph(): string {
  const result = composeServices(subgraphNames.map((name) => ({ name, url: placeholderSubgraphUrl(name), typeDefs: parse(subgraphSdl(name)) })));
  if (result.errors !== undefined) throw new CompositionFailedError(result.errors.map((error) => error.message));
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}

function main(): void {
  try {
    const sdl = composeSupergraph();
    fs.writeFileSync(supergraphPath(), sdl);
    process.stdout.write(`wrote ${supergraphPath()} (${subgraphNames.join(', ')})\n`);
  } catch (error: unknown) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();
