/**
 * `npm run bench trace capture`: EPCIS capture end to end. The whole platform starts in a temporary
 * folder; clients then POST EPCISDocuments of new ObjectEvents to the gateway's `/epcis/capture`, each
 * answered only once every event is a signed, ordered, executed ledger transaction and the projection
 * has reached it (so a query right after finds it). Reported: events per second over the window, and
 * the documents' p50/p99 latency, for two shapes of traffic: batches (50 events per document, 4
 * clients) and single events (1 per document, 16 clients). Every answer is checked to list one new
 * hash ID per event; a failed capture stops the run. Each phase is bounded in time and count; the
 * platform is stopped and its folder removed at the end.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startPlatform, type Platform } from '@twinledger/tools';
import type { Benchmark, BenchmarkResult } from '../benchmark.js';

interface Phase {
  readonly label: string;
  readonly eventsPerDocument: number;
  readonly clients: number;
  readonly windowMs: number;
  readonly documentCountMax: number;
}

const phases: readonly Phase[] = [
  { label: '50-event documents, 4 clients', eventsPerDocument: 50, clients: 4, windowMs: 30_000, documentCountMax: 400 },
  { label: '1-event documents, 16 clients', eventsPerDocument: 1, clients: 16, windowMs: 20_000, documentCountMax: 20_000 },
];
const requestTimeoutMs = 120_000;
const runId = randomBytes(4).toString('hex');

function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(fraction * sortedMs.length))] as number;
}

/** A document of `count` new ObjectEvents: every EPC and event time unique to this run and document. */
function captureDocument(documentIndex: number, count: number, phaseIndex: number): unknown {
  const baseMs = Date.UTC(2026, 0, 1) + (phaseIndex * 1_000_000 + documentIndex) * 1_000;
  return {
    '@context': ['https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld'],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: new Date(baseMs).toISOString(),
    epcisBody: {
      eventList: Array.from({ length: count }, (_, index) => ({
        type: 'ObjectEvent',
        eventTime: new Date(baseMs + index).toISOString(),
        eventTimeZoneOffset: '+00:00',
        epcList: [`urn:epc:id:sgtin:4012345.011111.${runId}-${phaseIndex}-${documentIndex}-${index}`],
        action: 'ADD',
        bizStep: 'commissioning',
        disposition: 'active',
        readPoint: { id: 'urn:epc:id:sgln:4012345.00001.0' },
      })),
    },
  };
}

async function runPhase(captureUrl: string, apiKey: string, phase: Phase, phaseIndex: number): Promise<BenchmarkResult[]> {
  const latenciesMs: number[] = [];
  let events = 0;
  let next = 0;
  const startedMs = performance.now();
  const deadlineMs = startedMs + phase.windowMs;
  await Promise.all(
    Array.from({ length: phase.clients }, async () => {
      while (performance.now() < deadlineMs && next < phase.documentCountMax) {
        const index = next++;
        const body = JSON.stringify(captureDocument(index, phase.eventsPerDocument, phaseIndex));
        const callStartedMs = performance.now();
        const response = await fetch(captureUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/ld+json', authorization: `Bearer ${apiKey}` },
          body,
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const answer = (await response.json()) as { eventIds?: unknown[]; detail?: string };
        if (response.status !== 200 || answer.eventIds?.length !== phase.eventsPerDocument || new Set(answer.eventIds).size !== phase.eventsPerDocument) {
          throw new Error(`capture failed with ${response.status}: ${answer.detail ?? JSON.stringify(answer).slice(0, 300)}`);
        }
        latenciesMs.push(performance.now() - callStartedMs);
        events += phase.eventsPerDocument;
      }
    }),
  );
  const elapsedMs = performance.now() - startedMs;
  latenciesMs.sort((a, b) => a - b);
  return [
    { label: `capture end to end (projected), ${phase.label}`, value: Math.round((events * 1000) / elapsedMs), unit: 'events/s' },
    { label: `capture document p50, ${phase.label}`, value: Math.round(percentile(latenciesMs, 0.5)), unit: 'ms' },
    { label: `capture document p99, ${phase.label}`, value: Math.round(percentile(latenciesMs, 0.99)), unit: 'ms' },
    { label: `events captured, ${phase.label}`, value: events, unit: 'events' },
  ];
}

async function measure(platform: Platform): Promise<BenchmarkResult[]> {
  const { epcisUrl, demoApiKey } = platform.endpoints;
  if (epcisUrl === undefined || demoApiKey === undefined) throw new Error('the platform runs no gateway');
  const results: BenchmarkResult[] = [];
  // One small capture first, so the phases measure a warm path (schema compiled, connections open).
  await runPhase(`${epcisUrl}/capture`, demoApiKey, { label: 'warm-up', eventsPerDocument: 5, clients: 1, windowMs: 1, documentCountMax: 1 }, 9);
  for (const [index, phase] of phases.entries()) results.push(...(await runPhase(`${epcisUrl}/capture`, demoApiKey, phase, index)));
  return results;
}

function embeddedEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['NEO4J_URI', 'REDIS_URL', 'ETCD_ENDPOINTS', 'LEDGER_PEERS']) delete env[name];
  return env;
}

export const benchmarks: Benchmark[] = [
  {
    name: 'epcis capture',
    async run(): Promise<BenchmarkResult[]> {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'twinledger-bench-capture-'));
      const platform = await startPlatform({ dataDir, env: embeddedEnv() });
      try {
        return await measure(platform);
      } finally {
        await platform.stop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  },
];
