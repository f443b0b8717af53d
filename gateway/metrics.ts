/**
 * Prometheus metrics, one registry per gateway so two gateways in one process do not share counts.
 * Label values come from closed sets (operation types, known codes), so series stay bounded.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthFailureReason } from './auth/errors.js';
import { gatewayErrorCodes } from './errors.js';
import { limitCodeList, type LimitCode } from './limits/limit-refusal.js';

export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

const knownOutcomes = new Set<string>(['ok', ...Object.values(gatewayErrorCodes), ...limitCodeList, 'LEDGER_REJECTED', 'CONFLICT']);

export interface GatewayMetrics {
  registry: Registry;
  observeRequest(operationType: OperationType, outcome: string, durationSeconds: number): void;
  authFailure(reason: AuthFailureReason): void;
  limitRefusal(code: LimitCode): void;
}

export function createGatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'twinledger_gateway_' });
  const requests = new Counter({
    name: 'twinledger_gateway_requests_total',
    help: 'GraphQL requests by operation type and outcome (ok, or the first error code)',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'twinledger_gateway_request_duration_seconds',
    help: 'GraphQL request latency from first byte to response, in seconds',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'twinledger_gateway_auth_failures_total',
    help: 'Requests refused as UNAUTHENTICATED, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const limitRefusals = new Counter({
    name: 'twinledger_gateway_limit_refusals_total',
    help: 'Requests refused by a query or body limit, by code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeRequest(operationType, outcome, durationSeconds) {
      requests.inc({ operation_type: operationType, outcome: knownOutcomes.has(outcome) ? outcome : 'other' });
      duration.observe({ operation_type: operationType }, durationSeconds);
    },
    authFailure(reason) {
      authFailures.inc({ reason });
    },
    limitRefusal(code) {
      limitRefusals.inc({ code });
    },
  };
}
