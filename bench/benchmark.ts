/** One measured figure, printed as `name  label  value  unit`. */
export interface BenchmarkResult {
  label: string;
  value: number;
  unit: string;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchmarkResult[]>;
}

/**
 * Runs `operation` repeatedly for about `durationMs` after a warm-up and returns operations per second.
 * `operation` is called in batches of `batchSize` so the clock is read rarely.
 */
export function measureRate(operation: (iteration: number) => void, durationMs: number, batchSize = 100): number {
  const warmupEndNs = process.hrtime.bigint() + BigInt(Math.min(durationMs, 500)) * 1_000_000n;
  let iteration = 0;
  while (process.hrtime.bigint() < warmupEndNs) {
    for (let i = 0; i < batchSize; i++) operation(iteration++);
  }
  const startNs = process.hrtime.bigint();
  const endNs = startNs + BigInt(durationMs) * 1_000_000n;
  let count = 0;
  let nowNs = startNs;
  while (nowNs < endNs) {
    for (let i = 0; i < batchSize; i++) operation(iteration++);
    count += batchSize;
    nowNs = process.hrtime.bigint();
  }
  return Math.round((count * 1e9) / Number(nowNs - startNs));
}
