/**
 * The subgraph SDL files, read from this package's `sdl/` folder. Each subgraph's type definitions are
 * the shared scalars followed by its own file, so every subgraph declares the same scalars and the
 * composed supergraph has one definition of each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The subgraphs with an SDL file here, in composition order. */
export const subgraphNames = ['identity', 'ledger', 'production', 'supply'] as const;

export type SubgraphName = (typeof subgraphNames)[number];

/** Largest SDL file read, in bytes: a bigger one is a mistake, not a schema. */
export const sdlFileBytesMax = 1_048_576;

/** This package's folder, whether running from the sources (tests) or from `dist/`. */
export function graphSchemaPackageDir(): string {
  // Compiled files live one folder deeper (dist/sdl/index.js) than the sources (sdl/index.ts).
  const here = __dirname;
  const up = path.dirname(here);
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

function readSdlFile(fileName: string): string {
  const file = path.join(graphSchemaPackageDir(), 'sdl', fileName);
  const size = fs.statSync(file).size;
  if (size > sdlFileBytesMax) throw new RangeError(`${file} is ${size} bytes, more than ${sdlFileBytesMax}`);
  return fs.readFileSync(file, 'utf8');
}

/** The shared scalars every subgraph declares (DID, DateTime, Hex, BigInt). */
export function sharedScalarsSdl(): string {
  return readSdlFile('scalars.graphql');
}

/**
 * The full type definitions of subgraph `name`: its own file `sdl/<name>.graphql`, or every
 * `.graphql` file of the folder `sdl/<name>/` in name order (a subgraph whose parts are written
 * separately, such as its entities and its trace queries), then the shared scalars.
 */
export function subgraphSdl(name: SubgraphName): string {
  const folder = path.join(graphSchemaPackageDir(), 'sdl', name);
  const own = fs.existsSync(folder)
    ? fs
        .readdirSync(folder)
        .filter((file) => file.endsWith('.graphql'))
        .sort()
        .map((file) => readSdlFile(path.join(name, file)))
        .join('\n')
    : readSdlFile(`${name}.graphql`);
  return `${own}\n${sharedScalarsSdl()}`;
}
