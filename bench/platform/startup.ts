/**
 * How long `npm start` takes to bring Neo4j, Redis and etcd to health, cold (the Neo4j launcher built
 * from scratch by Maven, from an already-filled local Maven repository, and empty data folders) and warm
 * (launcher built, data folders from the cold run), and each service's resident memory once idle.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { neo4jLauncherPaths, startPlatform, type Platform } from '@twinledger/tools';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';

const idleSettleMs = 10_000;

function residentBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

async function timedStart(dataDir: string): Promise<{ platform: Platform; elapsedMs: number }> {
  const startedNs = process.hrtime.bigint();
  const platform = await startPlatform({ dataDir, env: embeddedEnv() });
  return { platform, elapsedMs: Number((process.hrtime.bigint() - startedNs) / 1_000_000n) };
}

/** The environment without endpoints of running services, so every part is embedded. */
function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NEO4J_URI;
  delete env.REDIS_URL;
  delete env.ETCD_ENDPOINTS;
  return env;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'platform start',
    async run(): Promise<BenchmarkResult[]> {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-bench-start-'));
      const results: BenchmarkResult[] = [];
      try {
        fs.rmSync(path.dirname(neo4jLauncherPaths().jarPath), { recursive: true, force: true });
        const cold = await timedStart(dataDir);
        results.push({ label: 'cold (launcher build + empty data) to healthy', value: cold.elapsedMs, unit: 'ms' });
        await new Promise((resolve) => setTimeout(resolve, idleSettleMs));
        for (const child of cold.platform.children()) {
          results.push({ label: `idle resident memory ${child.name}`, value: Math.round(residentBytes(child.pid) / 2 ** 20), unit: 'MiB' });
        }
        await cold.platform.stop();
        const warm = await timedStart(dataDir);
        results.push({ label: 'warm (launcher built, existing data) to healthy', value: warm.elapsedMs, unit: 'ms' });
        await warm.platform.stop();
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      return results;
    },
  },
];
