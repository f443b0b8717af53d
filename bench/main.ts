/**
 * `npm run bench <suite> [filter]`: runs every benchmark module in `bench/<suite>/` and prints one line
 * per figure. A suite is a folder; each module exports `benchmarks`, so suites grow without a registry.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Benchmark } from './benchmark.js';

async function main(): Promise<void> {
  const [suite, filter] = process.argv.slice(2);
  const suites = fs
    .readdirSync(__dirname, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  if (suite === undefined || !suites.includes(suite)) {
    console.error(`usage: npm run bench <suite> [filter]; suites: ${suites.join(', ')}`);
    process.exit(2);
  }
  const suiteDir = path.join(__dirname, suite);
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  console.log(`# ${suite} on ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  for (const file of fs.readdirSync(suiteDir).filter((name) => name.endsWith('.js') && !name.endsWith('.test.js')).sort()) {
    const loaded = (await import(path.join(suiteDir, file))) as { benchmarks?: Benchmark[] };
    for (const benchmark of loaded.benchmarks ?? []) {
      if (filter !== undefined && !benchmark.name.includes(filter)) continue;
      const results = await benchmark.run();
      for (const result of results) console.log(`${benchmark.name}\t${result.label}\t${result.value}\t${result.unit}`);
    }
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
