/**
 * Scenario: a browser bundle that imports only the verifier (`verify.ts`).
 *
 * Proves: every module the verifier reaches, directly or through siblings, imports nothing from Node
 * (`node:` modules or Node built-ins by bare name) and no package other than @noble/hashes, so the
 * verifier runs in a browser; and that the server hasher stays out of that set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinModules } from 'node:module';

function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gm)].map((match) => match[1] as string);
}

function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const specifiers = importsOf(file);
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) pending.push(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  }
  return graph;
}

describe('verifier portability', () => {
  const graph = moduleGraph(path.join(__dirname, 'verify.ts'));

  it('reaches only portable modules', () => {
    const files = [...graph.keys()].map((file) => path.basename(file)).sort();
    expect(files).toEqual(['hash.ts', 'tree-math.ts', 'verify.ts']);
  });

  it('imports nothing from Node and no package but @noble/hashes', () => {
    const offending: string[] = [];
    for (const [file, specifiers] of graph) {
      for (const specifier of specifiers) {
        if (specifier.startsWith('.')) continue;
        const isNode = specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string);
        if (isNode || !specifier.startsWith('@noble/hashes/')) offending.push(`${path.basename(file)}: ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
